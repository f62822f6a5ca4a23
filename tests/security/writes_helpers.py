"""What the write-side security tests share: a small platform made once per module, a byte snapshot that sees
symlinks as links, and running scaffold in its own process (for kills and races)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from scaffold.cli import main

# Written by the lock and the verify cache: not part of "the tree" a rollback or a refusal must leave as it was.
STATE_FILES = (".scaffold/lock",)
STATE_DIRS = (".scaffold/cache",)


def make_platform(root: Path) -> Path:
    """`scaffold init` + `scaffold new service billing`, without the closing verify."""
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


def copy_platform(pristine: Path, target: Path) -> Path:
    shutil.copytree(pristine, target, symlinks=True)
    return target


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every symlink's target below `root`, links not followed; scaffold's own lock and
    cache left out."""
    tree: dict[str, bytes | str] = {}
    for folder, folders, files in os.walk(root):
        relative_folder = Path(folder).relative_to(root).as_posix()
        for name in folders + files:
            path = Path(folder) / name
            relative = name if relative_folder == "." else f"{relative_folder}/{name}"
            if relative in STATE_FILES or any(relative == d or relative.startswith(d + "/") for d in STATE_DIRS):
                continue
            if path.is_symlink():
                tree[relative] = f"-> {os.readlink(path)}"
            elif path.is_file():
                tree[relative] = path.read_bytes()
        folders[:] = [f for f in folders if not (Path(folder) / f).is_symlink()]
    return tree


def scaffold(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffold.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=300,
    )


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scaffold.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
