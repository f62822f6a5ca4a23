"""What the SVC checks share: a service's manifest, sources, routes, migrations and tests, read through RepoView.

Unreadable files (bad YAML, TypeScript or SQL) come back as `fail` findings naming the file and line, so every
check that reads them reports the problem instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tree_sitter import Node

from scaffold import platform
from scaffold.checks._cache import memo
from scaffold.parsers import hono as hono_parser
from scaffold.parsers import manifests as manifest_parser
from scaffold.parsers import sql as sql_parser
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Finding, Status
from scaffold.verify.repo import RepoView, Subject


def fail(check_id: str, file: str | None, line: int | None, message: str, fix: str) -> Finding:
    return Finding(check_id, Status.FAIL, message, file=file, line=line, fix=fix)


def passed(check_id: str, message: str, file: str | None = None) -> Finding:
    return Finding(check_id, Status.PASS, message, file=file)


def not_applicable(check_id: str, reason: str, file: str | None = None) -> Finding:
    return Finding(check_id, Status.NOT_APPLICABLE, reason, file=file)


def needs_human(check_id: str, judgement: str, file: str | None = None, line: int | None = None) -> Finding:
    # The `scaffold attest` hint, with the subject, is added by the engine (engine._run_one).
    return Finding(check_id, Status.NEEDS_HUMAN, judgement, file=file, line=line)


# --- service.yaml ------------------------------------------------------------------------------------------
def manifest_path(subject: Subject) -> str:
    return subject.join(platform.SERVICE_MANIFEST)


def manifest(repo: RepoView, subject: Subject) -> manifest_parser.ParsedYaml | None:
    return repo.yaml(manifest_path(subject))


def manifest_data(repo: RepoView, subject: Subject) -> Mapping[str, object]:
    """service.yaml as a mapping; empty when it is missing or unreadable (SVC-CODE-02 reports that)."""
    parsed = manifest(repo, subject)
    return parsed.data if parsed is not None and parsed.ok and isinstance(parsed.data, Mapping) else {}


def openapi_path(repo: RepoView, subject: Subject) -> str:
    """The service's OpenAPI document as its service.yaml declares it (RepoView.service_openapi)."""
    return repo.service_openapi(subject.name)


def manifest_unreadable(check_id: str, repo: RepoView, subject: Subject) -> Finding | None:
    """A fail when service.yaml cannot be read as a mapping, else None."""
    parsed = manifest(repo, subject)
    path = manifest_path(subject)
    if parsed is None:
        return fail(check_id, path, None, f"{path} is missing", "Create service.yaml (see docs/LAYOUT.md).")
    if not parsed.ok:
        return fail(
            check_id,
            path,
            parsed.error_line,
            f"{path} is not valid YAML: {parsed.error}",
            "Fix the YAML syntax at that line.",
        )
    if not isinstance(parsed.data, Mapping):
        return fail(check_id, path, 1, f"{path} is not a mapping", "Make service.yaml a mapping of fields.")
    return None


@dataclass(frozen=True)
class ManifestEntry:
    value: str
    file: str
    line: int | None


def manifest_list(repo: RepoView, subject: Subject, *keys: str) -> list[ManifestEntry]:
    """The string items of a list in service.yaml (e.g. "contracts", "events_published"), with their lines."""
    parsed = manifest(repo, subject)
    if parsed is None or not parsed.ok:
        return []
    value: object = parsed.data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    items = value if isinstance(value, list) else []
    path = manifest_path(subject)
    return [
        ManifestEntry(item, path, parsed.line_of((*keys, index)))
        for index, item in enumerate(items)
        if isinstance(item, str)
    ]


def brand_scope_is_global(repo: RepoView, subject: Subject) -> bool:
    return manifest_data(repo, subject).get("brand_scope") == "global"


# --- TypeScript --------------------------------------------------------------------------------------------
def typescript_files(repo: RepoView, subject: Subject, folder: str) -> list[str]:
    """`*.ts` / `*.tsx` files (not `.d.ts`) below a service-relative folder, repo-relative."""
    below = repo.files_under(subject.join(folder))
    return [f for f in below if f.endswith((".ts", ".tsx")) and not f.endswith(".d.ts")]


@dataclass(frozen=True)
class TsFile:
    path: str
    parsed: ts_parser.ParsedTs


