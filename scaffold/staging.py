"""Render → diff → apply-all-or-nothing.

Generators never write to the user's tree directly: they collect every new file and every edited file in a
ChangeSet, which can show the unified diff (`--dry-run`) or apply everything in one step. If anything fails or the
user presses Ctrl-C (or the process gets SIGTERM or SIGHUP) while applying, every file already replaced is put
back and every file or folder created is removed, so the tree is exactly as it was; after a SIGKILL or a power
loss, the apply journal (scaffold/repofs/journal.py) lets the next scaffold command do the same. Every write goes
through scaffold/repofs: never through a symlink, temp files under unpredictable names, one writer at a time.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from scaffold import platform
from scaffold.errors import Interrupted, ScaffoldError
from scaffold.repofs import WRITTEN, journal
from scaffold.repofs.lock import repo_lock
from scaffold.repofs.paths import check_no_symlink
from scaffold.repofs.read import RefusedRead, RepoFiles
from scaffold.repofs.write import (
    default_mode,
    open_folder,
    read_regular,
    split,
    target_mode,
    temporary_name,
    write_temporary,
)

READ_LIMIT_BYTES = 64 * 1024 * 1024  # far above any file a generator edits


def read_repo_bytes(root: Path, path: str) -> bytes | None:
    """A repo file's bytes, None when there is none; read as untrusted (repofs/read.py): a symlink out of the repo or
    in a loop, a FIFO, a device or an oversized file is never opened, and is one line and exit 2."""
    try:
        return RepoFiles(root).read_bytes(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except RefusedRead as refused:
        raise ScaffoldError(str(refused)) from None
    except OSError as error:
        raise ScaffoldError(f"{path}: cannot be read ({error.strerror or error})") from None


def read_repo_text(root: Path, path: str) -> str | None:
    """`read_repo_bytes` as UTF-8 text; text that is not UTF-8 is one line and exit 2."""
    data = read_repo_bytes(root, path)
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScaffoldError(f"{path}: not UTF-8 text (byte {error.start})") from None


@dataclass(frozen=True)
class Change:
    path: str  # repo-relative, forward slashes
    old: bytes | None  # None: the file does not exist yet
    new: bytes | None  # None: the file is deleted (`scaffold remove`)

    @property
    def is_noop(self) -> bool:
        return self.old == self.new


class ChangeSet:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._changes: dict[str, Change] = {}

    def current(self, path: str) -> str | None:
        """The text a later edit should start from: what this change set already holds, else the file on disk."""
        if path in self._changes:
            new = self._changes[path].new
            return None if new is None else new.decode("utf-8")
        return read_repo_text(self.root, path)

    def write(self, path: str, content: str | bytes) -> None:
        new = content.encode("utf-8") if isinstance(content, str) else content
        old = self._changes[path].old if path in self._changes else read_repo_bytes(self.root, path)
        self._changes[path] = Change(path, old, new)

    def delete(self, path: str) -> None:
        """Plan the file's removal (a no-op when it does not exist); folders it leaves empty go with it."""
        old = self._changes[path].old if path in self._changes else read_repo_bytes(self.root, path)
        self._changes[path] = Change(path, old, None)

    def overlay(self) -> dict[str, bytes]:
        """Every file as this change set would leave it, for reading the planned tree before it is written
        (deleted files are left out: readers of the overlay still see them on disk)."""
        return {path: change.new for path, change in self._changes.items() if change.new is not None}

    @property
    def changes(self) -> list[Change]:
        """The changes that really change something, in path order."""
        return [c for _, c in sorted(self._changes.items()) if not c.is_noop]

    def diff(self) -> str:
        chunks: list[str] = []
        for change in self.changes:
            try:
                old_lines = (change.old or b"").decode("utf-8").splitlines(keepends=True)
                new_lines = (change.new or b"").decode("utf-8").splitlines(keepends=True)
            except UnicodeDecodeError:
                chunks.append(f"Binary file {change.path} {'changed' if change.old is not None else 'added'}\n")
                continue
            old_name = f"a/{change.path}" if change.old is not None else "/dev/null"
            new_name = f"b/{change.path}" if change.new is not None else "/dev/null"
            for line in difflib.unified_diff(old_lines, new_lines, old_name, new_name):
                chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(chunks)

    def summary(self) -> str:
        added = sum(1 for c in self.changes if c.old is None)
        deleted = sum(1 for c in self.changes if c.new is None)
        edited = len(self.changes) - added - deleted
        gone = f", {deleted} file(s) to delete" if deleted else ""
        return f"{added} file(s) to create, {edited} file(s) to edit{gone}"

    def apply(self) -> list[str]:
        """Write every change, or none of them. Returns the paths written.

        Under the repo lock: an interrupted earlier apply is rolled back first; then every target is checked
        before anything is written — no target, and no folder on its way, may be a symlink (UnsafePath), and each
        must still hold the bytes the plan was made from (PlanOutdated). The journal is written, then the folders
        and temp files (unpredictable names, O_EXCL|O_NOFOLLOW), then the renames, then the journal is removed.
        SIGINT, SIGTERM and SIGHUP are held back while applying and end it between two steps, rolled back."""
        changes = self.changes
        if not changes:
            return []
        self.root.mkdir(parents=True, exist_ok=True)  # `scaffold init`: the new repo's own folder
        with repo_lock(self.root, "write"):
            journal.recover(self.root)
            self._check(changes)
            record = journal.Journal(
                [journal.Entry(c.path, c.old, temporary_name(split(c.path)[1])) for c in changes],
                _missing_folders(self.root, [c.path for c in changes]),
            )
            with _deferred_signals() as interrupted:
                self._write(record, interrupted)
            WRITTEN.extend(c.path for c in changes)
            interrupted.raise_if_set()  # a signal that came after the last step: the apply is complete
        return [c.path for c in changes]

    def _check(self, changes: list[Change]) -> None:
        for change in changes:
            check_no_symlink(self.root, change.path)
        for change in changes:
            if _read(self.root, change.path) != change.old:
                state = "was created" if change.old is None else "changed"
                raise PlanOutdated(f"{change.path} {state} since the plan was made; nothing written — run it again")

    def _write(self, record: journal.Journal, interrupted: _Interrupt) -> None:
        folders: dict[str, int] = {}
        renamed = 0
        journaled = False
        current = platform.APPLY_JOURNAL  # what is being written, for the message when that fails
        try:
            with contextlib.ExitStack() as stack:
                interrupted.raise_if_set()
                journal.write(self.root, record)
                journaled = True
                for entry in record.entries:
                    interrupted.raise_if_set()
                    current = entry.path
                    folder_path, name = split(entry.path)
                    if folder_path not in folders:
                        folders[folder_path] = stack.enter_context(open_folder(self.root, folder_path, create=True))[0]
                    folder = folders[folder_path]
                    mode = target_mode(folder, name, entry.path)
                    data = self._changes[entry.path].new
                    if data is None:  # a deletion: nothing to stage, the file goes in the rename step
                        continue
                    write_temporary(
                        folder, name, data, default_mode() if mode is None else mode, temporary=entry.temporary
                    )
                crash_after = _crash_hook()
                for entry in record.entries:
                    interrupted.raise_if_set()
                    current = entry.path
                    folder_path, name = split(entry.path)
                    if self._changes[entry.path].new is None:
                        os.unlink(name, dir_fd=folders[folder_path])
                    else:
                        os.replace(
                            entry.temporary, name, src_dir_fd=folders[folder_path], dst_dir_fd=folders[folder_path]
                        )
                    renamed += 1
                    if renamed == crash_after:
                        os.kill(os.getpid(), signal.SIGKILL)
                for folder in folders.values():
                    os.fsync(folder)
            journal.remove(self.root)
            _remove_emptied_folders(self.root, [e.path for e in record.entries if self._changes[e.path].new is None])
        except BaseException as error:
            if journaled:
                journal.roll_back(self.root, record)
            if isinstance(error, OSError):
                raise ScaffoldError(f"could not write {current}: {error.strerror or error}; nothing written") from error
            raise


