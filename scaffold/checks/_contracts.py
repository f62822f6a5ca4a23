"""What the EP, EVT, JOB, INT and DEPLOY checks share: the platform's contract registries (SCOPES,
WEBHOOK_EVENT_FILTERS, PLATFORM_ERROR_CODES), source-file listing, small tree-sitter walks, and the wording of
needs_human / needs_evidence / unreadable-file findings."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from scaffold import platform
from scaffold.checks._cache import memo
from scaffold.parsers import hono
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Status
from scaffold.verify.repo import RepoView, Subject

SOURCE_SUFFIXES = (".ts", ".tsx")
_TEST_FILE = re.compile(r"(^|/)(test|tests|__tests__)/|\.(test|spec)\.tsx?$")


# --- files -------------------------------------------------------------------------------------------------
def source(repo: RepoView, path: str) -> ts.ParsedTs | None:
    """A .ts or .tsx file parsed with the matching grammar; None when missing."""
    return repo.tsx(path) if path.endswith(".tsx") else repo.typescript(path)


def code_files(repo: RepoView, folder: str, *, tests: bool = False) -> list[str]:
    """TypeScript files under `folder`: production code (tests=False) or test code (tests=True); no .d.ts.
    Remembered per view: the event checks list each publisher's tests for every event it publishes."""
    folder = folder.rstrip("/")
    return list(memo(repo, ("code files", folder, tests), lambda: _code_files(repo, folder, tests)))


def _code_files(repo: RepoView, folder: str, tests: bool) -> list[str]:
    prefix = folder + "/"
    found = []
    for path in repo.files_under(prefix):
        if not path.startswith(prefix) or not path.endswith(SOURCE_SUFFIXES) or path.endswith(".d.ts"):
            continue
        if bool(_TEST_FILE.search(path[len(prefix) :])) == tests:
            found.append(path)
    return found


def unreadable(check_id: str, path: str, line: int | None, what: str = "TypeScript") -> Finding:
    return Finding(
        check_id,
        Status.FAIL,
        f"{path} is not valid {what} (syntax error at line {line}), so this item cannot be decided",
        file=path,
        line=line or 1,
        fix=f"fix the syntax error in {path}",
    )


def parse_failure(check_id: str, repo: RepoView, path: str) -> Finding | None:
    """A fail finding when `path` is missing-as-unreadable or has a syntax error; None when it parses."""
    parsed = source(repo, path)
    if parsed is not None and parsed.error_line is not None:
        return unreadable(check_id, path, parsed.error_line)
    return None


# --- sign-offs and evidence --------------------------------------------------------------------------------
# The `scaffold attest` hint is the engine's to add (it knows the subject): see engine._run_one.
def needs_human(check_id: str, subject: Subject, judgement: str) -> Finding:
    return Finding(check_id, Status.NEEDS_HUMAN, f"needs a person's judgement: {judgement}", subject=subject.label)


def needs_evidence(check_id: str, subject: Subject, fact: str) -> Finding:
    return Finding(
        check_id, Status.NEEDS_EVIDENCE, f"needs evidence from outside the repo: {fact}", subject=subject.label
    )


# --- contract registries -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeEntry:
    name: str
    description: str
    returns_phi: bool
    line: int


def scopes(repo: RepoView) -> dict[str, ScopeEntry] | None:
    """SCOPES of @platform/scopes; None when the registry is missing or unreadable."""
    found = memo(repo, platform.SCOPES_REGISTRY_CONST, lambda: _scopes(repo))
    return None if found is None else dict(found)


def _scopes(repo: RepoView) -> dict[str, ScopeEntry] | None:
    parsed = repo.typescript(platform.SCOPES_REGISTRY)
    if parsed is None or parsed.error_line is not None:
        return None
    value = ts.literal(parsed, platform.SCOPES_REGISTRY_CONST)
    if value is None or not isinstance(value.value, dict):
        return None
    found = {}
    for name, entry in value.value.items():
        plain = entry.plain()
        fields = plain if isinstance(plain, Mapping) else {}
        description = fields.get("description")
        found[name] = ScopeEntry(
            name, description if isinstance(description, str) else "", fields.get("returnsPhi") is True, entry.line
        )
    return found


