"""The warm path of `scaffold verify`: when nothing in the tree changed since the last run with the same options,
print the stored report instead of re-deciding 86 items.

The fingerprint covers every file the verifier reads (path, size, mtime in ns — a stat per file, no reads; the
listing is handed on to the checks on a miss), the
scaffold version, the options, and the day (freeze windows and expiries depend on it). One entry is kept, in
.scaffold/cache/verify.json; any change means a full run. Nothing here imports the checks, so a hit stays cheap.
"""

from __future__ import annotations

import hashlib
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
    folder = root / platform.VERIFY_CACHE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / KEY_FILE).unlink(missing_ok=True)  # a crash between the two writes leaves no stale match
        (folder / REPORT_FILE).write_text(f"{status}\n{report}", encoding="utf-8")
        (folder / KEY_FILE).write_text(key, encoding="utf-8")
    except OSError:
        pass  # a read-only checkout just runs cold every time
