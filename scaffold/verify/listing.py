"""The files `scaffold verify` looks at, listed once: the warm path fingerprints the listing (cache.py) and, on a
miss, the checks' RepoView takes the same listing instead of walking the tree again.

Skips what the verifier skips (node_modules, .git, build output: `platform.IGNORED_DIRS`, and its own cache).
Order is os.walk's, top down: a folder's files by name, then its subfolders by name. Like os.walk, a symlink to a
folder is not followed. Imports nothing heavy: the warm path must stay cheap.
"""

from __future__ import annotations

import os
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from scaffold import platform


class Listed(NamedTuple):  # a tuple: thousands are made on the warm path, where a frozen dataclass costs 3x more
    path: str  # repo-relative, forward slashes
    size: int
    mtime_ns: int


def scan(root: Path) -> list[Listed]:
    found: list[Listed] = []
    _scan_folder(str(root), "", found)
    return found


def _scan_folder(folder: str, relative: str, found: list[Listed]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=_NAME)
    except OSError:
        return
    folders = []
    for entry in entries:  # the d_type scandir read answers these without a system call, but for a symlink's target
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry)
        elif entry.is_symlink() and _is_folder(entry):
            continue  # a symlink to a folder: os.walk neither lists it as a file nor follows it
        else:
            try:
                stat = entry.stat()
            except OSError:  # a broken symlink: listed, as os.walk lists it, with nothing to fingerprint
                found.append(Listed(relative + entry.name, -1, -1))
                continue
            found.append(Listed(relative + entry.name, stat.st_size, stat.st_mtime_ns))
    for entry in folders:
        path = relative + entry.name
        if entry.name not in platform.IGNORED_DIRS and path != platform.VERIFY_CACHE_DIR:
            _scan_folder(entry.path, path + "/", found)


_NAME = attrgetter("name")


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
