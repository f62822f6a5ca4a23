"""SVC / Tests: what the service's vitest suites cover, decided by parsing them (SVC-TEST-01..04).

Test cases are the `it(...)` / `test(...)` calls (with `describe(...)` titles around them); nothing is run here —
running the suites is CI's part (DEPLOY-02).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._service import (
    TsFile,
    fail,
    manifest_list,
    not_applicable,
    openapi_path,
    parse_typescript_files,
    passed,
    route_reading_problems,
    service_routes,
    sources,
    typescript_files,
)
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import ts_eval
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

TEST_FUNCTIONS = frozenset({"it", "test", "describe"})
CASE_FUNCTIONS = frozenset({"it", "test"})
ASSERTIONS = frozenset({"toBe", "toEqual", "toStrictEqual", "toHaveStatus"})
HTTP_METHOD_NAMES = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
CONFORMANCE_TOPICS = {"audit": r"\baudit", "brand scoping": r"\bbrand", "scope enforcement": r"\bscope"}
REAL_DATABASE_CALLS = frozenset(
    {"PGlite.create", platform.KIT_FROM_PGLITE, platform.KIT_RUN_MIGRATIONS, platform.KIT_START_PGLITE,
     platform.KIT_PGLITE_FROM}
)  # fmt: skip
_SUBSTITUTION = re.compile(r"\$\{[^}]*\}")
_ALL_ROUTES = re.compile(r"\b(every|all|each)\s+(route|endpoint|operation)s?\b", re.IGNORECASE)
_ALL_MUTATIONS = re.compile(r"\b(every|all|each)\s+mutations?\b", re.IGNORECASE)


def _test_files(repo: RepoView, subject: Subject, folder: str, check_id: str) -> tuple[list[TsFile], list[Finding]]:
    return parse_typescript_files(repo, check_id, typescript_files(repo, subject, folder))


def _strip_ts(path: str) -> str:
    for suffix in (".tsx", ".ts", ".js"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def resolve_import(importer: str, module: str) -> str | None:
    """A relative import's target, repo-relative and without extension (`../../src/x` → `services/a/src/x`)."""
    if not module.startswith("."):
        return None
    return _strip_ts(posixpath.normpath(posixpath.join(posixpath.dirname(importer), module)))


