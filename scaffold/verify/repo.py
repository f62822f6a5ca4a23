"""A read-only, cached view of a platform repo for the checks: files, subjects, and parsed artefacts.

Checks never open files themselves; they ask the RepoView, which reads each file once and hands out parsed forms
from `scaffold.parsers`. Paths given and returned are repo-relative with forward slashes.

Reads go through `scaffold.repofs.read`: a symlink out of the repo or in a loop, a FIFO, socket or device, or a
file over the size cap is never opened and reads as absent (None); the view remembers it (`refused`) and notes
it for the check that asked (`noting_refusals`), which the engine turns into a finding under that check.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json as _json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

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
        self, root: Path, overlay: Mapping[str, bytes] | None = None, listing: Sequence[str] | Listing | None = None
    ) -> None:
        """`overlay`: files as a generator is about to write them (path → bytes), seen in place of the disk's.
        `listing`: the files below the root as `listing.scan` found them a moment ago (else they are listed here);
        given as a `Listing`, its refused entries too."""
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

    # --- files ---------------------------------------------------------------------------------------------
    @cached_property
    def files(self) -> list[str]:
        """Every file below the root, repo-relative, skipping node_modules, .git and build output (`listing.scan`)."""
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
            self.files  # noqa: B018 - lists the tree, refusals included
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
        return frozenset(self.files)

    @cached_property
    def _files_by_folder(self) -> dict[str, list[str]]:
        """Folder → every file below it (at any depth), in `files` order; built once so that the per-subject
        questions ("the .ts files under services/x/src") do not each scan the whole repo."""
        below: dict[str, list[str]] = {}
        for path in self.files:
            folder = path
            while "/" in folder:
                folder = folder.rsplit("/", 1)[0]
                below.setdefault(folder, []).append(path)
        return below

    def has_file(self, relative: str) -> bool:
        """Whether `relative` is one of `files` (a set look-up, unlike `relative in files`)."""
        return relative in self._file_set

    def files_under(self, folder: str) -> list[str]:
        """The files below `folder` (at any depth), repo-relative, in `files` order."""
        return list(self._files_by_folder.get(folder.strip("/"), ()))

    def exists(self, relative: str) -> bool:
        return relative in self._overlay or (self.root / relative).exists()

    def read_text(self, relative: str) -> str | None:
        """The file's text, or None when it does not exist or is not UTF-8."""
        if relative not in self._text and relative in self._overlay:
            try:
                self._text[relative] = self._overlay[relative].decode("utf-8")
            except UnicodeDecodeError:
                self._text[relative] = None
        if relative not in self._text:
            try:
                if relative in self.refused:
                    raise RefusedRead(relative, self.refused[relative])
                self._text[relative] = self._reader.read_text(relative)
            except RefusedRead as refused:
                self.refused[relative] = refused.reason
                self._text[relative] = None
            except (OSError, UnicodeDecodeError):
                self._text[relative] = None
        if self.refused and relative in self.refused:
            self._note(relative)
        return self._text[relative]

    def glob(self, pattern: str) -> list[str]:
        return [f for f in self.files if fnmatch.fnmatchcase(f, pattern)]

    # --- parsed artefacts (each parsed once; None when the file is missing or not UTF-8) -------------------
    # Kinds whose parsed form depends on the text alone and which no check changes: files with the same text share
    # one parse (and what the checks remember on it, e.g. `ParsedTs.derived`). Services generated from one template
    # repeat files word for word (a third of the TypeScript and most migrations of the benchmark corpus). YAML and
    # JSON hand out plain dicts and lists, which are not shared.
    _SHARED_BY_CONTENT = frozenset({"ts", "tsx", "sql", "md"})

    def _parsed(self, kind: str, relative: str, parse: Callable[[str], _T]) -> _T | None:
        key = (kind, relative)
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
        return self._parsed(
            f"openapi {root}", relative, lambda _text: openapi_parser.validate_openapi(document, references)
        )

    def openapi_structure(self, relative: str, within: str | None = None) -> openapi_parser.ParsedOpenApi | None:
        """`openapi` without the validation (no `.errors`): what the document declares, with the files below
        `within` its relative `$ref`s name, for checks that do not judge validity."""
        document = self.yaml(relative)
        if document is None:
            return None
        root = (within if within is not None else relative.rpartition("/")[0]).strip("/")
        references = openapi_parser.References(relative, root, lambda target: self._reference(target, root))
        return self._parsed(
            f"openapi structure {root}", relative, lambda _text: openapi_parser.with_references(document, references)
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
        with self._squawk_lock:
            return self._squawk_locked(relatives)

    def lint_ahead(self) -> None:
        """Start squawk's first run (every service migration) on a thread, so that it lints while the checks
        that come before the migration checks run; `squawk` waits for it. If it fails, `squawk` raises
        the same error."""
        if self._linting_ahead is not None or not self._service_migrations:
            return

        def lint() -> None:
            # squawk missing or unreadable: the checks' own call raises it again, where it is reported
            with contextlib.suppress(RuntimeError):
                self.squawk(self._service_migrations)

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
            batch = [*unlinted, *(m for m in self._service_migrations if m not in self._squawked and m not in unlinted)]
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
    def _service_migrations(self) -> list[str]:
        """`services/<name>/migrations/*.sql`: what `squawk` lints in its first run."""
        found: list[str] = []
        for name in self.service_names:
            folder = f"{platform.service_dir(name)}/{platform.SERVICE_MIGRATIONS_DIR}"
            found += [p for p in self.files_under(folder) if p.endswith(".sql") and "/" not in p[len(folder) + 1 :]]
        return found

    def is_file(self, relative: str) -> bool:
        return relative in self._overlay or (self.root / relative).is_file()

    def is_dir(self, relative: str) -> bool:
        """A folder on disk, or one the overlay puts files into."""
        prefix = relative.rstrip("/") + "/"
        return (self.root / relative).is_dir() or any(path.startswith(prefix) for path in self._overlay)

    def size(self, relative: str) -> int | None:
        """The file's size in bytes (the overlay's when it has one), or None when it does not exist."""
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

        return other_subjects.subjects(self, kind)  # events, jobs, integrations, endpoints

    @cached_property
    def service_names(self) -> list[str]:
        prefix = f"{platform.SERVICES_DIR}/"
        return sorted(
            {
                path[len(prefix) :].split("/")[0]
                for path in self.files
                if path.startswith(prefix) and path.count("/") == 2 and path.endswith(f"/{platform.SERVICE_MANIFEST}")
            }
            - {"jobs"}
        )
