"""Render → diff → apply-all-or-nothing.

Generators never write to the user's tree directly: they collect every new file and every edited file in a
ChangeSet, which can show the unified diff (`--dry-run`) or apply everything in one step. If anything fails or the
user presses Ctrl-C while applying, every file already replaced is put back and every file or folder created is
removed, so the tree is exactly as it was.
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

from scaffold.errors import ScaffoldError
from scaffold.repofs_read import RefusedRead, RepoFiles


def read_repo_bytes(root: Path, path: str) -> bytes | None:
    """A repo file's bytes, None when there is none; read as untrusted (repofs_read): a symlink out of the repo or
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
    new: bytes

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
            return self._changes[path].new.decode("utf-8")
        return read_repo_text(self.root, path)

    def write(self, path: str, content: str | bytes) -> None:
        new = content.encode("utf-8") if isinstance(content, str) else content
        old = self._changes[path].old if path in self._changes else read_repo_bytes(self.root, path)
        self._changes[path] = Change(path, old, new)

    def overlay(self) -> dict[str, bytes]:
        """Every file as this change set would leave it, for reading the planned tree before it is written."""
        return {path: change.new for path, change in self._changes.items()}

    @property
    def changes(self) -> list[Change]:
        """The changes that really change something, in path order."""
        return [c for _, c in sorted(self._changes.items()) if not c.is_noop]

    def diff(self) -> str:
        chunks: list[str] = []
        for change in self.changes:
            try:
                old_lines = (change.old or b"").decode("utf-8").splitlines(keepends=True)
                new_lines = change.new.decode("utf-8").splitlines(keepends=True)
            except UnicodeDecodeError:
                chunks.append(f"Binary file {change.path} {'changed' if change.old is not None else 'added'}\n")
                continue
            old_name = f"a/{change.path}" if change.old is not None else "/dev/null"
            for line in difflib.unified_diff(old_lines, new_lines, old_name, f"b/{change.path}"):
                chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(chunks)

    def summary(self) -> str:
        added = sum(1 for c in self.changes if c.old is None)
        edited = len(self.changes) - added
        return f"{added} file(s) to create, {edited} file(s) to edit"

    def apply(self) -> list[str]:
        """Write every change, or none of them. Returns the paths written."""
        changes = self.changes
        created_dirs: list[Path] = []
        temporaries: dict[str, Path] = {}
        replaced: list[Change] = []
        with _deferred_interrupt() as interrupted:
            try:
                for change in changes:
                    interrupted.raise_if_set()
                    target = self.root / change.path
                    created_dirs.extend(_make_parents(target.parent))
                    temporary = target.with_name(f".{target.name}.scaffold-tmp")
                    temporary.write_bytes(change.new)
                    if change.old is not None:
                        os.chmod(temporary, (self.root / change.path).stat().st_mode & 0o7777)
                    temporaries[change.path] = temporary
                for change in changes:
                    interrupted.raise_if_set()
                    os.replace(temporaries[change.path], self.root / change.path)
                    del temporaries[change.path]
                    replaced.append(change)
            except BaseException:
                for change in reversed(replaced):
                    target = self.root / change.path
                    if change.old is None:
                        target.unlink(missing_ok=True)
                    else:
                        target.write_bytes(change.old)
                for temporary in temporaries.values():
                    temporary.unlink(missing_ok=True)
                for directory in reversed(created_dirs):
                    with contextlib.suppress(OSError):  # not empty: something else wrote there meanwhile
                        directory.rmdir()
                raise
        return [c.path for c in changes]


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return those created, outermost first."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    missing.reverse()
    for folder in missing:
        folder.mkdir()
    return missing


class _Interrupt:
    def __init__(self) -> None:
        self.received = False

    def remember(self, _signum: int, _frame: FrameType | None) -> None:
        self.received = True

    def raise_if_set(self) -> None:
        if self.received:
            raise KeyboardInterrupt


@contextmanager
def _deferred_interrupt() -> Iterator[_Interrupt]:
    """Turn Ctrl-C into a KeyboardInterrupt raised between two steps, so a rollback is never itself interrupted."""
    interrupt = _Interrupt()
    try:
        previous = signal.signal(signal.SIGINT, interrupt.remember)
    except ValueError:  # not the main thread: signals go elsewhere
        yield interrupt
        return
    try:
        yield interrupt
    finally:
        signal.signal(signal.SIGINT, previous)