def parse_typescript_files(repo: RepoView, check_id: str, files: list[str]) -> tuple[list[TsFile], list[Finding]]:
    """Parsed files, and a fail for each that does not parse (naming its first syntax error's line)."""
    parsed_files: list[TsFile] = []
    failures: list[Finding] = []
    for path in files:
        parsed = repo.typescript(path)
        if parsed is None:
            failures.append(fail(check_id, path, None, f"{path} cannot be read as UTF-8", "Save it as UTF-8."))
        elif parsed.error_line is not None:
            failures.append(
                fail(
                    check_id,
                    path,
                    parsed.error_line,
                    f"{path} does not parse as TypeScript",
                    "Fix the syntax error at that line.",
                )
            )
        else:
            parsed_files.append(TsFile(path, parsed))
    return parsed_files, failures


def sources(repo: RepoView, subject: Subject, check_id: str) -> tuple[list[TsFile], list[Finding]]:
    """The service's own code: src/**/*.ts."""
    return parse_typescript_files(repo, check_id, typescript_files(repo, subject, platform.SERVICE_SRC_DIR))


@dataclass(frozen=True)
class RouteAt:
    file: TsFile
    route: ts_parser.Route
    served_at: str | None = None  # the path it is served at (mounts and base paths applied); None: unknown

    @property
    def path(self) -> str:
        """Where the route is served, or the path as registered when the reader could not tell where its app is
        mounted (a `needs_human` from `route_reading_problems` says so)."""
        return self.served_at if self.served_at is not None else self.route.path

    @property
    def label(self) -> str:
        return f"{self.route.method.upper()} {self.path}"


@dataclass(frozen=True)
class ServedRoutes:
    routes: list[RouteAt]
    problems: tuple[hono_parser.RouteReadingProblem, ...]  # registrations and mounts the reader could not follow


def read_routes(files: list[TsFile]) -> ServedRoutes:
    """Every route the files serve, across files (mounts, base paths, factories), and what could not be read."""
    by_path = {f.path: f for f in files}
    table = hono_parser.route_table({f.path: f.parsed for f in files})
    return ServedRoutes([RouteAt(by_path[r.file], r.route, r.path) for r in table.routes], table.problems)


def service_routes(repo: RepoView, subject: Subject, files: list[TsFile]) -> ServedRoutes:
    """`read_routes` over the service's sources, computed once per service and view."""
    return memo(repo, ("served routes", subject.path), lambda: read_routes(files))


def routes(files: list[TsFile]) -> list[RouteAt]:
    return read_routes(files).routes


def route_reading_problems(check_id: str, served: ServedRoutes) -> list[Finding]:
    """One `needs_human` per registration or mount the reader could not follow: the check cannot vouch for it."""
    return [
        needs_human(
            check_id,
            f"a route registration the verifier cannot read ({problem.reason}); check by hand that it follows "
            f"{check_id}",
            problem.file,
            problem.line,
        )
        for problem in served.problems
    ]


def app_level_middleware(files: list[TsFile]) -> set[str]:
    """Middleware applied to every route: `<app>.use(mw())` or `<app>.use("*" | "/*", mw())`."""
    names: set[str] = set()
    for file in files:
        for call in ts_parser.calls(file.parsed, lambda callee: callee.endswith(".use")):
            arguments = list(call.arguments)
            if arguments and arguments[0].string is not None:
                if arguments[0].string not in {"*", "/*"}:
                    continue
                arguments = arguments[1:]
            for argument in arguments:
                node = ts_parser.unwrap(argument.node)
                if node.type == "call_expression":
                    names.add(ts_parser.callee_of(node))
    return names


def handler_sets(files: list[TsFile], at: RouteAt, key: str) -> bool:
    """Whether the route's handler calls `c.set("<key>", ...)`; a handler named by an identifier is looked up in
    the route's file first, then in the other source files."""
    route = at.route
    if route.handler is not None:
        return ts_parser.sets_context_value(at.file.parsed, route.handler, key)
    handler_argument = ts_parser.arguments_of(route.node)[-1]
    name = ts_parser.text_of(ts_parser.unwrap(handler_argument))
    for file in files:
        function = ts_parser.function_declarations(file.parsed).get(name)
        if function is not None:
            return ts_parser.sets_context_value(file.parsed, function, key)
    return False


# --- migrations --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Migration:
    path: str
    name: str  # file name, e.g. 0002_create_items.sql
    parsed: sql_parser.ParsedSql


def migration_files(repo: RepoView, subject: Subject) -> list[str]:
    prefix = subject.join(platform.SERVICE_MIGRATIONS_DIR) + "/"
    below = repo.files_under(prefix)
    return sorted(f for f in below if f.startswith(prefix) and f.endswith(".sql") and "/" not in f[len(prefix) :])


