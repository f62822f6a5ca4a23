"""EVT — a new event: its Zod schema, its registration, the generated names and page, its publisher and tests.

Subjects are events (scaffold/verify/subjects.py): every key of EVENT_SCHEMAS plus every event a service.yaml
publishes. Conventions read here (docs/LAYOUT.md): `EVENT_SCHEMAS = { "family.what": family.schemaExport, ... }`
in packages/contracts/src/events/registry.ts with `import * as family from "./family"` (named imports work too),
and each schema exported from packages/contracts/src/events/<family>.ts as `export const x = z.object({...})`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._cache import memo
from scaffold.checks._contracts import (
    code_files,
    enqueued_events,
    first_difference,
    object_string_field,
    scopes,
    service_manifest_values,
    services_listing,
    source,
    unreadable,
    webhook_filters,
)
from scaffold.generated_files import EventDoc, render_event_names, render_event_page
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject, derives
from scaffold.verify.subjects import UNREADABLE, endpoints, event_registry, published_events

EVENT_NAME = re.compile(r"^[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*$")
_ZOD_OBJECT_CALLEES = frozenset({"z.object", "z.strictObject", "z.looseObject"})


def family_of(name: str) -> str:
    return name.split(".", 1)[0]


def default_export_name(name: str) -> str:
    """`billing.item_created` → `itemCreated`: the export `scaffold event` writes."""
    first, *rest = name.split(".", 1)[-1].split("_")
    return first + "".join(word.capitalize() for word in rest)


# --- resolving an event to its schema ----------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaRef:
    file: str  # repo-relative family file
    export: str
    registry_line: int | None  # the EVENT_SCHEMAS entry, when registered


@dataclass(frozen=True)
class Schema:
    ref: SchemaRef
    line: int
    source: str  # the whole `export const ... ;` statement
    is_zod_object: bool


def _registry_failure(check_id: str, repo: RepoView) -> Finding:
    parsed = repo.typescript(platform.EVENT_REGISTRY)
    if parsed is not None and parsed.error_line is not None:
        return unreadable(check_id, platform.EVENT_REGISTRY, parsed.error_line)
    return Finding(
        check_id,
        Status.FAIL,
        "no `export const EVENT_SCHEMAS = { ... }` object literal in the registry",
        file=platform.EVENT_REGISTRY,
        line=1,
        fix='declare EVENT_SCHEMAS as an object literal of `"family.event": family.schema` entries',
    )


def schema_ref(repo: RepoView, name: str) -> SchemaRef | str:
    """Where the event's schema should live, or why that cannot be told."""
    registry = event_registry(repo) or {}
    entry = registry.get(name)
    if entry is None:
        return SchemaRef(platform.event_family_file(family_of(name)), default_export_name(name), None)
    plain = entry.plain()
    reference = ts.compact(plain if isinstance(plain, str) else "")
    parsed = repo.typescript(platform.EVENT_REGISTRY)
    modules: dict[str, tuple[str, str]] = {}  # local name → (module, imported name or "*")
    for declaration in ts.imports(parsed) if parsed is not None else []:
        for local, imported in declaration.names.items():
            modules[local] = (declaration.module, imported)
    head, _, tail = reference.partition(".")
    module, imported = modules.get(head, ("", ""))
    if not module.startswith("./"):
        return f"its EVENT_SCHEMAS value `{reference}` is not a schema imported from a family file under src/events/"
    export = tail if imported == "*" else imported
    if not export or (imported != "*" and tail):
        return f"its EVENT_SCHEMAS value `{reference}` does not name one exported schema"
    file = f"{platform.CONTRACTS_EVENTS_DIR}/{module[2:].removesuffix('.js').removesuffix('.ts')}.ts"
    return SchemaRef(file, export, entry.line)


# Methods of a zod object that give another zod object: `base.extend({...})`, `a.merge(b)`, `a.pick({...})`, ...
_ZOD_OBJECT_DERIVATIONS = frozenset({"extend", "merge", "safeExtend", "pick", "omit", "partial", "required"})


