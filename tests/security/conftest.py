"""Platforms to attack: one made by `scaffold init` + `new service billing` + `new integration acme`, copied fresh
for each test, and helpers to run the CLI in this process or in a bounded child process."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffold.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Run:
    """`scaffold ARGV` in this process, with its stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Run(code, out.getvalue(), err.getvalue())


# A child process with its address space capped at 1 GB: a regression that expands an alias bomb or reads /dev/zero
# dies with a MemoryError (exit 1 and a message) instead of taking the machine, and one that blocks is killed by the
# timeout, which fails the test instead of hanging the suite.
_BOUNDED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from scaffold.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_bounded(*argv: str, timeout: float = 120) -> Run:
    try:
        result = subprocess.run(
            [sys.executable, "-c", _BOUNDED, *argv], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"scaffold {' '.join(argv)} did not finish within {timeout} s (blocked on a FIFO or device?)")
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def pristine_platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("security") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "integration", "acme", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine_platform: Path, tmp_path: Path) -> Path:
    """A fresh copy of the platform; tmp_path/outside is a folder beside it, outside the repo."""
    root = tmp_path / "platform"
    shutil.copytree(pristine_platform, root, symlinks=True)
    (tmp_path / "outside").mkdir()
    return root