# --- SVC-TEST-01 -------------------------------------------------------------------------------------------
@check(
    "SVC-TEST-01",
    "Unit tests for service classes",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/services/**", "test/unit/**"),
)
def service_classes_have_unit_tests(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Lists the classes declared in `src/services/` and checks that each is imported by a test file
    under `test/unit/` (the import must resolve to the class's own file). Not applicable when `src/services/`
    declares no class.

    Why it matters: Service classes hold the brand-scoped queries and the business rules; a unit test is the
    cheapest place to pin their behaviour down.

    How to fix: Add `test/unit/<resource>-service.test.ts` importing the class and exercising its methods
    (the template's unit test is a starting point).
    """
    code, failures = parse_typescript_files(
        repo, "SVC-TEST-01", typescript_files(repo, subject, platform.SERVICE_SERVICES_DIR)
    )
    tests, test_failures = _test_files(repo, subject, platform.SERVICE_UNIT_TESTS_DIR, "SVC-TEST-01")
    yield from failures
    yield from test_failures
    imported: set[tuple[str, str]] = set()
    for test in tests:
        for item in ts_parser.imports(test.parsed):
            target = resolve_import(test.path, item.module)
            if target is not None:
                imported.update((target, name) for name in item.names.values())
                imported.update(
                    (posixpath.dirname(target) if target.endswith("/index") else target, name)
                    for name in item.names.values()
                )
    classes = [(file, name, line) for file in code for name, line, _ in ts_parser.classes(file.parsed)]
    if not classes and not failures:
        yield not_applicable("SVC-TEST-01", f"{subject.join(platform.SERVICE_SERVICES_DIR)}/ declares no class")
        return
    untested = [(file, name, line) for file, name, line in classes if (_strip_ts(file.path), name) not in imported]
    for file, name, line in untested:
        yield fail(
            "SVC-TEST-01",
            file.path,
            line,
            f"no test in {subject.join(platform.SERVICE_UNIT_TESTS_DIR)}/ imports {name}",
            f"Add a unit test under test/unit/ that imports {name} from its module and exercises its methods.",
        )
    if not failures and not test_failures and not untested:
        yield passed("SVC-TEST-01", f"{len(classes)} service classes each have a unit test")


# --- route matching shared by SVC-TEST-02 and SVC-TEST-04 --------------------------------------------------
def path_pattern(route_path: str) -> re.Pattern[str]:
    """A regex for request paths that hit `route_path` (Hono `:id` or OpenAPI `{id}` parameters)."""
    parts = re.split(r"(:\w+|\{[^}]+\})", route_path)
    body = "".join("[^/?#]+" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    return re.compile(f"^{body}/?$")


def request_paths(strings: list[str]) -> list[str]:
    """Request paths among string literals: `${...}` stands for one path segment, the query string is dropped."""
    found = []
    for value in strings:
        if value.startswith("/"):
            found.append(_SUBSTITUTION.sub("x", value).split("?", 1)[0].split("#", 1)[0])
    return found


def _hits(pattern: re.Pattern[str], strings: list[str]) -> bool:
    return any(pattern.match(path) for path in request_paths(strings))


# --- SVC-TEST-02 -------------------------------------------------------------------------------------------
def _local_imports(repo: RepoView, file: TsFile, subject: Subject) -> list[TsFile]:
    """The test-local modules a test file imports (`../helpers`), parsed; one hop, inside the service folder."""
    found = []
    for item in ts_parser.imports(file.parsed):
        target = resolve_import(file.path, item.module)
        if target is None or not target.startswith(subject.path + "/"):
            continue
        for candidate in (f"{target}.ts", f"{target}/index.ts"):
            parsed = repo.typescript(candidate)
            if parsed is not None and parsed.error_line is None:
                found.append(TsFile(candidate, parsed))
                break
    return found


def _mentions_call(file: TsFile, names: frozenset[str]) -> bool:
    if ts_parser.calls(file.parsed, lambda callee: callee in names):
        return True
    for node in ts_parser.nodes(file.parsed, "new_expression"):
        if node.type == "new_expression":
            constructor = node.child_by_field_name("constructor")
            if constructor is not None and ts_parser.text_of(constructor) in {"PGlite", "Pool", "Client"}:
                return True
    return False


@check(
    "SVC-TEST-02",
    "Integration tests for routes (real DB, real event publish)",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("test/integration/**", "src/**"),
)
def routes_have_integration_tests(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks that `test/integration/` exists and that, for every route in `src/`, some integration
    test requests a path the route serves (string literals, `${...}` standing for a path segment); that the tests
    use a real database (they, or the test helpers they import, call `PGlite.create` / `fromPGlite` /
    `runMigrations` / the kit's `startPGlite` / `pgliteFrom` or construct a PGlite or pg client); and, when the
    service publishes events, that they call `publishPending(...)` so the outbox is really published.

    Why it matters: Mocks agree with whatever the code does. Only a real database catches the wrong SQL, a missing
    migration or a transaction that does not roll back, and only a real publish shows the event leaves the outbox.

    How to fix: Add a test per route to `test/integration/` using the template's helpers (`startTestDb()`,
    `call(app, "GET", "/items")`) and assert on the events `publishPending(db, ...)` delivers.
    """
    folder = subject.join(platform.SERVICE_INTEGRATION_TESTS_DIR)
    tests, test_failures = _test_files(repo, subject, platform.SERVICE_INTEGRATION_TESTS_DIR, "SVC-TEST-02")
    code, failures = sources(repo, subject, "SVC-TEST-02")
    yield from test_failures
    yield from failures
    if not tests:
        if not test_failures:
            yield fail(
                "SVC-TEST-02",
                folder + "/",
                None,
                f"{folder}/ holds no test",
                "Add integration tests that call every route against a real database.",
            )
        return
    strings = [value for test in tests for value, _ in ts_parser.strings(test.parsed)]
    served = service_routes(repo, subject, code)
    found = served.routes
    unread = route_reading_problems("SVC-TEST-02", served)
    yield from unread
    problems = len(unread)
    for at in found:
        if not _hits(path_pattern(at.path), strings):
            problems += 1
            yield fail(
                "SVC-TEST-02",
                at.file.path,
                at.route.line,
                f"no integration test in {folder}/ requests {at.label}",
                f"Add a test in {folder}/ that calls {at.label} and asserts on the response and the database.",
            )
    reachable = tests + [helper for test in tests for helper in _local_imports(repo, test, subject)]
    if not any(_mentions_call(file, REAL_DATABASE_CALLS) for file in reachable):
        problems += 1
        yield fail(
            "SVC-TEST-02",
            tests[0].path,
            1,
            "the integration tests never start a real database",
            "Start PGlite and run the migrations (the template's startTestDb() helper does both).",
        )
    if manifest_list(repo, subject, "contracts", "events_published") and not any(
        _mentions_call(file, frozenset({platform.KIT_PUBLISH_PENDING})) for file in reachable
    ):
        problems += 1
        yield fail(
            "SVC-TEST-02",
            tests[0].path,
            1,
            "the service publishes events but no integration test calls publishPending(...)",
            "Publish the outbox in a test and assert on the delivered events.",
        )
    if not failures and not test_failures and not problems:
        yield passed("SVC-TEST-02", f"{len(found)} routes each requested by an integration test, real DB and publish")


# --- test cases --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SuiteCase:
    file: str
    titles: tuple[str, ...]  # enclosing describe titles, then the case's own
    strings: tuple[str, ...]  # string literal values in the case's body
    words: frozenset[str]  # upper-case identifiers and strings in the body ("GET", "POST", ...)
    statuses: frozenset[int]  # HTTP statuses the body asserts: expect(x).toBe(404), toHaveProperty("status", 404)
    line: int
    # (METHOD, path) rows of the `describe.each(TABLE)` / `it.each(TABLE)` tables around the case: a data-driven
    # case runs once per row, so it exercises each listed operation.
    table_operations: tuple[tuple[str, str], ...] = ()


_TEST_CALLEE = re.compile(rf"({'|'.join(sorted(TEST_FUNCTIONS))})(?=[.(]|\Z)")  # the name, then `.`, `(` or the end
STATUS_ASSERTIONS = ASSERTIONS | {"toHaveProperty"}
_FUNCTION_ARGUMENTS = frozenset({"arrow_function", "function_expression"})


def _test_function(callee: str) -> str | None:
    """`it` for `it(...)`, `it.each(...)(...)`, `it.runIf(x)(...)`; likewise `test` and `describe`; else None."""
    match = _TEST_CALLEE.match(callee)
    return match.group(1) if match else None


def _is_status_assertion(callee: str) -> bool:
    return callee.rpartition(".")[2] in STATUS_ASSERTIONS


@dataclass(frozen=True)
class _TestCall:
    """A describe/it/test call: its function, its title (the first argument, when a string) and its node."""

    function: str
    title: str | None
    arguments: list[Node]
    node: Node


def _test_calls(parsed: ts_parser.ParsedTs) -> list[_TestCall]:
    """The file's describe/it/test calls in source order (a call around another comes first)."""
    found = []
    for call in ts_parser.all_calls(parsed):
        function = _test_function(call.callee)
        if function is not None:
            arguments = ts_parser.arguments_of(call.node)
            title = ts_parser.string_value(arguments[0]) if arguments else None
            found.append(_TestCall(function, title, arguments, call.node))
    return found


def _titles(calls: list[_TestCall]) -> list[tuple[str, ...]]:
    """Each call's titles: those of the titled calls around it (a call around another spans it in the tree),
    outermost first, then its own. One sweep in source order keeps the titled calls still open, instead of
    climbing each case's ancestors (finding a node's parent descends the tree from its root)."""
    found: list[tuple[str, ...]] = []
    open_calls: list[tuple[int, tuple[str, ...]]] = []  # (end byte, titles) of the titled calls around
    for call in calls:
        end = call.node.end_byte
        while open_calls and open_calls[-1][0] < end:
            open_calls.pop()
        around = open_calls[-1][1] if open_calls else ()
        if call.title is None:
            found.append(around)
            continue
        own = (*around, call.title)
        found.append(own)
        open_calls.append((end, own))
    return found


def _asserted_statuses(body: Node, parsed: ts_parser.ParsedTs) -> set[int]:
    found: set[int] = set()
    for call in ts_parser.calls(parsed, _is_status_assertion, body):
        arguments = ts_parser.arguments_of(call.node)
        if call.callee.endswith(".toHaveProperty"):
            arguments = arguments[1:] if arguments and ts_parser.string_value(arguments[0]) == "status" else []
        if len(arguments) == 1 and arguments[0].type == "number":
            text = ts_parser.text_of(arguments[0])
            if text.isdigit() and 100 <= int(text) <= 599:
                found.add(int(text))
    return found


def _body_literals(parsed: ts_parser.ParsedTs, body: Node) -> tuple[tuple[str, ...], frozenset[str]]:
    """A case body's string values in source order, and its words: strings and property names, upper case."""
    strings: list[str] = []
    words: set[str] = set()
    for node in ts_parser.nodes(parsed, "string", "template_string", "property_identifier", within=body):
        kind = node.type
        if kind != "template_string":
            words.add(ts_parser.text_of(node).strip("\"'`").upper())
        if kind != "property_identifier" and (value := ts_parser.string_value(node)) is not None:
            strings.append(value)
    return tuple(strings), frozenset(words)


def suite_cases(files: list[TsFile]) -> list[SuiteCase]:
    """The test cases of the files. A file's cases are worked out once and remembered on its parse: SVC-TEST-03
    and SVC-TEST-04 both read the conformance suite."""
    return [case for file in files for case in _cases_of(file)]


def _cases_of(file: TsFile) -> list[SuiteCase]:
    return ts_parser.remembered(file.parsed, ("svc_tests.suite_cases", file.path), lambda: _file_cases(file))


def _file_cases(file: TsFile) -> list[SuiteCase]:
    """The `it`/`test` calls with a string title and a function body."""
    cases = []
    calls = _test_calls(file.parsed)
    for call, titles in zip(calls, _titles(calls), strict=True):
        if call.function not in CASE_FUNCTIONS or call.title is None:
            continue
        body = next((a for a in reversed(call.arguments) if a.type in _FUNCTION_ARGUMENTS), None)
        if body is None:
            continue
        strings, words = _body_literals(file.parsed, body)
        statuses = frozenset(_asserted_statuses(body, file.parsed))
        table = tuple(_table_operations(file.parsed, call.node))
        cases.append(SuiteCase(file.path, titles, strings, words, statuses, ts_parser.line_of(call.node), table))
    return cases


_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _table_operations(parsed: ts_parser.ParsedTs, case: Node) -> Iterator[tuple[str, str]]:
    """The operations listed in the `.each(TABLE)` tables of the case and of the describe blocks around it, the
    table read by the partial evaluator: rows such as `{ method: "GET", path: "/items" }`, `["GET", "/items"]` or
    `"GET /items"`."""
    current: Node | None = case
    while current is not None:
        function = current.child_by_field_name("function") if current.type == "call_expression" else None
        if function is not None and function.type == "call_expression" and ".each" in ts_parser.callee_of(function):
            arguments = ts_parser.arguments_of(function)
            rows = _evaluated(parsed).evaluate(arguments[0]) if arguments else None
            for row in rows if isinstance(rows, list) else []:
                yield from _row_operation(row)
        current = current.parent


def _evaluated(parsed: ts_parser.ParsedTs) -> ts_eval.Run:
    return ts_parser.remembered(parsed, "svc_tests.evaluated", lambda: ts_eval.run(parsed))


def _row_operation(row: object) -> Iterator[tuple[str, str]]:
    values = list(row.values()) if isinstance(row, dict) else row if isinstance(row, list) else [row]
    texts = [v for v in values if isinstance(v, str)]
    for text in texts:
        method, _, path = text.partition(" ")
        if method in _HTTP_METHODS and path.startswith("/"):
            yield method, path
    methods = [t.upper() for t in texts if t.upper() in _HTTP_METHODS]
    paths = [t for t in texts if t.startswith("/")]
    if methods and paths:
        yield methods[0], paths[0]


# --- SVC-TEST-03 -------------------------------------------------------------------------------------------
@check(
    "SVC-TEST-03",
    "Conformance tests pass (audit, brand scoping, scope enforcement)",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("test/conformance/**",),
)
def conformance_tests_cover_platform_rules(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks that `test/conformance/` holds test cases whose titles (with their describe blocks)
    cover the three platform rules: audit rows ("audit"), brand scoping ("brand") and scope enforcement
    ("scope"). Whether they pass is CI's verdict (DEPLOY-02); this check makes sure they exist.

    Why it matters: The conformance suite is what proves, for every route the app really serves, that tokens
    without the scope get 403, brands never see each other's rows and mutations leave an audit row.

    How to fix: Keep the template's `test/conformance/conformance.test.ts`, which walks `app.routes` and
    openapi.yaml, and add cases for any rule it lacks.
    """
    folder = subject.join(platform.SERVICE_CONFORMANCE_TESTS_DIR)
    tests, failures = _test_files(repo, subject, platform.SERVICE_CONFORMANCE_TESTS_DIR, "SVC-TEST-03")
    yield from failures
    if not tests:
        if not failures:
            yield fail(
                "SVC-TEST-03",
                folder + "/",
                None,
                f"{folder}/ holds no test",
                "Add the conformance suite (audit, brand scoping, scope enforcement) from the template.",
            )
        return
    titles = [" ".join(case.titles) for case in suite_cases(tests)]
    missing = [
        topic
        for topic, word in CONFORMANCE_TOPICS.items()
        if not any(re.search(word, title, re.IGNORECASE) for title in titles)
    ]
    if missing:
        yield fail(
            "SVC-TEST-03",
            tests[0].path,
            1,
            f"no conformance test covers {', '.join(missing)}",
            f"Add test cases to {folder}/ for: {', '.join(missing)}.",
        )
    elif not failures:
        yield passed("SVC-TEST-03", f"{len(titles)} conformance tests cover audit, brand scoping and scopes")


# --- SVC-TEST-04 -------------------------------------------------------------------------------------------
def covers(case: SuiteCase, method: str, path: str, is_mutation: bool) -> bool:
    """Whether a test case exercises an operation: its titles say "every route" (or "every mutation" for a
    mutation), or name `METHOD /path`; or its body requests the path and names the method (a string or a
    property such as `client.GET`)."""
    title = " ".join(case.titles)
    if _ALL_ROUTES.search(title) or (is_mutation and _ALL_MUTATIONS.search(title)):
        return True
    pattern = path_pattern(path)
    upper = method.upper()
    for row_method, row_path in case.table_operations:
        if row_method == upper and pattern.match(row_path.split("?")[0]):
            return True
    for match in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)", title):
        if match.group(1) == upper and pattern.match(match.group(2)):
            return True
    return _hits(pattern, list(case.strings)) and (upper in case.words or upper in title.upper().split())


@check(
    "SVC-TEST-04",
    "Test coverage realistic — not 100%, but every error path has a case",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("test/**", platform.SERVICE_OPENAPI),
)
def every_error_path_has_a_case(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every operation in openapi.yaml and every 4xx status it declares (a `4XX` range or a
    `default` response counts as one, met by a case asserting any 4xx), looks for a test case
    under `test/` that exercises the operation and asserts that status (`expect(res.status).toBe(404)`,
    `toEqual(404)`, `toHaveProperty("status", 404)`). A case exercises an operation when its title or describe
    block names `METHOD /path`, or its body requests the path and names the method, or its title says it runs on
    "every route" ("every mutation" for POST/PUT/PATCH/DELETE), or it is data-driven (`describe.each(TABLE)`,
    `it.each(TABLE)`) over a table that lists the operation (read by evaluating TABLE). Not applicable when no
    operation declares a 4xx.

    Why it matters: Happy paths get tested by habit; the 400s, 403s and 404s are what clients hit in production
    and what breaks unnoticed.

    How to fix: Add a test case per missing status under the operation's describe block, e.g. "answers 404 for
    an unknown id", asserting `expect(res.status).toBe(404)`; or remove a status the operation cannot return.
    """
    spec_path = openapi_path(repo, subject)
    spec = repo.openapi(spec_path, within=subject.path)
    if spec is None or not spec.yaml.ok:
        yield fail(
            "SVC-TEST-04",
            spec_path,
            spec.yaml.error_line if spec else None,
            f"{spec_path} is missing or unreadable, so the error paths are unknown",
            "Write or fix openapi.yaml (SVC-CODE-03 gives details).",
        )
        return
    tests, failures = _test_files(repo, subject, platform.SERVICE_TESTS_DIR, "SVC-TEST-04")
    yield from failures
    cases = suite_cases(tests)
    # each declared client error as (lowest, highest, as written): `404`, and `4XX` or `default` (any 4xx will do)
    declared = [
        (op, (status, status, str(status)))
        for op in openapi_parser.operations(spec)
        for status in op.error_statuses
        if 400 <= status < 500
    ] + [
        (op, (max(low, 400), min(high, 499), written))
        for op in openapi_parser.operations(spec)
        for low, high, written in op.error_ranges
        if low <= 499 and high >= 400
    ]
    if not declared:
        yield not_applicable("SVC-TEST-04", f"no operation in {spec_path} declares a 4xx response")
        return
    missing = 0
    for operation, (low, high, written) in declared:
        is_mutation = operation.method in ts_parser.MUTATION_METHODS
        if not any(
            any(low <= status <= high for status in case.statuses)
            and covers(case, operation.method, operation.path, is_mutation)
            for case in cases
        ):
            missing += 1
            label = f"{operation.method.upper()} {operation.path}"
            what = written if low == high else f"`{written}` (a 4xx)"
            yield fail(
                "SVC-TEST-04",
                spec_path,
                operation.line,
                f"{label} declares {what} but no test asserts it",
                f"Add a test case for {label} that provokes {'a 4xx' if low != high else written} and asserts it.",
            )
    if not failures and not missing:
        yield passed("SVC-TEST-04", f"{len(declared)} declared error responses each asserted by a test case")