def _zod_object_root(node: Node, consts: dict[str, Node] | None = None, seen: frozenset[str] = frozenset()) -> bool:
    """Whether the expression is `z.object({...})`, possibly followed by `.strict()`, `.describe()`, ..., or a
    derivation (`.extend({...})`, `.merge(...)`, `.pick(...)`) of a const of the file that is one."""
    node = ts.unwrap(node)
    derived = False
    while node.type == "call_expression":
        if ts.callee_of(node) in _ZOD_OBJECT_CALLEES:
            return True
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return False
        method = function.child_by_field_name("property")
        derived = derived or (method is not None and ts.text_of(method) in _ZOD_OBJECT_DERIVATIONS)
        node = ts.unwrap(function.child_by_field_name("object") or function)
    if derived and node.type == "identifier" and consts is not None:
        name = ts.text_of(node)
        base = consts.get(name)
        return base is not None and name not in seen and _zod_object_root(base, consts, seen | {name})
    return False


def _local_consts(parsed: ts.ParsedTs) -> dict[str, tuple[Node, Node]]:
    """Top-level consts, exported or not: name -> (value, statement)."""
    found: dict[str, tuple[Node, Node]] = {}
    for statement in parsed.root.named_children:
        exported = statement.type == "export_statement"
        declaration = statement.child_by_field_name("declaration") if exported else statement
        if declaration is None or declaration.type != "lexical_declaration":
            continue
        for declarator in (d for d in declaration.named_children if d.type == "variable_declarator"):
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is not None and value is not None:
                found.setdefault(ts.text_of(name), (value, statement))
    return found


def _exported_as(parsed: ts.ParsedTs, export: str) -> tuple[str, Node] | None:
    """The local name behind an export (`export const x`, or `export { local as x }`) and its export statement."""
    for statement in parsed.root.named_children:
        if statement.type != "export_statement":
            continue
        declaration = statement.child_by_field_name("declaration")
        if declaration is not None and declaration.type == "lexical_declaration":
            for declarator in (d for d in declaration.named_children if d.type == "variable_declarator"):
                name = declarator.child_by_field_name("name")
                if name is not None and ts.text_of(name) == export:
                    return export, statement
        for clause in (c for c in statement.named_children if c.type == "export_clause"):
            if any(c.type == "string" for c in statement.named_children):
                continue  # `export { x } from "./other"`: not declared here
            for spec in (c for c in clause.named_children if c.type == "export_specifier"):
                local = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                if local is not None and ts.text_of(alias or local) == export:
                    return ts.text_of(local), statement
    return None


def find_schema(repo: RepoView, ref: SchemaRef) -> Schema | None:
    parsed = repo.typescript(ref.file)
    if parsed is None or parsed.error_line is not None:
        return None
    exported = _exported_as(parsed, ref.export)
    consts = _local_consts(parsed)
    if exported is None or exported[0] not in consts:
        return None
    local, export_statement = exported
    value, statement = consts[local]
    values = {name: node for name, (node, _) in consts.items()}
    # The page shows what a reader needs: the declarations the schema is built from, in file order.
    used = [statement]
    pending = [value]
    while pending:
        for identifier in ts.nodes(parsed, "identifier", within=pending.pop()):
            base = consts.get(ts.text_of(identifier))
            if base is not None and base[1] not in used:
                used.append(base[1])
                pending.append(base[0])
    if export_statement not in used:
        used.append(export_statement)
    source = "\n".join(ts.text_of(s) for s in sorted(used, key=lambda s: s.start_byte))
    return Schema(ref, ts.line_of(statement), source, _zod_object_root(value, values, frozenset({local})))


def _where_listed(repo: RepoView, name: str) -> tuple[str, int | None]:
    """Where an event shows up first: its registry entry, else the first service.yaml publishing it."""
    entry = (event_registry(repo) or {}).get(name)
    if entry is not None:
        return platform.EVENT_REGISTRY, entry.line
    places = published_events(repo).get(name)
    return places[0] if places else (platform.EVENT_REGISTRY, 1)


