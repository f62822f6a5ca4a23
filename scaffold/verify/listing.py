"""The files `scaffold verify` looks at, listed once: the warm path fingerprints the listing (cache.py) and, on a
miss, the checks' RepoView takes the same listing instead of walking the tree again.

Skips what the verifier skips (node_modules, .git, build output: `platform.IGNORED_DIRS`, and its own cache).
Order is os.walk's, top down: a folder's files by name, then its subfolders by name. Like os.walk, a symlink to a
folder is not followed. Imports nothing heavy: the warm path must stay cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scaffold import platform


@dataclass(frozen=True)
class Listed:
    path: str  # repo-relative, forward slashes
    size: int
    mtime_ns: int


def scan(root: Path) -> list[Listed]:
    found: list[Listed] = []
    _scan_folder(str(root), "", found)
    return found


def _scan_folder(folder: str, relative: str, found: list[Listed]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    files: list[tuple[str, os.DirEntry[str]]] = []
    folders: list[tuple[str, os.DirEntry[str]]] = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        (folders if is_folder else files).append((entry.name, entry))
    for name, entry in sorted(files, key=lambda item: item[0]):
        try:
            stat = entry.stat()
        except OSError:  # a broken symlink: listed, as os.walk lists it, with nothing to fingerprint
            found.append(Listed(f"{relative}{name}", -1, -1))
            continue
        found.append(Listed(f"{relative}{name}", stat.st_size, stat.st_mtime_ns))
    for name, entry in sorted(folders, key=lambda item: item[0]):
        path = f"{relative}{name}"
        if name in platform.IGNORED_DIRS or path == platform.VERIFY_CACHE_DIR or entry.is_symlink():
            continue
        _scan_folder(entry.path, f"{path}/", found)
