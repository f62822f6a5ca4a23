"""Per-subject results keyed by content: what each check found for each subject, reused while everything it read
is unchanged — so a run after an edit decides only the (check, subject) pairs whose inputs the edit touched.

What a pair read is what it asked of the RepoView (`RepoView.recording`): each file's content (the hash of the bytes
it read), whether a path is there, the files below a folder, the listing, the service names; a fact several checks
share (`RepoView.memo`: the SDK importers of the whole repo, a service's route table) is recorded once as a group
that every pair asking for it names. A pair that read the clock or met a failing tool is never kept.

The entries live in `.scaffold/cache/results/`, one file a subject (`s-` and a hash of scaffold's code digest and
the subject's label) holding its pairs, and one file a large group (`g-` and the hash of its inputs: content
addressed, so a group is written once however many subjects name it). An entry holds the inputs with the tokens they
had when decided; a run compares them with the tokens now and reuses the findings only when every one matches.
Nothing in the tree is trusted: the folder may be copied between clones and machines (a CI cache) and a pull request
may commit one. So each entry carries a keyed hash (blake2b) over its name, scaffold's code digest and its bytes,
keyed by `SCAFFOLD_CACHE_KEY` when set (a secret CI runners share, so one runner's entries serve another) or else by
the per-user secret of `cache.py`; an entry that fails it, is not the JSON this version writes, is larger than a cap,
is a link, or names a group whose content does not hash to its name, is ignored (and rewritten). Entries are read
and written below the results folder only, through descriptors that never follow a link.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold import platform
from scaffold.verify import cache
from scaffold.verify.model import Finding, Status
from scaffold.verify.repo import CONTENT, FACT, GROUP, VOLATILE, Input, RepoView

FORMAT = 1
_MAX_ENTRY_BYTES = 64 << 20
_SUBJECT_PREFIX, _GROUP_PREFIX = "s-", "g-"
# An entry's file: the JSON, a newline, the keyed hash (hex).
Row = tuple[str, str, str]  # (kind, argument, token) — a group's row: ("@", its content hash, "")
Pairs = dict[str, list[Finding]]
Groups = dict[str, tuple[str, list[Row]]]  # a group's name in this run → (its content digest, its rows)


@dataclass
class _Entry:
    """One subject's stored pairs: check ID → (indexes into `rows`, its findings as stored)."""

    rows: list[Row] = field(default_factory=list)
    pairs: dict[str, tuple[list[int], list[object]]] = field(default_factory=dict)
    holds: list[bool] | None = None  # for each row, whether it holds now (worked out once, on first use)


