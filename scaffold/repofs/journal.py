"""The apply journal: what an apply in progress is about to change, so that an apply cut short by SIGKILL or a
power loss is rolled back by the next scaffold command.

`ChangeSet.apply` (scaffold/staging.py) writes `.scaffold/journal` (atomically, fsynced) before it creates its
first folder or temp file, and removes it after the last rename. It lists each target with its old bytes (or
"absent"), the temp file's name beside it, and the folders the apply creates. `recover` — called by every
scaffold command that reads or writes a platform repo, under the repo lock — puts each target back to its old
bytes, deletes the targets that did not exist and the temp files, removes the created folders when empty, deletes
the journal, and says so in one line.

The journal lives in the repo, so a hostile one can be committed: every path in it is checked like any other
write (inside the repo, no symlink on the way), only names that scaffold's own temp files could have are deleted,
and only empty folders are removed. A rollback can therefore do nothing a commit could not do itself.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.repofs.paths import parts_of
from scaffold.repofs.write import is_temporary_name, open_folder, read_regular, split, write_atomic

FORMAT = 1
LIMIT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    path: str  # repo-relative target
    old: bytes | None  # None: the target did not exist
    temporary: str  # the temp file's name, in the target's folder


@dataclass
class Journal:
    entries: list[Entry] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # folders the apply creates, outermost first

    def encode(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "pid": os.getpid(),
                "created": self.created,
                "entries": [
                    {
                        "path": entry.path,
                        "old": None if entry.old is None else base64.b64encode(entry.old).decode("ascii"),
                        "temporary": entry.temporary,
                    }
                    for entry in self.entries
                ],
            },
            indent=1,
        ).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> Journal:
        """The journal in `data`, every path checked; ScaffoldError when it is not one scaffold could have written."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')!r}")
            entries = [
                Entry(
                    path="/".join(parts_of(item["path"])),
                    old=None if item["old"] is None else base64.b64decode(item["old"], validate=True),
                    temporary=str(item["temporary"]),
                )
                for item in raw["entries"]
            ]
            created = ["/".join(parts_of(folder)) for folder in raw["created"]]
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ScaffoldError(
                f"{platform.APPLY_JOURNAL}: not a journal scaffold wrote ({error}); look at it, then remove it"
            ) from None
        for entry in entries:
            if not is_temporary_name(entry.temporary, split(entry.path)[1]):
                raise ScaffoldError(f"{platform.APPLY_JOURNAL}: {entry.temporary!r} is not a scaffold temp file name")
        on_the_way = {"/".join(parts_of(e.path)[:n]) for e in entries for n in range(1, len(parts_of(e.path)))}
        if not set(created) <= on_the_way:
            raise ScaffoldError(f"{platform.APPLY_JOURNAL}: lists folders that no target is in")
        return cls(entries, created)


def write(root: Path, journal: Journal) -> None:
    write_atomic(root, platform.APPLY_JOURNAL, journal.encode(), mode=0o600)


def remove(root: Path) -> None:
    folder_path, name = split(platform.APPLY_JOURNAL)
    with open_folder(root, folder_path) as (folder, _created):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=folder)
        os.fsync(folder)


def roll_back(root: Path, journal: Journal) -> list[str]:
    """Put every target back as the journal says it was and delete the journal; returns the targets changed."""
    restored: list[str] = []
    for entry in reversed(journal.entries):
        folder_path, name = split(entry.path)
        try:
            with open_folder(root, folder_path) as (folder, _created):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.temporary, dir_fd=folder)
                current = read_regular(root, entry.path, limit=LIMIT_BYTES)
                if entry.old is None and current is not None:
                    os.unlink(name, dir_fd=folder)
                    restored.append(entry.path)
        except FileNotFoundError:  # its folder is gone: nothing of ours is left there
            current = None
        if entry.old is not None and current != entry.old:
            write_atomic(root, entry.path, entry.old)
            restored.append(entry.path)
    for created in reversed(journal.created):
        parent, name = split(created)
        with contextlib.suppress(OSError), open_folder(root, parent) as (folder, _created):
            if stat.S_ISDIR(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                os.rmdir(name, dir_fd=folder)  # fails when not empty: someone else's files stay
    remove(root)
    return sorted(set(restored))


def pending(root: Path) -> bool:
    return os.path.lexists(root / platform.APPLY_JOURNAL)


def recover(root: Path) -> None:
    """Roll back an apply that a kill or a power loss cut short (see the module docstring); a no-op (one lstat)
    when there is none."""
    if not pending(root):
        return
    from scaffold.repofs.lock import repo_lock

    with repo_lock(root, "roll back"):
        data = read_regular(root, platform.APPLY_JOURNAL, limit=LIMIT_BYTES)
        if data is None:  # the apply we waited for finished
            return
        restored = roll_back(root, Journal.decode(data))
    shown = ", ".join(restored[:5]) + (f" and {len(restored) - 5} more" if len(restored) > 5 else "")
    print(
        "scaffold: rolled back an interrupted apply found in "
        f"{platform.APPLY_JOURNAL} ({len(restored)} file(s) put back{': ' + shown if restored else ''})",
        file=sys.stderr,
    )
