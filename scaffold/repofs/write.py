"""Atomic writes into the repo that never follow a link.

Every folder on the way is opened relative to its parent with O_NOFOLLOW|O_DIRECTORY, so a symlink swapped in
between a check and the write is refused by the kernel rather than followed. The new bytes go to a temp file made
with O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name beside the target, are fsynced, and are renamed over
the target; the folder is fsynced after the rename. A target that is itself a symlink is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold.repofs.paths import UnsafePath, parts_of

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
TEMP_SUFFIX = ".scaffold-tmp"


@contextmanager
def open_folder(root: Path, relative_folder: str, *, create: bool = False) -> Iterator[tuple[int, list[str]]]:
    """A descriptor of `root/relative_folder` reached without following links ("" is the root itself), and the
    folders created on the way (repo-relative, outermost first) when `create` is set."""
    created: list[str] = []
    descriptor = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)  # the root the user named may itself be a link
    try:
        walked: list[str] = []
        for part in parts_of(relative_folder) if relative_folder else []:
            walked.append(part)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=descriptor)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, 0o777, dir_fd=descriptor)
                created.append("/".join(walked))
                child = os.open(part, _DIR_FLAGS, dir_fd=descriptor)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafePath(
                        f"{'/'.join(walked)} is a symbolic link or not a folder; scaffold never writes through a link"
                    ) from None
                raise
            os.close(descriptor)
            descriptor = child
        yield descriptor, created
    finally:
        os.close(descriptor)


def split(relative: str) -> tuple[str, str]:
    parts = parts_of(relative)
    return "/".join(parts[:-1]), parts[-1]


def target_mode(folder: int, name: str, shown: str | None = None) -> int | None:
    """The permission bits of `name` in `folder`, None when it does not exist; refuses links and non-files
    (`shown`: the repo-relative path for the message)."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{shown or name} is a symbolic link; scaffold never writes through a link (remove it first)")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{shown or name} is not a regular file")
    return info.st_mode & 0o7777


def temporary_name(name: str) -> str:
    """An unpredictable name for a temp file beside `name`: `.NAME.<16 hex digits>.scaffold-tmp`."""
    return f".{name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"


def is_temporary_name(candidate: str, name: str) -> bool:
    """Whether `candidate` is a name `temporary_name(name)` could have given (what a rollback may delete)."""
    return re.fullmatch(rf"\.{re.escape(name)}\.[0-9a-f]{{16}}{re.escape(TEMP_SUFFIX)}", candidate) is not None


def write_temporary(
    folder: int, name: str, data: bytes, mode: int, *, temporary: str | None = None, fsync: bool = True
) -> str:
    """Write `data` to a new temp file beside `name` in `folder` (named `temporary`, else an unpredictable name);
    return its name. O_EXCL|O_NOFOLLOW: a file or link already there under that name is an error, never reused."""
    temporary = temporary or temporary_name(name)
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder
    )
    try:
        with os.fdopen(descriptor, "wb", closefd=False) as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(descriptor, mode)
            if fsync:
                os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise
    os.close(descriptor)
    return temporary


def default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(root: Path, relative: str, data: bytes, *, mode: int | None = None, fsync: bool = True) -> None:
    """Replace (or create) `root/relative` with `data` in one rename; missing folders are created. A crash leaves
    either the old or the new file, never a mix; a full disk leaves the old file as it was. `fsync=False` (for
    files that may be lost, like the verify cache) skips waiting for the disk."""
    folder_path, name = split(relative)
    with open_folder(root, folder_path, create=True) as (folder, _created):
        existing = target_mode(folder, name, relative)
        chosen = mode if mode is not None else existing or default_mode()
        temporary = write_temporary(folder, name, data, chosen, fsync=fsync)
        try:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
            raise
        if fsync:
            os.fsync(folder)


def read_regular(root: Path, relative: str, *, limit: int) -> bytes | None:
    """The bytes of a regular file reached without following any link, None when it does not exist. Raises
    UnsafePath for a link, a FIFO, a device or a file larger than `limit`."""
    folder_path, name = split(relative)
    try:
        with open_folder(root, folder_path) as (folder, _created):
            try:
                descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise UnsafePath(f"{relative} is a symbolic link; scaffold does not follow it") from None
                raise
            with os.fdopen(descriptor, "rb") as stream:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise UnsafePath(f"{relative} is not a regular file")
                data = stream.read(limit + 1)
                if len(data) > limit:
                    raise UnsafePath(f"{relative} is larger than {limit} bytes")
                return data
    except FileNotFoundError:
        return None