# --- EVT-01 --------------------------------------------------------------------------------------------------
@check(
    "EVT-01",
    "Schema added to `packages/contracts/src/events/<family>.ts` as a Zod schema",
    mode="auto",
    kind=Kind.EVENT,
)
def schema_is_zod_object_in_family_file(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Follows the event's EVENT_SCHEMAS entry to its import and checks that
    `packages/contracts/src/events/<family>.ts` (the family is the part of the name before the dot) exports that
    name as a `z.object(...)` schema. An unregistered event is looked up under the export `scaffold event` would
    write (`billing.item_created` → `itemCreated`).

    Why it matters: Producers validate the payload against this schema when they enqueue, consumers parse with
    it, and the docs and SDKs are generated from it; a schema outside its family file, or not an object schema,
    breaks all three.

    How to fix: Export `export const itemCreated = z.object({ ... })` from the family file and point the
    EVENT_SCHEMAS entry at it (`"billing.item_created": billing.itemCreated`); `scaffold event` writes both.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-01", repo)]
    ref = schema_ref(repo, subject.name)
    if isinstance(ref, str):
        file, line = _where_listed(repo, subject.name)
        return [
            Finding(
                "EVT-01",
                Status.FAIL,
                f"{subject.name}: {ref}",
                file=file,
                line=line,
                fix="import the family file as a namespace and reference `family.schemaExport`",
            )
        ]
    expected_file = platform.event_family_file(family_of(subject.name))
    if ref.file != expected_file:
        return [
            Finding(
                "EVT-01",
                Status.FAIL,
                f"{subject.name}'s schema comes from {ref.file}, not its family file {expected_file}",
                file=platform.EVENT_REGISTRY,
                line=ref.registry_line,
                fix=f"move the schema to {expected_file} and import it from there",
            )
        ]
    parsed = repo.typescript(ref.file)
    if parsed is None:
        file, line = _where_listed(repo, subject.name)
        return [
            Finding(
                "EVT-01",
                Status.FAIL,
                f"{ref.file} does not exist",
                file=file,
                line=line,
                fix=f"create {ref.file} with `export const {ref.export} = z.object({{ ... }});`",
            )
        ]
    if parsed.error_line is not None:
        return [unreadable("EVT-01", ref.file, parsed.error_line)]
    schema = find_schema(repo, ref)
    if schema is None:
        file, line = _where_listed(repo, subject.name)
        return [
            Finding(
                "EVT-01",
                Status.FAIL,
                f"{ref.file} exports no `{ref.export}` for {subject.name}",
                file=file,
                line=line,
                fix=f"add `export const {ref.export} = z.object({{ ... }});` to {ref.file}",
            )
        ]
    if not schema.is_zod_object:
        return [
            Finding(
                "EVT-01",
                Status.FAIL,
                f"`{ref.export}` in {ref.file} is not a `z.object(...)` schema",
                file=ref.file,
                line=schema.line,
                fix="declare the payload as `z.object({ ... })` (chained `.strict()` etc. are fine)",
            )
        ]
    return [Finding("EVT-01", Status.PASS, f"`{ref.export}` is a z.object schema", file=ref.file, line=schema.line)]


# --- EVT-02 --------------------------------------------------------------------------------------------------
@check("EVT-02", "Registered in `EVENT_SCHEMAS`", mode="auto", kind=Kind.EVENT)
def registered_in_event_schemas(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the event is a key of EVENT_SCHEMAS in packages/contracts/src/events/registry.ts,
    named `family.what_happened` (lower case; kebab-case family, snake_case event). Events a service.yaml
    publishes are checked too, so a published-but-unregistered event fails here.

    Why it matters: `enqueue` validates against EVENT_SCHEMAS and rejects unknown names at run time; EVENT_NAMES,
    the event pages and the webhook filters are all derived from its keys.

    How to fix: Add `"family.what_happened": family.schemaExport,` to EVENT_SCHEMAS (`scaffold event` does it),
    then run `pnpm --filter @platform/contracts gen`.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-02", repo)]
    entry = (event_registry(repo) or {}).get(subject.name)
    if entry is None:
        file, line = _where_listed(repo, subject.name)
        return [
            Finding(
                "EVT-02",
                Status.FAIL,
                f"{subject.name} is published here but not registered in EVENT_SCHEMAS",
                file=file,
                line=line,
                fix=f'add `"{subject.name}": {family_of(subject.name)}.{default_export_name(subject.name)},`'
                f" to EVENT_SCHEMAS in {platform.EVENT_REGISTRY}",
            )
        ]
    if not EVENT_NAME.match(subject.name):
        return [
            Finding(
                "EVT-02",
                Status.FAIL,
                f"`{subject.name}` is not named `family.what_happened`",
                file=platform.EVENT_REGISTRY,
                line=entry.line,
                fix="rename it: lower-case kebab-case family, a dot, a snake_case past-tense event",
            )
        ]
    return [
        Finding("EVT-02", Status.PASS, "registered in EVENT_SCHEMAS", file=platform.EVENT_REGISTRY, line=entry.line)
    ]


# --- EVT-03 --------------------------------------------------------------------------------------------------
@check(
    "EVT-03",
    "`EVENT_NAMES` regenerated (`pnpm --filter @platform/contracts gen`)",
    mode="auto (drift)",
    kind=Kind.EVENT,
    fixable=True,
)
def event_names_regenerated(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Regenerates packages/contracts/src/events/names.generated.ts from the keys of EVENT_SCHEMAS
    (the same bytes as `pnpm --filter @platform/contracts gen`) and compares it with the committed file.

    Why it matters: EVENT_NAMES is what consumers, the SDKs and the webhook UI list; a stale copy hides the new
    event from them while the contracts test fails in CI.

    How to fix: Run `pnpm --filter @platform/contracts gen` (or `scaffold verify --fix`, which
    writes the same file).
    """
    registry = event_registry(repo)
    if registry is None or subject.name == UNREADABLE:
        return [_registry_failure("EVT-03", repo)]
    if subject.name not in registry:
        return [
            Finding(
                "EVT-03",
                Status.NOT_APPLICABLE,
                f"{subject.name} is not in EVENT_SCHEMAS (see EVT-02), so EVENT_NAMES cannot list it yet",
            )
        ]
    expected = memo(repo, "event names", lambda: render_event_names(list(registry)))  # one file for all events
    actual = repo.read_text(platform.EVENT_NAMES)
    fix = "run `pnpm --filter @platform/contracts gen` and commit names.generated.ts"
    if actual is None:
        return [
            Finding("EVT-03", Status.FAIL, "names.generated.ts is missing", file=platform.EVENT_NAMES, line=1, fix=fix)
        ]
    if actual != expected:
        missing = f'"{subject.name}"' not in actual
        detail = f"it does not list {subject.name}" if missing else "it differs from the regenerated file"
        return [
            Finding(
                "EVT-03",
                Status.FAIL,
                f"names.generated.ts is out of date: {detail}",
                file=platform.EVENT_NAMES,
                line=first_difference(expected, actual),
                fix=fix,
            )
        ]
    return [Finding("EVT-03", Status.PASS, "names.generated.ts matches EVENT_SCHEMAS", file=platform.EVENT_NAMES)]


# --- EVT-04 --------------------------------------------------------------------------------------------------
def schema_value(repo: RepoView, name: str) -> Node | str:
    """The expression the event's schema is declared with (`z.object({...})`), or why it cannot be found."""
    ref = schema_ref(repo, name)
    if isinstance(ref, str):
        return ref
    parsed = repo.typescript(ref.file)
    if parsed is None or parsed.error_line is not None:
        return f"{ref.file} is missing or not valid TypeScript"
    exported = _exported_as(parsed, ref.export)
    consts = _local_consts(parsed)
    if exported is None or exported[0] not in consts:
        return f"{ref.file} does not export `{ref.export}`"
    return consts[exported[0]][0]


def code_publishers(repo: RepoView, name: str) -> dict[str, tuple[str, int]]:
    """Services whose production code enqueues `name` (literal), with the first place they do."""
    return memo(repo, "enqueued events", lambda: _enqueued_events(repo)).get(name, {})


def _enqueued_events(repo: RepoView) -> dict[str, dict[str, tuple[str, int]]]:
    """One pass over every service's code, shared by all events."""
    index: dict[str, dict[str, tuple[str, int]]] = {}
    for service in repo.service_names:
        for path in code_files(repo, f"{platform.service_dir(service)}/src"):
            for event, line in repo.fact(FILE_ENQUEUES, path):
                index.setdefault(event, {}).setdefault(service, (path, line))
    return index


FILE_ENQUEUES = "enqueued events"


@derives(FILE_ENQUEUES)
def _file_enqueues(repo: RepoView, path: str) -> tuple[tuple[str, int], ...]:
    """The events one file enqueues (literal names), with lines."""
    if platform.KIT_ENQUEUE not in (repo.read_text(path) or ""):
        return ()  # cannot call `enqueue`: not parsed, as the engine splits services between processes
    parsed = source(repo, path)
    if parsed is None or parsed.error_line is not None:
        return ()
    return tuple(enqueued_events(parsed))


_PUBLISHED = ("events_published",)
_SUBSCRIBED = ("events_subscribed",)


def publishers(repo: RepoView, name: str) -> set[str]:
    """Every service that lists, enqueues, or is named after the family of the event."""
    listed = set(services_listing(repo, name, "contracts", *_PUBLISHED))
    family = family_of(name)
    return listed | set(code_publishers(repo, name)) | ({family} if repo.has_service(family) else set())


@check("EVT-04", "Publisher's `service.yaml` `events_published` updated", mode="auto", kind=Kind.EVENT)
def publisher_lists_event(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Finds the event's publishers — the service named after its family, and every service whose
    code enqueues it (`enqueue(tx, { name: "<event>", ... })`) — and checks that each lists the event under
    `contracts.events_published` in its service.yaml. Fails when no service publishes it at all. Events of the
    `platform` family (e.g. `platform.heartbeat`, sent by every service's smoke test) have no single publisher
    and are not applicable.

    Why it matters: events_published feeds the service catalog, the event pages and the consumer-impact review;
    an unlisted publisher is invisible to the teams that subscribe.

    How to fix: Add the event under `contracts.events_published` in the publishing service's service.yaml.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-04", repo)]
    family = family_of(subject.name)
    if family == platform.PLATFORM_EVENT_FAMILY:
        return [
            Finding(
                "EVT-04",
                Status.NOT_APPLICABLE,
                f"`{family}.*` events are sent by every service's smoke test, not published by one service",
            )
        ]
    enqueuing = code_publishers(repo, subject.name)
    candidates = publishers(repo, subject.name)
    if not candidates:
        file, line = _where_listed(repo, subject.name)
        return [
            Finding(
                "EVT-04",
                Status.FAIL,
                f"no service publishes {subject.name}",
                file=file,
                line=line,
                fix=f"add {subject.name} to `contracts.events_published` of the service that enqueues it",
            )
        ]
    findings = []
    for service in sorted(candidates):
        manifest = f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}"
        if subject.name in service_manifest_values(repo, service, "contracts", "events_published"):
            findings.append(Finding("EVT-04", Status.PASS, f"{service} lists it in events_published", file=manifest))
            continue
        parsed = repo.yaml(manifest)
        line = parsed.line_of(("contracts", "events_published")) if parsed is not None and parsed.ok else 1
        why = (
            f"enqueues it at {enqueuing[service][0]}:{enqueuing[service][1]}"
            if service in enqueuing
            else f"is the `{family}` family's service"
        )
        findings.append(
            Finding(
                "EVT-04",
                Status.FAIL,
                f"{service} {why} but its service.yaml does not list it",
                file=manifest,
                line=line,
                fix=f"add `- {subject.name}` under contracts.events_published in {manifest}",
            )
        )
    return findings


# --- EVT-05 --------------------------------------------------------------------------------------------------
_PARSE_METHODS = (".parse", ".safeParse", ".parseAsync", ".safeParseAsync")


def _schema_expressions(repo: RepoView, name: str) -> set[str]:
    """How a test may spell the schema: EVENT_SCHEMAS["name"], family.export, or the bare export."""
    spellings = {f'EVENT_SCHEMAS["{name}"]', f"EVENT_SCHEMAS['{name}']"}
    ref = schema_ref(repo, name)
    if isinstance(ref, SchemaRef):
        stem = ref.file.rsplit("/", 1)[-1].removesuffix(".ts")
        spellings |= {ref.export, f"{stem}.{ref.export}", f"{family_of(name)}.{ref.export}"}
    return spellings


@dataclass(frozen=True)
class TestEvidence:
    """One thing a test file does that can show a schema accepts a payload."""

    kind: str  # "parse": `subject` is the parsed expression; "event": `subject` is an enqueued/asserted event name
    subject: str
    line: int
    how: str


def _parse_method(callee: str) -> str | None:
    """The schema method `callee` ends with (`.parse`, `.safeParse`, ...), else None. One endswith over the tuple
    rules out most callees at once, and a test file is mostly calls."""
    if not callee.endswith(_PARSE_METHODS):
        return None
    return next(m for m in _PARSE_METHODS if callee.endswith(m))


def test_evidence(repo: RepoView, path: str) -> list[TestEvidence]:
    """Schema parses, enqueues and published-event assertions in one test file (computed once per view)."""
    return memo(repo, ("test evidence", path), lambda: _test_evidence(repo, path))


def _test_evidence(repo: RepoView, path: str) -> list[TestEvidence]:
    parsed = source(repo, path)
    found: list[TestEvidence] = []
    if parsed is not None and parsed.error_line is None:
        calls = ts.all_calls(parsed)
        for call in calls:
            method = _parse_method(call.callee)
            if method and call.arguments:
                found.append(TestEvidence("parse", call.callee[: -len(method)], call.line, f"{call.callee}(...)"))
        enqueued = enqueued_events(parsed, calls=calls)
        found += [TestEvidence("event", event, line, "enqueue(...)") for event, line in enqueued]
        found += [
            TestEvidence("event", event, line, "an assertion on the published event")
            for event, line in published_assertions(calls)
        ]
    return found


def payload_assertions(repo: RepoView, name: str) -> list[tuple[str, int, str]]:
    """(test file, line, how) of every test that parses a payload with the event's schema, enqueues the event, or
    asserts on the event its producer published."""
    spellings = _schema_expressions(repo, name)
    folders = [platform.CONTRACTS_DIR] + [platform.service_dir(s) for s in sorted(publishers(repo, name))]
    found = []
    for folder in folders:
        for path in code_files(repo, folder, tests=True):
            for item in test_evidence(repo, path):
                wanted = item.subject in spellings if item.kind == "parse" else item.subject == name
                if wanted:
                    found.append((path, item.line, item.how))
    return found


def published_assertions(calls: list[ts.Call]) -> list[tuple[str, int]]:
    """`expect(...).toMatchObject([{ name: "<event>", ... }])`-style assertions, as (event, line): the producer ran
    (its enqueue validated the payload against EVENT_SCHEMAS) and the test checks what it published."""
    found = []
    for call in calls:
        if not call.callee.startswith("expect("):
            continue
        for argument in call.arguments:
            for node in ts.walk(argument.node):
                # The event's name is what matters: enqueue() already ran the payload through EVENT_SCHEMAS, so
                # an assertion on `{ name: "<event>", ... }` shows it was accepted, whether or not it also spells
                # `payload:` (shorthand `payload`, a separate expect on `event.payload`, or none).
                name = object_string_field(node, "name") if node.type == "object" else None
                if name is not None:
                    found.append((name, ts.line_of(node)))
    return found


@check(
    "EVT-05", "At least one test asserts the schema accepts the producer's payload shape", mode="auto", kind=Kind.EVENT
)
def schema_accepts_producer_payload(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks in packages/contracts tests and the publishers' tests for a call that runs the event's
    schema on a payload — `EVENT_SCHEMAS["<event>"].parse(payload)`, `family.schema.safeParse(payload)`, ... —,
    that enqueues the event, or that asserts on the event the producer published
    (`expect(published).toMatchObject([{ name: "<event>", ... }])`, with or without `payload`): `enqueue`
    validates the payload against EVENT_SCHEMAS, so both show the schema accepts it.

    Why it matters: A schema no producer payload was ever run through drifts from what the producer sends, and
    the first mismatch shows up as a rejected publish in production.

    How to fix: Add a test that builds the payload exactly as the producer does and asserts
    `EVENT_SCHEMAS["<event>"].parse(payload)` accepts it (or that the producer's route enqueues it).
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-05", repo)]
    found = payload_assertions(repo, subject.name)
    if found:
        test_file, test_line, how = found[0]
        return [Finding("EVT-05", Status.PASS, f"{how} in a test", file=test_file, line=test_line)]
    file, line = _where_listed(repo, subject.name)
    return [
        Finding(
            "EVT-05",
            Status.FAIL,
            f"no test parses a {subject.name} payload with its schema or enqueues it",
            file=file,
            line=line,
            fix=f'add a test asserting `EVENT_SCHEMAS["{subject.name}"].parse(<producer payload>)` accepts '
            "the payload the producer builds",
        )
    ]


# --- EVT-06 --------------------------------------------------------------------------------------------------
def event_doc(repo: RepoView, name: str) -> EventDoc | None:
    """What the event's reference page is generated from; None when its schema cannot be found (EVT-01)."""
    ref = schema_ref(repo, name)
    if isinstance(ref, str):
        return None
    schema = find_schema(repo, ref)
    if schema is None:
        return None
    return EventDoc(
        name=name,
        schema_file=ref.file,
        schema_export=ref.export,
        schema_source=schema.source,
        publishers=services_listing(repo, name, "contracts", *_PUBLISHED),
        subscribers=services_listing(repo, name, "contracts", *_SUBSCRIBED),
        webhook=name in (webhook_filters(repo) or {}),
    )


def event_page_path(name: str) -> str:
    return f"{platform.DOCS_EVENTS}/{name}.md"


@check("EVT-06", "Event reference page auto-generated", mode="auto (drift)", kind=Kind.EVENT, fixable=True)
def event_page_generated(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Regenerates docs/events/<event>.md from the schema, the services that publish and subscribe
    to it (service.yaml) and the webhook filters, and compares it with the committed page.

    Why it matters: Consumers read the page to learn the payload; a missing or stale page is how a consumer ends
    up parsing a field that was renamed a month ago.

    How to fix: Run `scaffold verify --fix` and commit docs/events/<event>.md.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-06", repo)]
    page = event_page_path(subject.name)
    doc = event_doc(repo, subject.name)
    if doc is None:
        return [
            Finding(
                "EVT-06",
                Status.FAIL,
                f"the page cannot be generated: {subject.name}'s schema is not found (see EVT-01)",
                file=page,
                line=1,
                fix="fix EVT-01, then run `scaffold verify --fix`",
            )
        ]
    expected = render_event_page(doc)
    actual = repo.read_text(page)
    if actual is None:
        return [
            Finding(
                "EVT-06",
                Status.FAIL,
                f"{page} is missing",
                file=page,
                line=1,
                fix="run `scaffold verify --fix` and commit the page",
            )
        ]
    if actual != expected:
        return [
            Finding(
                "EVT-06",
                Status.FAIL,
                f"{page} is out of date",
                file=page,
                line=first_difference(expected, actual),
                fix="run `scaffold verify --fix` and commit the page",
            )
        ]
    return [Finding("EVT-06", Status.PASS, "the event page is up to date", file=page)]


# --- EVT-07 --------------------------------------------------------------------------------------------------
def events_scope(name: str) -> str:
    """The scope a third-party app needs to receive a family's events as webhooks."""
    return f"{family_of(name)}:events"


def webhook_mentions(repo: RepoView, name: str) -> list[tuple[str, int | None]]:
    """Third-party operations that declare the event in `x-platform-webhooks`, as (openapi file, line)."""
    found = []
    for endpoint in endpoints(repo):
        declared = endpoint.raw.get(platform.WEBHOOKS_KEY)
        if isinstance(declared, list) and name in declared:
            found.append((endpoint.openapi_file, endpoint.operation.line))
    return found


@check("EVT-07", "If user-facing: scope it appropriately + add to webhook event filters", mode="auto", kind=Kind.EVENT)
def user_facing_event_scoped_and_filtered(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: An event is user-facing when it is in WEBHOOK_EVENT_FILTERS
    (packages/contracts/src/webhooks.ts) or a third-party operation lists it in `x-platform-webhooks`. A
    user-facing event must be in WEBHOOK_EVENT_FILTERS, and SCOPES (packages/scopes) must have the family's
    `<family>:events` scope that a third-party app needs to receive it. Other events are not applicable.

    Why it matters: Without the filter entry apps cannot subscribe; without the scope any app could receive
    another product's events, including ones that carry PHI.

    How to fix: Add `"<event>",` to WEBHOOK_EVENT_FILTERS and `"<family>:events": { description, returnsPhi }`
    to SCOPES.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("EVT-07", repo)]
    filters = webhook_filters(repo)
    if filters is None:
        parsed = repo.typescript(platform.WEBHOOK_FILTERS)
        if parsed is not None and parsed.error_line is not None:
            return [unreadable("EVT-07", platform.WEBHOOK_FILTERS, parsed.error_line)]
        filters = {}
    mentions = webhook_mentions(repo, subject.name)
    if subject.name not in filters and not mentions:
        return [
            Finding(
                "EVT-07",
                Status.NOT_APPLICABLE,
                "not user-facing: not in WEBHOOK_EVENT_FILTERS and no third-party endpoint emits it as a webhook",
            )
        ]
    findings = []
    if subject.name not in filters:
        file, line = mentions[0]
        findings.append(
            Finding(
                "EVT-07",
                Status.FAIL,
                f"a third-party endpoint emits {subject.name} as a webhook, but it is not in WEBHOOK_EVENT_FILTERS",
                file=file,
                line=line,
                fix=f'add `"{subject.name}",` to WEBHOOK_EVENT_FILTERS in {platform.WEBHOOK_FILTERS}',
            )
        )
    scope = events_scope(subject.name)
    known = scopes(repo)
    if known is None or scope not in known:
        findings.append(
            Finding(
                "EVT-07",
                Status.FAIL,
                f"user-facing event without the `{scope}` scope in SCOPES",
                file=platform.WEBHOOK_FILTERS,
                line=filters.get(subject.name, 1),
                fix=f'add `"{scope}": {{ description: "...", returnsPhi: ... }}` to SCOPES in '
                f"{platform.SCOPES_REGISTRY}",
            )
        )
    return findings or [
        Finding(
            "EVT-07",
            Status.PASS,
            f"in WEBHOOK_EVENT_FILTERS, scoped by `{scope}`",
            file=platform.WEBHOOK_FILTERS,
            line=filters[subject.name],
        )
    ]


def derived_files(repo: RepoView) -> dict[str, str]:
    """What EVT-03 and EVT-06 compare against, by path: names.generated.ts and each registered event's page
    (for `scaffold verify --fix` and the generators)."""
    registry = event_registry(repo)
    if registry is None:
        return {}
    files = {platform.EVENT_NAMES: render_event_names(list(registry))}
    for name in registry:
        doc = event_doc(repo, name)
        if doc is not None:
            files[event_page_path(name)] = render_event_page(doc)
    return files
