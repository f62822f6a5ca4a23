"""The files `scaffold verify` looks at, listed once: the warm path hashes the listed files' bytes (cache.py) and, on
a miss, the checks' RepoView takes the same listing instead of walking the tree again.

Skips what the verifier skips (node_modules, .git, build output: `platform.IGNORED_DIRS`, its own cache, and the
lock and journal scaffold's commands keep: no verdict reads them, and a fresh clone has neither).
Order is os.walk's, top down: a folder's files by name, then its subfolders by name. Like os.walk, a symlink to a
folder is not followed. Imports nothing heavy: the warm path must stay cheap.

What must never be read is not listed but `refused` (path, reason): a symlink, to a file or a folder, that leads
outside the repo or into a loop, and FIFOs, sockets and devices (`repofs.read.refusal`). The engine reports each
one; their stamps keep the fingerprint honest (a refused entry that changes changes the report).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from scaffold import platform
from scaffold.repofs.read import refusal


@dataclass
class Listing:
    paths: list[str] = field(default_factory=list)  # repo-relative, forward slashes
    folder_links: list[str] = field(default_factory=list)  # symlinks to folders: not followed; the cache key sees them
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): entries never to be opened


def scan(root: Path) -> Listing:
    listing = Listing()
    _scan_folder(str(root), "", listing, os.path.realpath(root) + os.sep)
    return listing


def _scan_folder(folder: str, relative: str, listing: Listing, root_prefix: str) -> None:
    try:
        entries = sorted(os.scandir(folder), key=_NAME)
    except OSError:
        return
    folders = []
    for entry in entries:  # the d_type scandir read answers these without a system call, but for a symlink's target
        if relative == _SCAFFOLD_DIR and relative + entry.name in _OWN_FILES:
            continue
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry)
            continue
        if not entry.is_file(follow_symlinks=False):  # a symlink or a special file: both rare, so checked closely
            if entry.name in platform.IGNORED_DIRS:
                continue  # e.g. node_modules linked to a shared store: never read, as when it is a folder
            reason = refusal(root_prefix, relative + entry.name, entry)
            if reason is not None:
                listing.refused.append((relative + entry.name, reason))
                continue
        if entry.is_symlink() and _is_folder(entry):
            listing.folder_links.append(relative + entry.name)  # inside the repo: os.walk neither lists nor follows it
        else:
            listing.paths.append(relative + entry.name)  # a broken symlink too, as os.walk lists it
    for entry in folders:
        path = relative + entry.name
        if entry.name not in platform.IGNORED_DIRS and path != platform.VERIFY_CACHE_DIR:
            _scan_folder(entry.path, path + "/", listing, root_prefix)


_NAME = attrgetter("name")
_SCAFFOLD_DIR = platform.REPO_LOCK.rpartition("/")[0] + "/"
_OWN_FILES = frozenset({platform.REPO_LOCK, platform.APPLY_JOURNAL})


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
