"""The warm path of `scaffold verify`: when nothing in the tree changed since the last run with the same options,
print the stored report instead of re-deciding 86 items.

The fingerprint covers every file the verifier reads (path, size, mtime in ns — a stat per file, no reads; the
listing is handed on to the checks on a miss), the
scaffold version, the options, and the day (freeze windows and expiries depend on it). One entry is kept, in
.scaffold/cache/verify.json; any change means a full run. Nothing here imports the checks, so a hit stays cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from scaffold import __version__, platform
from scaffold.verify.listing import Listing

KEY_FILE = "verify.key"
REPORT_FILE = "verify.report"  # first line: exit status; then the report, as printed


def fingerprint(listing: Listing, options: Sequence[str]) -> str:
    """The tree (`listing.scan(root)`: every file's path, size and mtime) and the options, as one key."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update("\0".join([__version__, *options]).encode())
    digest.update("".join(listing.stamps).encode())
    return digest.hexdigest()


def load(root: Path, key: str) -> tuple[bytes, int] | None:
    """The stored report (UTF-8 bytes, handed on undecoded: it is only written out again) and exit status when
    `key` is the stored key, else None."""
    folder = root / platform.VERIFY_CACHE_DIR
    try:
        if (folder / KEY_FILE).read_text(encoding="utf-8") != key:
            return None
        status, _, report = (folder / REPORT_FILE).read_bytes().partition(b"\n")
        return report, int(status)
    except (OSError, ValueError):
        return None


def store(root: Path, key: str, report: str, status: int) -> None:
    """Keep the report for the next run — only when no other scaffold command holds the repo lock (a writer is
    changing the tree: skip rather than wait), never through a symlink, and atomically (the key is removed first and
    written last, so a crash between the writes leaves no stale match). Any failure just skips the store."""
    from scaffold.errors import ScaffoldError
    from scaffold.repofs.lock import repo_lock
    from scaffold.repofs.write import open_folder, write_atomic

    folder = platform.VERIFY_CACHE_DIR
    try:
        with repo_lock(root, "store the report", wait=False) as held:
            if not held:
                return
            with open_folder(root, folder, create=True) as (descriptor, _), contextlib.suppress(FileNotFoundError):
                os.unlink(KEY_FILE, dir_fd=descriptor)  # a symlink here is removed, never followed
            # No fsync: a cache lost in a power cut is only a cold run.
            write_atomic(root, f"{folder}/{REPORT_FILE}", f"{status}\n{report}".encode(), fsync=False)
            write_atomic(root, f"{folder}/{KEY_FILE}", key.encode(), fsync=False)
    except (OSError, ScaffoldError):
        pass  # a read-only checkout, a symlink in the way, a full disk: the next run is cold
