"""Repo-relative paths, checked: a path scaffold writes must stay inside the repo without passing a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from scaffold.errors import ScaffoldError


class UnsafePath(ScaffoldError):
    """A write target that is, or passes through, a symlink, or that would land outside the repo."""


def parts_of(relative: str) -> list[str]:
    """The components of a repo-relative path, refusing absolute paths, `..` and empty names."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or "\\" in relative or "\0" in relative:
        raise UnsafePath(f"{relative!r}: not a repo-relative path")
    parts = [part for part in path.parts if part != "."]
    if not parts or any(part == ".." for part in parts):
        raise UnsafePath(f"{relative}: leaves the repo")
    return parts


def check_no_symlink(root: Path, relative: str) -> None:
    """Refuse (UnsafePath, exit 2) when `relative` or any folder on its way below `root` is a symlink, or a
    component that exists is neither a folder (on the way) nor a regular file (at the end). Missing components are
    fine: they will be created. This is the early, friendly check; `write` re-checks through descriptors."""
    current = root
    parts = parts_of(relative)
    for index, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        shown = "/".join(parts[: index + 1])
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(f"{shown} is a symbolic link; scaffold never writes through a link (remove it first)")
        last = index == len(parts) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            raise UnsafePath(f"{shown} is not a folder")
        if last and not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            raise UnsafePath(f"{shown} is not a regular file")