class ResultStore:
    """The entries of one repo, read on demand; `reusable` answers a pair from them, `keep` and `save` store what
    a run decided."""

    def __init__(self, root: Path, code: bytes, secret: bytes) -> None:
        self.root = root
        self._code = code
        self._secret = secret
        self._entries: dict[str, _Entry | None] = {}  # subject label → what its file held (None: nothing usable)
        self._decided: dict[str, Pairs] = {}  # label → pairs decided this run and kept
        self._reads: dict[tuple[str, str], tuple[Input, ...]] = {}  # (label, check) → what the pair read
        self._now: dict[tuple[str, str], str | None] = {}  # (kind, argument) → its token now
        self._groups_checked: dict[str, bool] = {}
        self._folder_descriptor: int | None = None  # see `_reading_folder`
        self.reused = 0
        self.decided: list[tuple[str, str]] = []  # (subject label, check ID) of every pair decided this run
        self._live: set[str] = set()  # entry and group files this run found holding or wrote (see `save`)

    @classmethod
    def open(cls, root: Path) -> ResultStore | None:
        secret = cache.secret_key()
        return None if secret is None else cls(root, cache.code_digest(), secret)

    # --- names and signatures ------------------------------------------------------------------------------
    def _name(self, label: str) -> str:
        digest = hashlib.blake2b(self._code + b"\0" + label.encode("utf-8", "surrogateescape"), digest_size=20)
        return _SUBJECT_PREFIX + digest.hexdigest()

    def _mac(self, name: str, body: bytes) -> bytes:
        keyed = hashlib.blake2b(self._code + b"\0" + name.encode() + b"\0", key=self._secret, digest_size=32)
        keyed.update(body)
        return keyed.hexdigest().encode("ascii")

    def _signed(self, name: str, document: object) -> bytes:
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogateescape")
        return body + b"\n" + self._mac(name, body)

    def _verified(self, name: str, data: bytes | None) -> object | None:
        if data is None:
            return None
        body, _, mac = data.rpartition(b"\n")
        if not hmac.compare_digest(self._mac(name, body), mac):
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    # --- reading -------------------------------------------------------------------------------------------
    def reusable(self, repo: RepoView, check_id: str, label: str) -> list[Finding] | None:
        """The findings stored for this pair when every input it read has the token it had; else None."""
        if label not in self._entries:
            self._entries[label] = self._load(label)
        entry = self._entries[label]
        stored = entry.pairs.get(check_id) if entry is not None else None
        if stored is None or entry is None:
            return None
        if entry.holds is None:
            entry.holds = self._rows_hold(repo, entry.rows)
            self._live.add(self._name(label))
        indexes, stored_findings = stored
        if not all(map(entry.holds.__getitem__, indexes)):
            return None
        try:
            findings = [_finding(check_id, value) for value in stored_findings]
        except (TypeError, ValueError):
            return None
        self.reused += 1
        return findings

    def _rows_hold(self, repo: RepoView, rows: list[Row]) -> list[bool]:
        """`_holds` for each row; a file's content (most rows) compared straight with the token the view has."""
        known = repo.content_tokens
        holds = []
        for row in rows:
            if row[0] == CONTENT and row[1] in known:
                holds.append(known[row[1]] == row[2])
            else:
                holds.append(self._holds(repo, row))
        return holds

    def _holds(self, repo: RepoView, row: Row) -> bool:
        kind, argument, token = row
        if kind == GROUP:
            return self._group_holds(repo, argument)
        if kind == FACT:  # the file unchanged, or read both times and derived again to the same fact
            file_token, _, digest = token.partition("|")
            current = self._token(repo, CONTENT, argument.partition("\0")[2])
            if current == file_token:
                return True
            # a file refused or missing either time: the check that derived the fact also reported the refusal
            read_both_times = file_token.startswith("F") and current is not None and current.startswith("F")
            return read_both_times and digest != "" and repo.fact_digest(argument) == digest
        return self._token(repo, kind, argument) == token

    def _token(self, repo: RepoView, kind: str, argument: str) -> str | None:
        key = (kind, argument)
        if key not in self._now:
            self._now[key] = repo.input_token(kind, argument)
        return self._now[key]

    def _group_holds(self, repo: RepoView, digest: str) -> bool:
        if digest not in self._groups_checked:
            self._groups_checked[digest] = False  # a group that names itself does not hold
            rows = self._load_group(digest)
            self._groups_checked[digest] = rows is not None and all(self._rows_hold(repo, rows))
            if self._groups_checked[digest]:
                self._live.add(_GROUP_PREFIX + digest)
        return self._groups_checked[digest]

    def _load(self, label: str) -> _Entry | None:
        name = self._name(label)
        document = self._verified(name, self._read(name))
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("subject") != label:
            return None
        try:
            rows = _rows_of(document["inputs"])
            pairs = {str(check_id): _stored_pair(pair, len(rows)) for check_id, pair in document["pairs"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return _Entry(rows, pairs)

    def _load_group(self, digest: str) -> list[Row] | None:
        name = _GROUP_PREFIX + digest
        document = self._verified(name, self._read(name))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return None
        try:
            rows = _rows_of(document["inputs"])
        except (KeyError, TypeError, ValueError):
            return None
        return rows if _group_digest(rows) == digest else None

    def _read(self, name: str) -> bytes | None:
        """The entry's bytes: a regular file directly in the results folder, reached without following a link."""
        folder = self._reading_folder()
        if folder is None:
            return None
        try:
            descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
        except OSError:
            return None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY_BYTES:
                return None
            with os.fdopen(os.dup(descriptor), "rb") as handle:
                return handle.read(_MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(descriptor)

    def _reading_folder(self) -> int | None:
        """A descriptor of the results folder, opened once (without following a link on the way); None when there
        is none to read."""
        from scaffold.errors import ScaffoldError

        if self._folder_descriptor is None:
            try:
                with _folder(self.root, create=False) as folder:
                    self._folder_descriptor = os.dup(folder)
            except (OSError, ScaffoldError):  # no folder, a link on the way (repofs.paths.UnsafePath)
                self._folder_descriptor = -1
        return None if self._folder_descriptor < 0 else self._folder_descriptor

    def close(self) -> None:
        if self._folder_descriptor is not None and self._folder_descriptor >= 0:
            os.close(self._folder_descriptor)
        self._folder_descriptor = None

    # --- writing -------------------------------------------------------------------------------------------
    def keep(self, label: str, check_id: str, findings: list[Finding], reads: Collection[Input]) -> None:
        """Remember a pair this run decided, to store with `save` (unless it read something volatile)."""
        self.decided.append((label, check_id))
        if (VOLATILE, "") in reads:
            return
        self._decided.setdefault(label, {})[check_id] = findings
        self._reads[label, check_id] = tuple(reads)

    def save(self, repo: RepoView, *, complete: bool = False) -> None:
        """Write the entry of every subject a pair was decided for (its other stored pairs that still hold kept),
        and the groups they name. Only while no other scaffold command holds the repo lock (a writer is changing
        the tree: skip rather than wait); a failure only means those pairs are decided again next run. After a
        `complete` run (every pair of the plan asked for), entries it neither used nor wrote are removed: the
        folder holds one tree's results, not every tree's since the first run."""
        from scaffold.errors import ScaffoldError
        from scaffold.repofs.lock import repo_lock

        if not self._decided and not complete:
            return
        groups: Groups = {}
        files: dict[str, bytes] = {}
        for label, decided in self._decided.items():
            rows: dict[Row, int] = {}
            pairs: dict[str, dict[str, object]] = {}
            old = self._entries.get(label)
            old_rows = old.rows if old is not None else []
            for check_id, (indexes, stored) in old.pairs.items() if old is not None else ():
                if check_id not in decided and all(self._holds(repo, old_rows[i]) for i in indexes):
                    places = [rows.setdefault(old_rows[i], len(rows)) for i in indexes]
                    pairs[check_id] = {"inputs": places, "findings": stored}
            for check_id, findings in decided.items():
                inputs = self._rows(repo, self._reads[label, check_id], groups)
                if inputs is None:
                    continue
                pairs[check_id] = _pair([rows.setdefault(row, len(rows)) for row in inputs], findings)
            name = self._name(label)
            document = {"format": FORMAT, "subject": label, "inputs": [list(row) for row in rows], "pairs": pairs}
            files[name] = self._signed(name, document)
        for digest, members in groups.values():
            name = _GROUP_PREFIX + digest
            files[name] = self._signed(name, {"format": FORMAT, "inputs": [list(row) for row in members]})
        with contextlib.suppress(OSError, ScaffoldError), repo_lock(self.root, "store results", wait=False) as held:
            if held:
                _write_all(self.root, files)
                if complete:
                    _remove_all_but(self.root, self._live | set(files))

    def _rows(
        self, repo: RepoView, reads: Collection[Input], groups: Groups, seen: Sequence[str] = ()
    ) -> list[Row] | None:
        """The inputs with their tokens now (a group by its content digest, written once in `groups`); None when
        one never holds (the clock, a failing tool) or a group names itself (`seen`)."""
        found: list[Row] = []
        for kind, argument in sorted(reads):
            if kind == GROUP:
                digest = self._group(repo, argument, groups, seen)
                if digest is None:
                    return None
                found.append((GROUP, digest, ""))
                continue
            token = repo.input_token(kind, argument)
            if token is None:
                return None
            found.append((kind, argument, token))
        return found

    def _group(self, repo: RepoView, name: str, groups: Groups, seen: Sequence[str]) -> str | None:
        if name in groups:
            return groups[name][0]
        members = repo.groups.get(name)
        if members is None or name in seen:
            return None
        rows = self._rows(repo, members, groups, (*seen, name))
        if rows is None:
            return None
        groups[name] = (_group_digest(rows), rows)
        return groups[name][0]


def _group_digest(rows: Sequence[Row]) -> str:
    body = json.dumps([list(row) for row in rows], separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(body.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _rows_of(value: object) -> list[Row]:
    """Stored input rows, checked: each a list of three strings."""
    if type(value) is not list or not all(
        type(row) is list and len(row) == 3 and type(row[0]) is str and type(row[1]) is str and type(row[2]) is str
        for row in value
    ):
        raise ValueError("not input rows")
    return [(row[0], row[1], row[2]) for row in value]


def _stored_pair(value: object, size: int) -> tuple[list[int], list[object]]:
    """A stored pair, checked: indexes into the entry's rows, and a list of findings (each checked when used)."""
    if type(value) is not dict:
        raise ValueError("not a pair")
    indexes, findings = value["inputs"], value["findings"]
    if type(indexes) is not list or type(findings) is not list or not all(type(i) is int for i in indexes):
        raise ValueError("not a pair")
    if indexes and (min(indexes) < 0 or max(indexes) >= size):
        raise ValueError("an input index out of range")
    return indexes, findings


def _pair(indexes: list[int], findings: list[Finding]) -> dict[str, object]:
    rows = [[f.status.value, f.message, f.file, f.line, f.fix, f.subject] for f in findings]
    return {"inputs": indexes, "findings": rows}


def _finding(check_id: str, value: object) -> Finding:
    if type(value) is not list or len(value) != 6 or value[0] not in _STATUSES:
        raise ValueError("not a finding")
    status, message, file, line, fix, subject = value
    if (
        type(message) is not str
        or (file is not None and type(file) is not str)
        or (fix is not None and type(fix) is not str)
        or (subject is not None and type(subject) is not str)
        or (line is not None and type(line) is not int)
    ):
        raise ValueError("not a finding")
    return Finding(check_id, _STATUSES[status], message, file=file, line=line, fix=fix, subject=subject)


_STATUSES = {status.value: status for status in Status}


@contextlib.contextmanager
def _folder(root: Path, create: bool) -> Iterator[int]:
    from scaffold.repofs.write import open_folder

    with open_folder(root, platform.VERIFY_RESULTS_DIR, create=create) as (descriptor, _created):
        yield descriptor


def _write_all(root: Path, files: Mapping[str, bytes]) -> None:
    """Each file through a fresh temporary one renamed into place (no fsync: a lost entry is a pair decided again);
    a link or anything else in the way of a name is replaced, never followed."""
    from scaffold.repofs.write import write_temporary

    with _folder(root, create=True) as folder:
        for name, data in files.items():
            temporary = write_temporary(folder, name, data, 0o644, fsync=False)
            try:
                os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=folder)
                raise


def _remove_all_but(root: Path, keep: set[str]) -> None:
    """Remove every entry file of the results folder not named in `keep` (and temporary files left by a crash)."""
    with _folder(root, create=False) as folder:
        for name in os.listdir(folder):
            if name not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=folder)
