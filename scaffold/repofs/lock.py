"""One writer at a time per repo: an exclusive `fcntl.flock` on `.scaffold/lock`.

Generators hold it from planning to the last rename (so a second generator plans on the first one's result),
`attest` around its read-modify-write, `verify --fix` around its apply, and the verify cache around its store
(without waiting: a busy lock just skips storing). A second writer waits up to SCAFFOLD_LOCK_TIMEOUT seconds
(default 60), saying once that it waits, then exits 2. The lock is re-entrant within one process. The kernel
drops a flock when its holder dies, so a killed writer never leaves the repo locked.

The lock file is never written to: its bytes and mtime stay the same, so it never changes what the verifier's
warm path sees. Who holds it is read from /proc/locks where there is one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.repofs.paths import UnsafePath
from scaffold.repofs.write import open_folder, split

DEFAULT_TIMEOUT_SECONDS = 60.0
_held: dict[str, int] = {}  # resolved root → nesting depth in this process
# A lock taken by `hold` (a generator, from finding the repo until its apply ends) and released by `release_held`.
_session = contextlib.ExitStack()


class RepoBusy(ScaffoldError):
    """Another scaffold command kept the repo's lock for longer than we wait."""


def _timeout() -> float:
    try:
        return float(os.environ.get("SCAFFOLD_LOCK_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS


@contextmanager
def repo_lock(root: Path, what: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the repo's writer lock for the block (`what`: what it is taken for, "generate", "attest", for the
    message). Yields True when held; with `wait=False` yields False at once
    when another process holds it. Raises RepoBusy after the bounded wait, UnsafePath when the lock file (or
    `.scaffold/`) is a symlink or not a regular file."""
    key = str(root.resolve())
    if _held.get(key):
        _held[key] += 1
        try:
            yield True
        finally:
            _held[key] -= 1
        return
    try:
        descriptor = _open_lock_file(root)
    except OSError as error:
        if error.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        # A repo where the lock file cannot be made is one this process cannot write either (a read-only checkout):
        # reading, planning and dry runs go on unlocked; a real write fails on its own, with its own message.
        yield True
        return
    try:
        if not _acquire(descriptor, what, wait):
            yield False
            return
        _held[key] = 1
        try:
            yield True
        finally:
            _held.pop(key, None)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def hold(root: Path, what: str) -> None:
    """Take the lock until `release_held` (the command layer calls it on every exit)."""
    _session.enter_context(repo_lock(root, what))


def release_held() -> None:
    _session.close()


def _open_lock_file(root: Path) -> int:
    folder_path, name = split(platform.REPO_LOCK)
    with open_folder(root, folder_path, create=True) as (folder, _created):
        try:
            descriptor = os.open(
                name, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644, dir_fd=folder
            )
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UnsafePath(f"{platform.REPO_LOCK} is a symbolic link; remove it") from None
            raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UnsafePath(f"{platform.REPO_LOCK} is not a regular file; remove it")
    return descriptor


def _acquire(descriptor: int, what: str, wait: bool) -> bool:
    deadline = time.monotonic() + _timeout()
    told = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not wait:
                return False
        if time.monotonic() >= deadline:
            raise RepoBusy(
                f"another scaffold command ({_holder(descriptor)}) still holds {platform.REPO_LOCK}; gave up "
                f"waiting to {what} after {_timeout():g} s (SCAFFOLD_LOCK_TIMEOUT) — run this again when it has "
                "finished; nothing was written"
            )
        if not told:
            print(f"scaffold: waiting for another scaffold command ({_holder(descriptor)}) to finish…", file=sys.stderr)
            told = True
        time.sleep(0.05)


def _holder(descriptor: int) -> str:
    """The process holding the flock on `descriptor`'s file, from /proc/locks (Linux), else "unknown"."""
    info = os.fstat(descriptor)
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as stream:
            for line in stream:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a waiter's line has "->" after the number
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted and fields[4].isdigit():
                    return f"process {fields[4]}"
    except OSError:
        pass
    return "unknown"