def webhook_filters(repo: RepoView) -> dict[str, int] | None:
    """WEBHOOK_EVENT_FILTERS as {event name: line}; None when missing or unreadable."""
    found = memo(repo, "WEBHOOK_EVENT_FILTERS", lambda: _webhook_filters(repo))
    return None if found is None else dict(found)


def _webhook_filters(repo: RepoView) -> dict[str, int] | None:
    parsed = repo.typescript(platform.WEBHOOK_FILTERS)
    if parsed is None or parsed.error_line is not None:
        return None
    value = ts.literal(parsed, "WEBHOOK_EVENT_FILTERS")
    if value is None or not isinstance(value.value, list):
        return None
    return {item.value: item.line for item in value.value if isinstance(item.value, str)}


def error_codes(repo: RepoView) -> dict[str, int] | None:
    """PLATFORM_ERROR_CODES keys with their lines; None when missing or unreadable."""
    found = memo(repo, "PLATFORM_ERROR_CODES", lambda: _error_codes(repo))
    return None if found is None else dict(found)


def _error_codes(repo: RepoView) -> dict[str, int] | None:
    parsed = repo.typescript(platform.ERROR_CODES)
    if parsed is None or parsed.error_line is not None:
        return None
    value = ts.literal(parsed, "PLATFORM_ERROR_CODES")
    if value is None or not isinstance(value.value, dict):
        return None
    return {name: entry.line for name, entry in value.value.items()}


def service_manifest_values(repo: RepoView, service: str, *keys: str) -> list[str]:
    """A list of strings from services/<service>/service.yaml (e.g. "contracts", "events_subscribed").

    Remembered per service and keys: the event checks ask it of every service for every event."""
    return list(memo(repo, ("manifest list", service, keys), lambda: _service_manifest_values(repo, service, keys)))


def services_listing(repo: RepoView, value: str, *keys: str) -> tuple[str, ...]:
    """The services whose service.yaml lists `value` under `keys` (e.g. "contracts", "events_published"), in
    `repo.service_names` order. One index per `keys` over every service's list, remembered per view: the event
    checks ask it for every event, which asked every service in turn."""
    index = memo(repo, ("services listing", keys), lambda: _listing_index(repo, keys))
    return index.get(value, ())


