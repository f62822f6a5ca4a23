"""The warm path of `scaffold verify`: when nothing in the tree changed since the last run with the same options,
print the stored report instead of re-deciding 86 items.

The fingerprint covers every file the verifier reads (path, size, mtime in ns — a stat per file, no reads), the
scaffold version, the options, and the day (freeze windows and expiries depend on it). One entry is kept, in
.scaffold/cache/verify.json; any change means a full run. Nothing here imports the checks, so a hit stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from scaffold import __version__, platform

CACHE_FILE = "verify.json"


def fingerprint(root: Path, options: Sequence[str]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update("\0".join([__version__, *options]).encode())
    root_text = str(root)
    for directory, subdirs, names in os.walk(root):
        relative_dir = os.path.relpath(directory, root_text)
        if relative_dir == platform.VERIFY_CACHE_DIR:
            subdirs[:] = []
            continue
        subdirs[:] = sorted(d for d in subdirs if d not in platform.IGNORED_DIRS)
        for name in sorted(names):
            try:
                stat = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            digest.update(f"{relative_dir}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load(root: Path, key: str) -> tuple[str, int] | None:
    try:
        stored = json.loads((root / platform.VERIFY_CACHE_DIR / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    report, status = stored.get("report"), stored.get("status")
    return (report, status) if isinstance(report, str) and isinstance(status, int) else None


def store(root: Path, key: str, report: str, status: int) -> None:
    folder = root / platform.VERIFY_CACHE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{CACHE_FILE}.tmp"
        temporary.write_text(json.dumps({"key": key, "report": report, "status": status}), encoding="utf-8")
        os.replace(temporary, folder / CACHE_FILE)
    except OSError:
        pass  # a read-only checkout just runs cold every time