# A migration that cannot be read blocks SVC-DB-01 first (whether it breaks old readers cannot be told): it is
# reported there, once; the other items that read migrations say they could not decide for it.
UNREADABLE_MIGRATION_OWNER = "SVC-DB-01"


def migrations(repo: RepoView, subject: Subject, check_id: str) -> tuple[list[Migration], list[Finding]]:
    """Parsed migrations in apply order, and a finding for each that cannot be read: a fail under SVC-DB-01,
    needs_human (could not decide, and why) under the other items."""
    parsed_migrations: list[Migration] = []
    failures: list[Finding] = []
    for path in migration_files(repo, subject):
        parsed = repo.sql(path)
        if parsed is None:
            problem, line, fix = "cannot be read as UTF-8", None, "Save it as UTF-8."
        elif parsed.error is not None:
            problem, line = f"does not parse: {parsed.error}", parsed.error_line
            fix = "Fix the SQL at that line (it is parsed with PostgreSQL's own parser)."
        else:
            parsed_migrations.append(Migration(path, path.rsplit("/", 1)[-1], parsed))
            continue
        if check_id == UNREADABLE_MIGRATION_OWNER:
            failures.append(fail(check_id, path, line, f"{path} {problem}", fix))
        else:
            failures.append(
                needs_human(
                    check_id,
                    f"could not decide for {path}: it {problem} (reported under {UNREADABLE_MIGRATION_OWNER})",
                    path,
                    line,
                )
            )
    return parsed_migrations, failures


def live_tables(parsed_migrations: list[Migration]) -> dict[str, tuple[str, sql_parser.Table]]:
    """Tables that exist after every migration ran → (the migration that created them last, the table): creates
    and drops applied in the order they run, so `DROP TABLE IF EXISTS x; CREATE TABLE x` leaves x in place."""
    tables: dict[str, tuple[str, sql_parser.Table]] = {}
    for migration in parsed_migrations:
        events: list[tuple[int, int, str, sql_parser.Table | None]] = [
            (table.line, 1, table.name, table) for table in sql_parser.tables_created(migration.parsed)
        ]
        events += [(line, 0, name, None) for name, line in sql_parser.tables_dropped(migration.parsed)]
        for _line, _order, name, created in sorted(events, key=lambda event: event[:2]):
            if created is None:
                tables.pop(name, None)
            else:
                tables[name] = (migration.path, created)
    return tables


# --- the health route answered by a middleware (SVC-DEP-05, SVC-DOC-04) -------------------------------------
def health_middleware(files: list[TsFile]) -> list[tuple[str, int]]:
    """Where a middleware answers the health path itself: a function that compares the request's path with
    "/healthz" (`c.req.path === "/healthz"`) and is mounted with `<app>.use(...)` — inline, or by its name
    (`app.use(healthz())`)."""
    mounted: set[str] = set()
    inline: set[int] = set()
    for file in files:
        for call in ts_parser.calls(file.parsed, lambda callee: callee.endswith(".use")):
            for argument in call.arguments:
                node = ts_parser.unwrap(argument.node)
                if node.type in {"arrow_function", "function_expression", "function"}:
                    inline.add(node.start_byte)
                for identifier in ts_parser.nodes(file.parsed, "identifier", within=node):
                    mounted.add(ts_parser.text_of(identifier))
    found: list[tuple[str, int]] = []
    for file in files:
        for comparison in ts_parser.nodes(file.parsed, "binary_expression"):
            sides = [comparison.child_by_field_name("left"), comparison.child_by_field_name("right")]
            operator = comparison.child_by_field_name("operator")
            if operator is None or ts_parser.text_of(operator) not in {"===", "=="} or None in sides:
                continue
            present = [side for side in sides if side is not None]
            texts = [ts_parser.string_value(side) if side.type == "string" else None for side in present]
            paths = [ts_parser.compact(ts_parser.text_of(side)) for side in present]
            if platform.HEALTH_PATH not in texts or not any(p.endswith((".path", ".pathname")) for p in paths):
                continue
            for function in ts_parser.enclosing_functions(comparison):
                name = _function_name(function)
                if function.start_byte in inline or (name is not None and name in mounted):
                    found.append((file.path, ts_parser.line_of(comparison)))
                    break
    return found


def _function_name(function: Node) -> str | None:
    """`f` for `function f() {}` and for `const f = () => ...`; None for an anonymous function."""
    name = function.child_by_field_name("name")
    parent = function.parent
    if name is None and parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
    return ts_parser.text_of(name) if name is not None else None