def _listing_index(repo: RepoView, keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for service in repo.service_names:
        for value in dict.fromkeys(service_manifest_values(repo, service, *keys)):
            index.setdefault(value, []).append(service)
    return {value: tuple(services) for value, services in index.items()}


def _service_manifest_values(repo: RepoView, service: str, keys: tuple[str, ...]) -> list[str]:
    parsed = repo.yaml(f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
    data: object = parsed.data if parsed is not None and parsed.ok else None
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return [item for item in data if isinstance(item, str)] if isinstance(data, list) else []


# --- tree-sitter walks -------------------------------------------------------------------------------------
def function_name(node: Node) -> str | None:
    """The name a function node is known by: `function f`, `const f = () =>`, a method `f() {}`, `f: () =>`."""
    name = node.child_by_field_name("name")
    if name is not None:
        return ts.text_of(name)
    parent = node.parent
    if parent is not None and parent.type == "variable_declarator":
        declared = parent.child_by_field_name("name")
        return ts.text_of(declared) if declared is not None else None
    if parent is not None and parent.type == "pair":
        key = parent.child_by_field_name("key")
        return ts.text_of(key) if key is not None else None
    return None


def enclosing_function_names(node: Node) -> Iterator[str]:
    for function in ts.enclosing_functions(node):
        name = function_name(function)
        if name:
            yield name


def object_string_field(node: Node, key: str) -> str | None:
    """The string value of `key` in an object literal node, or None."""
    node = ts.unwrap(node)
    if node.type != "object":
        return None
    for pair in (c for c in node.named_children if c.type == "pair"):
        key_node = pair.child_by_field_name("key")
        value = pair.child_by_field_name("value")
        if key_node is None or value is None:
            continue
        name = ts.string_value(key_node) if key_node.type == "string" else ts.text_of(key_node)
        if name == key:
            return ts.string_value(ts.unwrap(value))
    return None


def enqueued_events(
    parsed: ts.ParsedTs, within: Node | None = None, *, calls: list[ts.Call] | None = None
) -> list[tuple[str, int]]:
    """Event names passed to `enqueue(tx, { name: "...", ... })` calls (literal names only), with lines. `calls`:
    the file's calls when the caller already has them."""
    found = []
    for call in calls if calls is not None else ts.all_calls(parsed, within):
        if call.callee != platform.KIT_ENQUEUE and not call.callee.endswith(f".{platform.KIT_ENQUEUE}"):
            continue
        for argument in call.arguments:
            name = object_string_field(argument.node, "name")
            if name is not None:
                found.append((name, call.line))
    return found


def _is_enqueue(callee: str) -> bool:
    return callee == platform.KIT_ENQUEUE or callee.endswith(f".{platform.KIT_ENQUEUE}")


@dataclass(frozen=True)
class Publisher:
    """A function that enqueues through its first parameter and opens no transaction of its own — a typed publisher
    helper such as `publishInvoicePaid(tx, brandId, payload)`: its callers' transaction is the one it writes in."""

    name: str
    file: str
    line: int
    events: tuple[str, ...]  # the literal event names it enqueues
    node: Node = field(compare=False, repr=False)  # the function


def publisher_of(parsed: ts.ParsedTs, call: ts.Call) -> tuple[str, Node] | None:
    """(name, function) when `call` (an enqueue) is a publisher's: in a named function, outside any transaction
    scope, writing through that function's first parameter. None otherwise."""
    if not call.arguments or ts.transaction_scope(parsed, call.node) is not None:
        return None
    function = next(ts.enclosing_functions(call.node), None)
    if function is None or ts.compact(call.arguments[0].text) != ts.first_parameter(function):
        return None
    name = ts.function_name(function)
    return (name, function) if name and _only_enqueues_through(function, ts.compact(call.arguments[0].text)) else None


def _only_enqueues_through(function: Node, handle: str) -> bool:
    """Whether the function's only use of its parameter `handle` is as enqueue()'s first argument: a helper that
    does database work of its own through it (`db.query(...)` then `enqueue(db, ...)`) is not a publisher but a
    state change outside a transaction."""
    body = function.child_by_field_name("body")
    for node in ts.walk(body) if body is not None else ():
        if node.type != "identifier" or ts.text_of(node) != handle:
            continue
        arguments = node.parent
        call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
        if call is None or call.type != "call_expression" or not _is_enqueue(ts.callee_of(call)):
            return False
        if arguments is None or arguments.named_children[:1] != [node]:
            return False
    return True


def publishers(files: Mapping[str, ts.ParsedTs]) -> dict[str, Publisher]:
    """The publisher functions of a service's code, by name (the first of a name wins)."""
    found: dict[str, Publisher] = {}
    for path, parsed in files.items():
        for call in ts.calls(parsed, _is_enqueue):
            owner = publisher_of(parsed, call)
            if owner is None:
                continue
            name, function = owner
            event = object_string_field(call.arguments[1].node, "name") if len(call.arguments) > 1 else None
            known = found.get(name)
            if known is not None and known.node != function:
                continue
            events = (known.events if known else ()) + ((event,) if event is not None else ())
            found[name] = Publisher(name, path, ts.line_of(function), events, function)
    return found


def service_publishers(repo: RepoView, service: str) -> dict[str, Publisher]:
    """The publisher functions in services/SERVICE/src (production code). Remembered per view."""

    def compute() -> dict[str, Publisher]:
        files = {}
        for path in code_files(repo, f"{platform.service_dir(service)}/{platform.SERVICE_SRC_DIR}"):
            parsed = source(repo, path)
            if parsed is not None and parsed.error_line is None:
                files[path] = parsed
        return publishers(files)

    return dict(memo(repo, ("publishers", service), compute))


def publisher_calls(
    parsed: ts.ParsedTs, found: Mapping[str, Publisher], within: Node | None = None
) -> list[tuple[ts.Call, Publisher]]:
    """Calls of the publishers `found` (`publishX(...)` or `events.publishX(...)`), outside the publishers."""
    calls = []
    for call in ts.all_calls(parsed, within):
        publisher = found.get(call.callee.rsplit(".", 1)[-1])
        if publisher is None or any(publisher.node == f for f in ts.enclosing_functions(call.node)):
            continue
        calls.append((call, publisher))
    return calls


def emitted_events(parsed: ts.ParsedTs, within: Node | None, found: Mapping[str, Publisher]) -> list[tuple[str, int]]:
    """Event names enqueued below `within`: literal `enqueue(tx, { name })` calls, and calls of publishers."""
    emitted = enqueued_events(parsed, within)
    for call, publisher in publisher_calls(parsed, found, within):
        emitted += [(event, call.line) for event in publisher.events]
    return emitted


def key_values(parsed: ts.ParsedTs, key: str) -> list[tuple[str, int]]:
    """String values given to `key` in object literals (`{ key: "v" }`) and in `.set("key", "v")` /
    `.append("key", "v")` calls (URLSearchParams), with lines."""
    found = []
    for node in ts.walk(parsed.root):
        if node.type == "pair":
            key_node = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if key_node is None or value is None:
                continue
            name = ts.string_value(key_node) if key_node.type == "string" else ts.text_of(key_node)
            text = ts.string_value(ts.unwrap(value))
            if name == key and text is not None:
                found.append((text, ts.line_of(value)))
        elif node.type == "call_expression":
            call = ts.call_of(node)
            pair = call.arguments[:2] if call.callee.endswith((".set", ".append")) else ()
            if len(pair) == 2 and pair[0].string == key and pair[1].string is not None:
                found.append((pair[1].string, call.line))
    return found


def first_difference(expected: str, actual: str) -> int:
    """1-based line of the first difference between two texts."""
    expected_lines, actual_lines = expected.splitlines(), actual.splitlines()
    for index, (want, have) in enumerate(zip(expected_lines, actual_lines, strict=False)):
        if want != have:
            return index + 1
    return min(len(expected_lines), len(actual_lines)) + 1


RouteTable = tuple[list[tuple[str, ts.Route, ts.ParsedTs]], tuple[hono.RouteReadingProblem, ...]]


def _route_table(repo: RepoView, service: str) -> RouteTable:
    return memo(repo, ("route table", service), lambda: _read_route_table(repo, service))


def _read_route_table(repo: RepoView, service: str) -> RouteTable:
    files = {}
    for path in code_files(repo, f"{platform.service_dir(service)}/src"):
        parsed = source(repo, path)
        if parsed is not None and parsed.error_line is None:
            files[path] = parsed
    table = hono.route_table(files)
    # each route at the path it is served under (mounts, base paths); as registered where that is unknown
    return (
        [
            (served.file, replace(served.route, path=served.path or served.route.path), files[served.file])
            for served in table.routes
        ],
        table.problems,
    )


def service_routes(repo: RepoView, service: str) -> list[tuple[str, ts.Route, ts.ParsedTs]]:
    """Every Hono route declared in the service's production code: (file, route, parsed file). Cached per view."""
    return _route_table(repo, service)[0]


def route_not_found(repo: RepoView, service: str, check_id: str, missing: Finding) -> Finding:
    """`missing` (a route was looked for and not found), unless the service has route registrations the verifier
    could not read: then the route may be one of them, and a person has to look (at the first of them)."""
    problems = _route_table(repo, service)[1]
    if not problems:
        return missing
    first = problems[0]
    return Finding(
        check_id,
        Status.NEEDS_HUMAN,
        f"{missing.message}, as far as the verifier can read: {len(problems)} route registration(s) in "
        f"services/{service}/src could not be read (first: {first.reason})",
        file=first.file,
        line=first.line,
        fix=f'check by hand, then record it: scaffold attest {check_id} --by NAME --note "..."',
    )


def find_route(repo: RepoView, service: str, method: str, path: str) -> tuple[str, ts.Route, ts.ParsedTs] | None:
    """The route for `method` (any case) and a Hono path (`/items/:id`) in the service, or None."""
    return next(
        (
            found
            for found in service_routes(repo, service)
            if found[1].method in {method.lower(), "all"} and found[1].path == path
        ),
        None,
    )