class PlanOutdated(ScaffoldError):
    """A file the plan read was changed (or created) by something else before the apply."""


def _read(root: Path, path: str) -> bytes | None:
    """The bytes of a repo file, None when absent, never through a link (UnsafePath)."""
    return read_regular(root, path, limit=READ_LIMIT_BYTES)


def _remove_emptied_folders(root: Path, deleted: list[str]) -> None:
    """Remove the folders that deleting `deleted` left empty, innermost first, up to (not including) the root.
    After the journal is gone: a crash here leaves an empty folder at worst, never a half-applied change."""
    folders: set[str] = set()
    for path in deleted:
        parts = split(path)[0].split("/") if split(path)[0] else []
        folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    for folder in sorted(folders, key=lambda f: -f.count("/")):
        parent, name = split(folder)
        with contextlib.suppress(OSError), open_folder(root, parent) as (handle, _created):
            os.rmdir(name, dir_fd=handle)  # fails when not empty: other files stay, and so does the folder


def _missing_folders(root: Path, paths: list[str]) -> list[str]:
    """The folders on the way to `paths` that do not exist yet, outermost first (what the apply creates)."""
    missing: list[str] = []
    for path in paths:
        parts = split(path)[0].split("/") if split(path)[0] else []
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in missing and not os.path.lexists(root / folder):
                missing.append(folder)
    return sorted(missing, key=lambda folder: (folder.count("/"), folder))


def _crash_hook() -> int | None:
    """SCAFFOLD_TEST_CRASH_AFTER_RENAMES=N: SIGKILL this process after the Nth rename (tests of the journal)."""
    value = os.environ.get("SCAFFOLD_TEST_CRASH_AFTER_RENAMES", "")
    return int(value) if value.isdigit() else None


class _Interrupt:
    def __init__(self) -> None:
        self.signum: int | None = None

    def remember(self, signum: int, _frame: FrameType | None) -> None:
        self.signum = self.signum or signum

    def raise_if_set(self) -> None:
        if self.signum is not None:
            signum, self.signum = self.signum, None
            raise Interrupted(signum)


DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _deferred_signals() -> Iterator[_Interrupt]:
    """Turn Ctrl-C, SIGTERM and SIGHUP into an Interrupted raised between two steps, so that neither a rename nor
    a rollback is cut in half (SIGKILL cannot be caught: the journal covers it)."""
    interrupt = _Interrupt()
    previous: dict[int, signal._HANDLER] = {}
    try:
        for signum in DEFERRED_SIGNALS:
            previous[signum] = signal.signal(signum, interrupt.remember)
    except ValueError:  # not the main thread: signals go elsewhere
        pass
    try:
        yield interrupt
    finally:
        for deferred, handler in previous.items():
            signal.signal(deferred, handler)
