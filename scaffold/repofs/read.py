"""Reading files of a repo that someone else wrote: only regular files whose real path is inside the repo, never
more than `MAX_FILE_BYTES`, and never a file that could block or leak.

A platform repo is untrusted input (`scaffold verify` runs in CI on pull requests). A committed symlink can point
at `~/.env` or `/dev/zero`, a FIFO blocks the reader forever, a loop makes `open` fail in odd places. So:

    data = read_bytes(root, "release/freeze-windows.yaml")   # bytes, or raises RefusedRead / OSError
    files = RepoFiles(root)                                     # many reads below one root: folders checked once
    reason = refusal(prefix, "services/billing", entry)       # why a listed entry must not be read, or None

`RefusedRead` (a subclass of OSError, so callers that treat "unreadable" as "absent" keep working) carries the
repo-relative path and a reason fit for a report; it never carries any byte of the file. Whoever catches it reports
the path (verify: a `fail` finding; generators: one line and exit 2).

How a read stays inside: every folder on the path is checked once (an `lstat`; a symlinked folder is resolved
and must land inside the root), remembered by the RepoFiles, and the file itself is opened with O_NOFOLLOW (a final
symlink is resolved the same way first) and O_NONBLOCK (a FIFO opens without waiting for a writer); an `fstat` on
the open descriptor then refuses anything but a regular file, and any file over the size cap, before one byte is
read. Devices are never opened by a symlink (the symlink's target is checked before the open).

What it does not stop: a local process that swaps a checked folder for a symlink between the check and the open
(the threat is what a repo holds when scaffold starts, not a concurrent attacker on the same machine).

The lead will move this into the `scaffold/repofs/` package beside the write side; it imports nothing of ours.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# A manifest, a migration or a route file is a few KB; the largest generated file (an OpenAPI document of a big
# service) stays well under 1 MB. 4 MB leaves room and still bounds what one hostile file can cost.
MAX_FILE_BYTES = 4 * 1024 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

# Reasons, worded for a report line "PATH: REASON"
OUTSIDE = "a symlink leading outside the repo; not read"
LOOP = "a symlink loop; not read"
NOT_REGULAR = "not a regular file ({kind}); not read"
TOO_LARGE = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not read"


class RefusedRead(OSError):
    """A file scaffold will not open: `path` (repo-relative) and `reason` (one of the constants above)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(errno.EPERM, reason, path)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _inside(real: str, prefix: str) -> bool:
    return real.startswith(prefix) or real + os.sep == prefix


def _resolve_link(prefix: str, relative: str, candidate: str) -> str | RefusedRead:
    """Where the symlink `candidate` leads, if that is inside the root `prefix`, else the refusal. A dangling
    symlink raises FileNotFoundError, as opening it would."""
    try:
        real = os.path.realpath(candidate, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return RefusedRead(relative, LOOP)
        raise
    return real if _inside(real, prefix) else RefusedRead(relative, OUTSIDE)


class RepoFiles:
    """Safe reads below one root. Remembers each folder's check, so a run over a repo pays one lstat per folder
    (not per file) on top of the open and fstat every read needs anyway."""

    def __init__(self, root: Path | str) -> None:
        self.prefix = os.path.realpath(root) + os.sep
        self._folders: dict[str, str | RefusedRead] = {"": self.prefix[:-1]}

    def forget(self) -> None:
        """Drop what was learnt about folders (the tree was written to since)."""
        self._folders = {"": self.prefix[:-1]}

    def real_folder(self, folder: str) -> str:
        """The real path of `folder` (repo-relative, "" for the root), or raises RefusedRead / OSError."""
        found = self._folders.get(folder)
        if found is None:
            parent, _, name = folder.rpartition("/")
            if name in ("", ".", ".."):
                raise RefusedRead(folder, OUTSIDE)
            candidate = os.path.join(self.real_folder(parent), name)
            mode = os.lstat(candidate).st_mode  # FileNotFoundError is not remembered: the folder may appear later
            if stat.S_ISLNK(mode):
                found = _resolve_link(self.prefix, folder, candidate)
                if isinstance(found, str) and not os.path.isdir(found):
                    raise NotADirectoryError(errno.ENOTDIR, "not a folder", folder)
            elif stat.S_ISDIR(mode):
                found = candidate
            else:
                raise NotADirectoryError(errno.ENOTDIR, "not a folder", folder)
            self._folders[folder] = found
        if isinstance(found, RefusedRead):
            raise found
        return found

    def read_bytes(self, relative: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of `relative` (repo-relative, forward slashes). Raises RefusedRead for a symlink out of the
        repo or in a loop, a FIFO, socket, device or folder, or a file over `limit`; FileNotFoundError and other
        OSErrors as `open` would."""
        folder, _, name = relative.rpartition("/")
        if name in ("", ".", ".."):
            raise RefusedRead(relative, OUTSIDE)
        path = os.path.join(self.real_folder(folder), name)
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as error:
            # O_NOFOLLOW on a symlink fails with ELOOP (EMLINK on some BSDs): resolve it, open the target if inside
            if error.errno not in (errno.ELOOP, errno.EMLINK) or not os.path.islink(path):
                raise
            real = _resolve_link(self.prefix, relative, path)
            if isinstance(real, RefusedRead):
                raise real from None
            fd = os.open(real, _OPEN_FLAGS)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise RefusedRead(relative, NOT_REGULAR.format(kind=kind_of(info.st_mode)))
            if info.st_size > limit:
                raise RefusedRead(relative, TOO_LARGE)
            chunks: list[bytes] = []
            left = limit + 1  # reads until the end, or past the limit if the file grew since the fstat
            while left > 0:
                chunk = os.read(fd, min(left, info.st_size + 1 if not chunks else 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if len(data) > limit:
                raise RefusedRead(relative, TOO_LARGE)
            return data
        finally:
            os.close(fd)

    def read_text(self, relative: str) -> str:
        """`read_bytes` decoded as UTF-8 (UnicodeDecodeError when it is not)."""
        return self.read_bytes(relative).decode("utf-8")


def read_bytes(root: Path | str, relative: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """One safe read below `root` (see `RepoFiles.read_bytes`)."""
    return RepoFiles(root).read_bytes(relative, limit=limit)


def read_text(root: Path | str, relative: str) -> str:
    """One safe read below `root`, decoded as UTF-8 (UnicodeDecodeError when it is not)."""
    return read_bytes(root, relative).decode("utf-8")


def refusal(root_prefix: str, relative: str, entry: os.DirEntry[str]) -> str | None:
    """Why the listing must not hand on `entry` (found while walking the repo, `relative` its repo-relative path)
    as a file to read, or None when it may. Uses what scandir already knows: a regular file or folder costs
    nothing; a symlink costs one realpath."""
    if entry.is_symlink():
        try:
            real = _resolve_link(root_prefix, relative, entry.path)
        except OSError:  # dangling: listed as before, and reading it finds nothing
            return None
        return real.reason if isinstance(real, RefusedRead) else None
    if entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False):
        return None
    try:
        return NOT_REGULAR.format(kind=kind_of(entry.stat(follow_symlinks=False).st_mode))
    except OSError:
        return None
