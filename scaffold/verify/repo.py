"""A read-only, cached view of a platform repo for the checks: files, subjects, and parsed artefacts.

Checks never open files themselves; they ask the RepoView, which reads each file once and hands out parsed forms
from `scaffold.parsers`. Paths given and returned are repo-relative with forward slashes.

Reads go through `scaffold.repofs.read`: a symlink out of the repo or in a loop, a FIFO, socket or device, or a
file over the size cap is never opened and reads as absent (None); the view remembers it (`refused`) and notes
it for the check that asked (`noting_refusals`), which the engine turns into a finding under that check.

What a check asks of the view is its input, and the view notes it (`recording`): a file's content (with the hash
of the bytes read), whether a path is there, the files below a folder, the whole listing, the service names. A
fact several checks derive once (`memo`) notes what deriving it read, and hands that on to every later check that
asks for it, so each check's record is whole however the work is shared. `scaffold.verify.results` keeps each
(check, subject)'s findings under those inputs' hashes and reuses them while the hashes hold.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json as _json
import os
import tempfile
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from scaffold import platform
from scaffold.parsers import manifests as manifest_parser
from scaffold.parsers import markdown as markdown_parser
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import typescript as ts_parser
from scaffold.repofs.read import RefusedRead, RepoFiles
from scaffold.verify.listing import Listing
from scaffold.verify.model import Kind

if TYPE_CHECKING:
    from scaffold.parsers import sql as sql_parser  # pglast costs ~0.08 s to import: loaded on first use

_T = TypeVar("_T")

# One input of a check: (what was asked, of which path/folder/pattern). The kinds:
CONTENT = "F"  # the file's bytes (a refused or missing file: why)
PRESENT = "H"  # whether the path is one of the listed files
EXISTS = "X"  # whether the path exists on disk (build output is not listed)
IS_FILE = "I"
IS_DIR = "J"
SIZE = "Z"
BELOW = "D"  # the listed files below a folder
GLOB = "G"  # the listed files matching a pattern
LISTING = "L"  # every listed file
SERVICES = "S"  # the service names
GROUP = "@"  # what a shared fact read (`memo`): its own inputs, kept once (see `groups`)
FACT = "V"  # what a registered function derives from one file (`fact`): "<name>\0<path>"
VOLATILE = "T"  # the clock, an outside tool that failed: the result holds for this run only
Input = tuple[str, str]
# A shared fact that read at most this many inputs hands them on one by one; a larger one is handed on as a group.
_SMALL_GROUP = 24


# Functions that derive a fact from one file alone (`fact`), by name: a later run that finds the file changed derives
# the fact again and, when it is the same, still counts everything built on it as unchanged (an edit to a service's
# handler does not re-decide every service whose checks look for SDK importers across the repo).
FACTS: dict[str, Callable[[RepoView, str], object]] = {}


def derives(name: str) -> Callable[[Callable[[RepoView, str], _T]], Callable[[RepoView, str], _T]]:
    """Register a function (repo, path) → fact that reads nothing but that file, under `name`."""

    def register(function: Callable[[RepoView, str], _T]) -> Callable[[RepoView, str], _T]:
        FACTS[name] = function
        return function

    return register


def content_token(data: bytes) -> str:
    return "F" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _digest(items: Sequence[str]) -> str:
    return hashlib.blake2b("\0".join(items).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Subject:
    """What one check runs over: a service, endpoint, event, job, integration, or the repo itself."""

    kind: Kind
    name: str
    path: str  # repo-relative folder of the subject ("" for the repo)

    @property
    def label(self) -> str:
        return "repo" if self.kind is Kind.REPO else f"{self.kind.value}:{self.name}"

    def join(self, relative: str) -> str:
        return f"{self.path}/{relative}" if self.path else relative


class RepoView:
    def __init__(
        self,
        root: Path,
        overlay: Mapping[str, bytes] | None = None,
        listing: Sequence[str] | Listing | None = None,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        """`overlay`: files as a generator is about to write them (path → bytes), seen in place of the disk's.
        `listing`: the files below the root as `listing.scan` found them a moment ago (else they are listed here);
        given as a `Listing`, its refused entries too. `tokens`: listed files' content tokens as hashed a moment ago
        (`cache.fingerprint`), for `input_token` to compare with before the checks read them."""
        self.root = root.resolve()
        self._root_prefix = f"{self.root}{os.sep}"  # for reads and stats: str paths cost less than Path objects
        self._reader = RepoFiles(self.root)
        self._overlay = dict(overlay or {})
        self._listing: list[str] | None = None
        self._listed_refusals: list[tuple[str, str]] | None = None
        if isinstance(listing, Listing):
            self._listing, self._listed_refusals = list(listing.paths), list(listing.refused)
        elif listing is not None:
            self._listing = list(listing)
        self.refused: dict[str, str] = {}  # path → reason, for every read refused so far (see `refusals`)
        self._noted: list[str] | None = None  # refused paths asked for by the running check (`noting_refusals`)
        self._text: dict[str, str | None] = {}
        self._parsed_cache: dict[tuple[str, str], object] = {}
        self._parsed_by_content: dict[tuple[str, str], object] = {}  # see `_parsed`
        self._squawked: dict[str, list[sql_parser.SquawkFinding]] = {}  # per migration, see `squawk`
        self._squawk_lock = threading.Lock()
        self._squawk_failure: RuntimeError | None = None  # squawk's failure, raised again to later callers
        self._linting_ahead: threading.Thread | None = None
        self._local = threading.local()  # per thread (squawk lints ahead on one): `_frames`
        self._memo: dict[Hashable, tuple[object, frozenset[Input]]] = {}
        self.groups: dict[str, frozenset[Input]] = {}  # a large shared fact's name → its inputs (see `memo`)
        self._read_tokens: dict[str, str] = dict(tokens or {})  # path → content token of the bytes read
        self._facts: dict[str, object] = {}  # "<name>\0<path>" → the fact (see `fact`)
        self._interned: dict[Input, Input] = {}  # one tuple an input, however many checks record it

    # --- what the checks ask: their inputs ------------------------------------------------------------------
    @property
    def _frames(self) -> list[set[Input]]:
        """What the check running on this thread (and the shared facts it derives) asked, innermost last."""
        try:
            return self._local.frames  # type: ignore[no-any-return]
        except AttributeError:
            self._local.frames = []
            return self._local.frames  # type: ignore[no-any-return]

    @_frames.setter
    def _frames(self, frames: list[set[Input]]) -> None:
        self._local.frames = frames

    def _ask(self, kind: str, argument: str) -> None:
        if self._frames:
            key = (kind, argument)
            self._frames[-1].add(self._interned.setdefault(key, key))

    @contextlib.contextmanager
    def recording(self) -> Iterator[set[Input]]:
        """Collect, in the yielded set, every input asked for while the block runs (shared facts included)."""
        frame: set[Input] = set()
        self._frames.append(frame)
        try:
            yield frame
        finally:
            self._frames.pop()

    def paths_read(self, reads: set[Input] | frozenset[Input]) -> set[str]:
        """The paths (files, folders, patterns) a record names, with its groups' and facts' own."""
        paths: set[str] = set()
        seen: set[str] = set()
        left = list(reads)
        while left:
            kind, argument = left.pop()
            if kind == GROUP:
                if argument not in seen:
                    seen.add(argument)
                    left += self.groups.get(argument, ())
            elif kind == FACT:
                paths.add(argument.partition("\0")[2])
            elif argument:
                paths.add(argument)
        return paths

    def volatile(self) -> None:
        """Mark what the running check decides as holding for this run only (it read the clock, or a tool failed)."""
        self._ask(VOLATILE, "")

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """`compute()` the first time `key` is asked for, the remembered value after that; either way, what
        computing it read is noted as read by the caller (a large set as one group, see `groups`)."""
        found = self._memo.get(key)
        if found is None:
            with self.recording() as frame:
                value = compute()
            if len(frame) > _SMALL_GROUP:
                name = repr(key)
                self.groups[name] = frozenset(frame)
                frame = {(GROUP, name)}
            found = self._memo[key] = (value, frozenset(frame))
        if self._frames:
            self._frames[-1].update(found[1])
        return found[0]  # type: ignore[return-value]

    def fact(self, name: str, relative: str) -> Any:
        """The fact the function registered as `name` (`derives`) derives from the file `relative`, derived once."""
        key = f"{name}\0{relative}"
        self._ask(FACT, key)
        if key not in self._facts:
            frames, self._frames = self._frames, []  # it reads that one file: the input is the fact, not the bytes
            try:
                self._facts[key] = FACTS[name](self, relative)
            finally:
                self._frames = frames
        return self._facts[key]

    def fact_digest(self, key: str) -> str | None:
        """A hash of the fact `key` ("<name>\0<path>") as it is now; None for a fact this version cannot derive."""
        name, _, relative = key.partition("\0")
        if name not in FACTS:
            return None
        if key not in self._facts:
            self.fact(name, relative)
        return hashlib.blake2b(repr(self._facts[key]).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()

    def input_token(self, kind: str, argument: str) -> str | None:
        """What an input is now, as a short string to compare; None for one that never holds past this run. A file's
        content is the hash of the bytes the view read, or, for a file not read yet, of the bytes there now (read
        as safely as any: `RepoFiles`)."""
        if kind == CONTENT:
            token = self._read_tokens.get(argument)
            if token is None:
                token = self._read_tokens[argument] = self._current_token(argument)
            return token
        if kind == PRESENT:
            return "1" if argument in self._file_set else "0"
        if kind == BELOW:
            return _digest(self._files_by_folder.get(argument, ()))
        if kind == GLOB:
            return _digest([f for f in self._all_files if fnmatch.fnmatchcase(f, argument)])
        if kind == LISTING:
            return self._listing_token
        if kind == SERVICES:
            return _digest(self._service_names)
        if kind == FACT:  # the file's content and the fact: either unchanged means the fact is (see results.py)
            file_token, digest = self.input_token(CONTENT, argument.partition("\0")[2]), self.fact_digest(argument)
            return None if file_token is None or digest is None else f"{file_token}|{digest}"
        if kind in (EXISTS, IS_FILE, IS_DIR, SIZE):
            question = {EXISTS: self.exists, IS_FILE: self.is_file, IS_DIR: self.is_dir, SIZE: self.size}[kind]
            frames, self._frames = self._frames, []
            try:
                return str(question(argument))
            finally:
                self._frames = frames
        return None  # VOLATILE, or a kind this version does not know

    @property
    def content_tokens(self) -> Mapping[str, str]:
        """The content tokens known so far (files read, or hashed for the run's key): path → token."""
        return self._read_tokens

    def _current_token(self, relative: str) -> str:
        if relative in self._overlay:
            return content_token(self._overlay[relative])
        if relative in self.refused:
            return "R" + self.refused[relative]
        try:
            return content_token(self._reader.read_bytes(relative))
        except RefusedRead as refused:
            return "R" + refused.reason
        except OSError as error:
            return f"E{error.errno}"

    @cached_property
    def _listing_token(self) -> str:
        return _digest(self._all_files)

    # --- files ---------------------------------------------------------------------------------------------
    @property
    def files(self) -> list[str]:
        """Every file below the root, repo-relative, skipping node_modules, .git and build output (`listing.scan`)."""
        self._ask(LISTING, "")
        return self._all_files

    @cached_property
    def _all_files(self) -> list[str]:
        from scaffold.verify.listing import scan

        if self._listing is None:
            listed = scan(self.root)
            self._listing, self._listed_refusals = listed.paths, listed.refused
        found = self._listing
        return sorted(set(found) | set(self._overlay)) if self._overlay else found

    @cached_property
    def listed_refusals(self) -> list[tuple[str, str]]:
        """(path, reason) for every entry the listing would not hand on: symlinks out of the repo or in a loop,
        FIFOs, sockets, devices (`listing.scan`). Empty when the view was given a plain list of paths."""
        if self._listed_refusals is None and self._listing is None:
            self._all_files  # noqa: B018 - lists the tree, refusals included
        refusals = self._listed_refusals or []
        self.refused.update(refusals)
        return refusals

    @contextlib.contextmanager
    def noting_refusals(self) -> Iterator[list[str]]:
        """While the block runs, every refused path a read asks for is added to the yielded list (once each)."""
        self.listed_refusals  # noqa: B018 - so that listed entries are refused without an open
        noted: list[str] = []
        self._noted = noted
        try:
            yield noted
        finally:
            self._noted = None

    def _note(self, relative: str) -> None:
        if self._noted is not None and relative not in self._noted:
            self._noted.append(relative)

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(self._all_files)

    @cached_property
    def _files_by_folder(self) -> dict[str, list[str]]:
        """Folder → every file below it (at any depth), in `files` order; built once so that the per-subject
        questions ("the .ts files under services/x/src") do not each scan the whole repo."""
        below: dict[str, list[str]] = {}
        for path in self._all_files:
            folder = path
            while "/" in folder:
                folder = folder.rsplit("/", 1)[0]
                below.setdefault(folder, []).append(path)
        return below

    def has_file(self, relative: str) -> bool:
        """Whether `relative` is one of `files` (a set look-up, unlike `relative in files`)."""
        self._ask(PRESENT, relative)
        return relative in self._file_set

    def files_under(self, folder: str) -> list[str]:
        """The files below `folder` (at any depth), repo-relative, in `files` order."""
        folder = folder.strip("/")
        self._ask(BELOW, folder)
        return list(self._files_by_folder.get(folder, ()))

    def exists(self, relative: str) -> bool:
        self._ask(EXISTS, relative)
        return relative in self._overlay or (self.root / relative).exists()

    def read_text(self, relative: str) -> str | None:
        """The file's text, or None when it does not exist or is not UTF-8."""
        if self._frames:
            key = (CONTENT, relative)
            self._frames[-1].add(self._interned.setdefault(key, key))
        if relative not in self._text and relative in self._overlay:
            try:
                self._text[relative] = self._overlay[relative].decode("utf-8")
            except UnicodeDecodeError:
                self._text[relative] = None
        if relative not in self._text:
            try:
                if relative in self.refused:
                    raise RefusedRead(relative, self.refused[relative])
                data = self._reader.read_bytes(relative)
                self._read_tokens[relative] = content_token(data)  # what the checks saw, even if it changes now
                self._text[relative] = data.decode("utf-8")
            except RefusedRead as refused:
                self.refused[relative] = refused.reason
                self._read_tokens[relative] = "R" + refused.reason
                self._text[relative] = None
            except OSError as error:
                self._read_tokens[relative] = f"E{error.errno}"
                self._text[relative] = None
            except UnicodeDecodeError:
                self._text[relative] = None
        if self.refused and relative in self.refused:
            self._note(relative)
        return self._text[relative]

    def glob(self, pattern: str) -> list[str]:
        self._ask(GLOB, pattern)
        return [f for f in self._all_files if fnmatch.fnmatchcase(f, pattern)]

    # --- parsed artefacts (each parsed once; None when the file is missing or not UTF-8) -------------------
    # Kinds whose parsed form depends on the text alone and which no check changes: files with the same text share
    # one parse (and what the checks remember on it, e.g. `ParsedTs.derived`). Services generated from one template
    # repeat files word for word (a third of the TypeScript and most migrations of the benchmark corpus). YAML and
    # JSON hand out plain dicts and lists, which are not shared.
    _SHARED_BY_CONTENT = frozenset({"ts", "tsx", "sql", "md"})

    def _parsed(self, kind: str, relative: str, parse: Callable[[str], _T]) -> _T | None:
        key = (kind, relative)
        if self._frames:
            asked = (CONTENT, relative)
            self._frames[-1].add(self._interned.setdefault(asked, asked))
        if self.refused and relative in self.refused:
            self._note(relative)
        if key not in self._parsed_cache:
            text = self.read_text(relative)
            if text is None:
                self._parsed_cache[key] = None
            elif kind in self._SHARED_BY_CONTENT:
                by_content = (kind, text)
                if by_content not in self._parsed_by_content:
                    self._parsed_by_content[by_content] = parse(text)
                self._parsed_cache[key] = self._parsed_by_content[by_content]
            else:
                self._parsed_cache[key] = parse(text)
        return self._parsed_cache[key]  # type: ignore[return-value]

    def typescript(self, relative: str) -> ts_parser.ParsedTs | None:
        """The file parsed by tree-sitter; check `.error_line` before trusting it."""
        return self._parsed("ts", relative, ts_parser.parse_typescript)

    def tsx(self, relative: str) -> ts_parser.ParsedTs | None:
        """A .tsx file parsed with the tsx grammar (JSX included); the typescript helpers work on it."""
        from scaffold.parsers.tsx import parse_tsx

        return self._parsed("tsx", relative, parse_tsx)

    def yaml(self, relative: str) -> manifest_parser.ParsedYaml | None:
        """The YAML document with line numbers; check `.ok` / `.error`."""
        return self._parsed("yaml", relative, manifest_parser.load_yaml)

    def service_openapi(self, service: str) -> str:
        """Repo path of the service's OpenAPI document as its service.yaml declares it (platform.service_openapi);
        where the manifest cannot be read or leads out of the folder, the default place (SVC-CODE-02 reports it)."""
        parsed = self.yaml(f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
        try:
            return platform.service_openapi(service, parsed.data if parsed is not None and parsed.ok else None)
        except platform.OutsideService:
            return f"{platform.service_dir(service)}/{platform.SERVICE_OPENAPI}"

    def openapi(self, relative: str, within: str | None = None) -> openapi_parser.ParsedOpenApi | None:
        """The OpenAPI document, validated; `.errors` lists YAML and spec problems with lines. Its YAML is the one
        `yaml` hands out (read once: listing the endpoint subjects may have read it first). Relative `$ref`s are
        followed to files of the repo below `within` (default: the document's folder), never through a link that
        leads elsewhere; nothing else is read or fetched (see `openapi_parser.validate_openapi`)."""
        document = self.yaml(relative)
        if document is None:
            return None
        root = (within if within is not None else relative.rpartition("/")[0]).strip("/")
        references = openapi_parser.References(relative, root, lambda target: self._reference(target, root))
        return self.memo(
            ("openapi", root, relative),
            lambda: self._parsed(
                f"openapi {root}", relative, lambda _text: openapi_parser.validate_openapi(document, references)
            ),
        )

    def openapi_structure(self, relative: str, within: str | None = None) -> openapi_parser.ParsedOpenApi | None:
        """`openapi` without the validation (no `.errors`): what the document declares, with the files below
        `within` its relative `$ref`s name, for checks that do not judge validity."""
        document = self.yaml(relative)
        if document is None:
            return None
        root = (within if within is not None else relative.rpartition("/")[0]).strip("/")
        references = openapi_parser.References(relative, root, lambda target: self._reference(target, root))
        return self.memo(
            ("openapi structure", root, relative),
            lambda: self._parsed(
                f"openapi structure {root}",
                relative,
                lambda _text: openapi_parser.with_references(document, references),
            ),
        )

    def _reference(self, relative: str, within: str) -> manifest_parser.ParsedYaml | None:
        """A file a `$ref` names, when it is in the repo below `within` and its real path is too (a link inside
        the folder may point anywhere)."""
        if not self.has_file(relative):
            return None
        if relative not in self._overlay:
            folder = os.path.realpath(self._root_prefix + within) if within else os.path.realpath(self.root)
            if not os.path.realpath(self._root_prefix + relative).startswith(folder + os.sep):
                return None
        return self.yaml(relative)

    def sql(self, relative: str) -> sql_parser.ParsedSql | None:
        """The migration parsed by pglast; check `.error`."""
        from scaffold.parsers import sql as sql_parser

        return self._parsed("sql", relative, sql_parser.parse_migration)

    def markdown(self, relative: str) -> markdown_parser.MarkdownDoc | None:
        return self._parsed("md", relative, markdown_parser.parse_markdown)

    def json(self, relative: str) -> object | None:
        """The JSON document, or None when missing or invalid."""

        def load(text: str) -> object | None:
            try:
                return _json.loads(text)
            except ValueError:
                return None

        return self._parsed("json", relative, load)

    def squawk(self, relatives: Sequence[str]) -> list[sql_parser.SquawkFinding]:
        """squawk's findings over these migrations (labels are the repo-relative paths). Raises RuntimeError when
        squawk is unavailable.

        squawk lints each file on its own, and starting it costs more than linting, so the first call lints every
        service migration of the repo in one run and later calls read the findings it remembered."""
        for relative in relatives:  # squawk's verdict on a file is a function of its content (see `_squawk_locked`)
            self._ask(CONTENT, relative)
        frames, self._frames = self._frames, []  # the first run lints every migration: not this check's reads
        try:
            with self._squawk_lock:
                return self._squawk_locked(relatives)
        except RuntimeError:
            self._frames = frames
            self.volatile()  # squawk missing, crashed or timed out: decided again next run
            raise
        finally:
            self._frames = frames

    def lint_ahead(self, services: Sequence[str] | None = None) -> None:
        """Start squawk's first run (every service migration, or those of `services` when the run decides only
        theirs) on a thread, so that it lints while the checks that come before the migration checks run;
        `squawk` waits for it. If it fails, `squawk` raises the same error."""
        if services is not None:
            folders = tuple(f"{platform.service_dir(name)}/" for name in services)
            self._lint_batch = [path for path in self._service_migrations if path.startswith(folders)]
        if self._linting_ahead is not None or not self._lint_batch:
            return

        def lint() -> None:
            # squawk missing or unreadable: the checks' own call raises it again, where it is reported
            with contextlib.suppress(RuntimeError):
                self.squawk(self._lint_batch)

        self._linting_ahead = threading.Thread(target=lint, name="squawk", daemon=True)
        self._linting_ahead.start()

    def settle(self) -> None:
        """Wait for work started on a thread (`lint_ahead`): before forking, as a thread does not cross a fork."""
        if self._linting_ahead is not None:
            self._linting_ahead.join()

    def _squawk_locked(self, relatives: Sequence[str]) -> list[sql_parser.SquawkFinding]:
        unlinted = [relative for relative in dict.fromkeys(relatives) if relative not in self._squawked]
        if unlinted and self._squawk_failure is not None:
            # a squawk that timed out or crashed once would again: each check reports it without waiting again
            raise RuntimeError(str(self._squawk_failure))
        if unlinted:
            batch = [*unlinted, *(m for m in self._lint_batch if m not in self._squawked and m not in unlinted)]
            with tempfile.TemporaryDirectory() as staging:
                files: dict[str, str] = {}
                for index, relative in enumerate(batch):
                    parsed = self.sql(relative) if relative.endswith(".sql") else None
                    if parsed is not None and parsed.linted_text is not None:
                        # statements inside DO blocks and function bodies, written out where squawk sees them
                        copy = Path(staging) / f"{index}.sql"
                        copy.write_text(parsed.linted_text, encoding="utf-8")
                        files[relative] = str(copy)
                    elif relative in self._overlay:  # planned, not yet on disk: lint the planned text
                        copy = Path(staging) / f"{index}.sql"
                        copy.write_bytes(self._overlay[relative])
                        files[relative] = str(copy)
                    elif (self.root / relative).is_file():
                        files[relative] = str(self.root / relative)
                # runMigrations wraps each file in a transaction, except those marked to run outside one.
                outside = {label: path for label, path in files.items() if self._runs_outside_transaction(path)}
                inside = {label: path for label, path in files.items() if label not in outside}
                from scaffold.parsers import sql as sql_parser

                try:
                    findings = sql_parser.run_squawk(inside) if inside else []
                    if outside:
                        findings += sql_parser.run_squawk(outside, assume_in_transaction=False)
                except RuntimeError as error:
                    self._squawk_failure = error
                    raise
            for relative in batch:
                self._squawked[relative] = []
            for finding in findings:
                self._squawked.setdefault(finding.file, []).append(finding)
        return [finding for relative in dict.fromkeys(relatives) for finding in self._squawked[relative]]

    @staticmethod
    def _runs_outside_transaction(path: str) -> bool:
        try:
            with open(path, encoding="utf-8") as migration:
                return migration.readline().startswith(platform.NO_TRANSACTION_MARKER)
        except (OSError, UnicodeDecodeError):
            return False

    @cached_property
    def _lint_batch(self) -> list[str]:
        """What squawk's first run lints: every service's migrations, unless `lint_ahead` was told fewer."""
        return self._service_migrations

    @cached_property
    def _service_migrations(self) -> list[str]:
        """`services/<name>/migrations/*.sql`: what `squawk` lints in its first run."""
        found: list[str] = []
        for name in self._service_names:
            folder = f"{platform.service_dir(name)}/{platform.SERVICE_MIGRATIONS_DIR}"
            below = self._files_by_folder.get(folder, ())
            found += [p for p in below if p.endswith(".sql") and "/" not in p[len(folder) + 1 :]]
        return found

    def is_file(self, relative: str) -> bool:
        self._ask(CONTENT if relative in self._file_set else IS_FILE, relative)  # a listed file: its content says
        return relative in self._overlay or (self.root / relative).is_file()

    def is_dir(self, relative: str) -> bool:
        """A folder on disk, or one the overlay puts files into."""
        self._ask(IS_DIR, relative)
        prefix = relative.rstrip("/") + "/"
        return (self.root / relative).is_dir() or any(path.startswith(prefix) for path in self._overlay)

    def size(self, relative: str) -> int | None:
        """The file's size in bytes (the overlay's when it has one), or None when it does not exist."""
        self._ask(CONTENT if relative in self._file_set else SIZE, relative)  # a listed file's content sets its size
        if relative in self._overlay:
            return len(self._overlay[relative])
        try:
            return os.stat(self._root_prefix + relative).st_size
        except OSError:
            return None

    # --- subjects ------------------------------------------------------------------------------------------
    def subjects(self, kind: Kind) -> list[Subject]:
        if kind is Kind.REPO:
            return [Subject(Kind.REPO, "repo", "")]
        if kind is Kind.SERVICE:
            return [Subject(Kind.SERVICE, name, f"{platform.SERVICES_DIR}/{name}") for name in self.service_names]
        from scaffold.verify import subjects as other_subjects  # imports this module: import here, not at the top

        # events, jobs, integrations, endpoints: listed once per kind (the plan asks for each check)
        return list(self.memo(("subjects", kind), lambda: other_subjects.subjects(self, kind)))

    @property
    def service_names(self) -> list[str]:
        self._ask(SERVICES, "")
        return self._service_names

    def has_service(self, name: object) -> bool:
        """Whether `name` is one of `service_names` (a set look-up: asked for every event of a large platform); any
        value a manifest may hold can be asked about."""
        self._ask(SERVICES, "")
        return isinstance(name, str) and name in self._service_set

    @cached_property
    def _service_set(self) -> frozenset[str]:
        return frozenset(self._service_names)

    @cached_property
    def _service_names(self) -> list[str]:
        prefix = f"{platform.SERVICES_DIR}/"
        return sorted(
            {
                path[len(prefix) :].split("/")[0]
                for path in self._all_files
                if path.startswith(prefix) and path.count("/") == 2 and path.endswith(f"/{platform.SERVICE_MANIFEST}")
            }
            - {"jobs"}
        )
