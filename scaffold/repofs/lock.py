"""One writer at a time per repo: an exclusive `fcntl.flock` on `.scaffold/lock`.

Generators hold it from planning to the last rename (so a second generator plans on the first one's result),
`attest` around its read-modify-write, `verify --fix` around its apply, and the verify cache around its store
(without waiting: a busy lock just skips storing). A second writer waits up to SCAFFOLD_LOCK_TIMEOUT seconds
(default 60), saying once who it waits for, then exits 2. The lock is re-entrant within one process. The kernel
drops a flock when its holder dies, so a killed writer never leaves the repo locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.repofs.write import open_folder, split

DEFAULT_TIMEOUT_SECONDS = 60.0
_held: dict[str, int] = {}  # resolved root → nesting depth in this process


class RepoBusy(ScaffoldError):
    """Another scaffold command kept the repo's lock for longer than we wait."""


def _timeout() -> float:
    try:
        return float(os.environ.get("SCAFFOLD_LOCK_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS


@contextmanager
def repo_lock(root: Path, what: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the repo's writer lock for the block. Yields True when held; with `wait=False` yields False at once
    when another process holds it. Raises RepoBusy after the bounded wait."""
    key = str(root.resolve())
    if _held.get(key):
        _held[key] += 1
        try:
            yield True
        finally:
            _held[key] -= 1
        return
    folder_path, name = split(platform.REPO_LOCK)
    with open_folder(root, folder_path, create=True) as (folder, _created):
        descriptor = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=folder)
    try:
        if not _acquire(descriptor, what, wait):
            yield False
            return
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()} scaffold {what}\n".encode(), 0)
        _held[key] = 1
        try:
            yield True
        finally:
            _held.pop(key, None)
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


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
                f"another scaffold command ({_holder(descriptor)}) still holds {platform.REPO_LOCK}; "
                f"gave up waiting after {_timeout():g} s — run `scaffold {what}` again when it has finished"
            )
        if not told:
            print(f"scaffold: waiting for another scaffold command ({_holder(descriptor)}) to finish…", file=sys.stderr)
            told = True
        time.sleep(0.05)


def _holder(descriptor: int) -> str:
    try:
        text = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return "".join(ch for ch in text if ch.isprintable()) or "unknown"
