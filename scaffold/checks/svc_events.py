"""SVC / Events: what a service publishes and consumes, and how (SVC-EV-01..04)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import _contracts, check
from scaffold.checks._service import (
    TsFile,
    fail,
    manifest_list,
    manifest_unreadable,
    needs_human,
    not_applicable,
    parse_typescript_files,
    passed,
    sources,
    typescript_files,
)
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject
from scaffold.verify.subjects import event_registry

ENQUEUE = platform.KIT_ENQUEUE
HANDLE_ONCE = platform.KIT_HANDLE_ONCE


@check(
    "SVC-EV-01",
    "Published events registered in `EVENT_SCHEMAS`",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST,),
)
def published_events_registered(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Reads `contracts.events_published` from service.yaml and the keys of `EVENT_SCHEMAS` in
    `packages/contracts/src/events/registry.ts` (tree-sitter), and fails for each published event that is not a
    key. Not applicable when the service publishes nothing.

    Why it matters: `enqueue()` validates every payload against its EVENT_SCHEMAS entry; an unregistered event
    cannot be published (or documented, or subscribed to with a typed payload).

    How to fix: Add the Zod schema to `packages/contracts/src/events/<family>.ts` and register it in
    EVENT_SCHEMAS (`scaffold new event <family>.<what_happened>` does both).
    """
    unreadable = manifest_unreadable("SVC-EV-01", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    published = manifest_list(repo, subject, "contracts", "events_published")
    if not published:
        yield not_applicable("SVC-EV-01", "service.yaml publishes no events (contracts.events_published is empty)")
        return
    registry = event_registry(repo)
    if registry is None:
        parsed = repo.typescript(platform.EVENT_REGISTRY)
        line = parsed.error_line if parsed is not None else None
        what = "is missing" if parsed is None else "has no readable EVENT_SCHEMAS object literal"
        yield fail(
            "SVC-EV-01",
            platform.EVENT_REGISTRY,
            line if line is not None or parsed is None else 1,
            f"{platform.EVENT_REGISTRY} {what}",
            "Restore EVENT_SCHEMAS = { ... } as const in the contracts package.",
        )
        return
    missing = [entry for entry in published if entry.value not in registry]
    for entry in missing:
        yield fail(
            "SVC-EV-01",
            entry.file,
            entry.line,
            f"{entry.value} is published but is not a key of EVENT_SCHEMAS in {platform.EVENT_REGISTRY}",
            f"Register it: `scaffold new event {entry.value}` (or add the schema to EVENT_SCHEMAS by hand).",
        )
    if not missing:
        registered = ", ".join(f"{e.value} (line {registry[e.value].line})" for e in published)
        yield passed("SVC-EV-01", f"registered in {platform.EVENT_REGISTRY}: {registered}", platform.EVENT_REGISTRY)


def handler_file(subject: Subject, event: str) -> str:
    return subject.join(f"{platform.SERVICE_EVENTS_DIR}/{event}.ts")


@check(
    "SVC-EV-02",
    "Subscribed events have handler files in `src/events/`",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST, "src/events/**"),
)
def subscribed_events_have_handlers(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every event in service.yaml `contracts.events_subscribed`, checks that
    `src/events/<event name>.ts` exists. Not applicable when the service subscribes to nothing.

    Why it matters: A subscription without a handler means events are delivered and silently dropped, or pile up
    in the dead-letter queue.

    How to fix: Add `src/events/<event name>.ts` exporting a handler that processes the event through
    `handleOnce(...)` (copy the template's handler), or remove the subscription.
    """
    unreadable = manifest_unreadable("SVC-EV-02", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    subscribed = manifest_list(repo, subject, "contracts", "events_subscribed")
    if not subscribed:
        yield not_applicable("SVC-EV-02", "service.yaml subscribes to no events (contracts.events_subscribed)")
        return
    missing = [entry for entry in subscribed if not repo.exists(handler_file(subject, entry.value))]
    for entry in missing:
        yield fail(
            "SVC-EV-02",
            entry.file,
            entry.line,
            f"{entry.value} is subscribed but {handler_file(subject, entry.value)} does not exist",
            f"Write the handler in {handler_file(subject, entry.value)}, or drop the subscription.",
        )
    if not missing:
        yield passed("SVC-EV-02", f"{len(subscribed)} subscribed events each have a handler file")


@check(
    "SVC-EV-03",
    "Producer writes to outbox in same tx as state change",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**", platform.SERVICE_MANIFEST),
)
def outbox_write_in_same_transaction(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds every `enqueue(tx, event)` call in `src/` and checks that it runs inside a transaction
    and writes through that transaction: lexically inside a `db.transaction(async (tx) => ...)` callback with
    `tx` as its first argument, or in the handler of a route with `transactional(db)` middleware with `c.var.tx`
    as its first argument. A publisher helper — a named function that enqueues through its own first parameter,
    such as `publishInvoicePaid(tx, brandId, payload)` — is checked where it is called, by the same rule. Then
    every event service.yaml lists in `events_published` must be enqueued by some code path: a literal
    `enqueue(tx, { name: "<event>" })`, or a call of a publisher helper that enqueues it. An event only a
    never-called helper publishes counts as not enqueued. When an enqueue() names its event by an expression,
    an event not found otherwise needs a person's look.

    Why it matters: Written outside the state change's transaction, an event can be published for a change that
    rolled back, or lost for one that committed: consumers drift from the truth. An event that is declared but
    never enqueued leaves its subscribers and webhook partners waiting for something that never comes.

    How to fix: Call `enqueue(tx, ...)` (or the event's publisher helper in src/publishers.ts) with the
    transaction that writes the state: inside the `db.transaction(...)` callback, or with `c.var.tx` in a route
    that uses `transactional(db)`. Publish each declared event where its state change happens, or drop it from
    `events_published`.
    """
    files, failures = sources(repo, subject, "SVC-EV-03")
    yield from failures
    helpers = _contracts.publishers({f.path: f.parsed for f in files})
    calls = [(f, call) for f in files for call in ts_parser.calls(f.parsed, ENQUEUE)]
    published = manifest_list(repo, subject, "contracts", "events_published")
    if not calls and not published:
        if not failures:
            yield not_applicable("SVC-EV-03", "the service publishes no events and src/ never calls enqueue()")
        return
    problems = 0
    reached: set[str] = set()
    unnamed: list[tuple[str, int]] = []  # enqueue() calls whose event name is an expression
    checked = 0
    for file, call in calls:
        if _contracts.publisher_of(file.parsed, call) is not None:
            continue  # a publisher helper: checked where it is called
        checked += 1
        problem = _transaction_problem(file, call, f"{ENQUEUE}()")
        if problem is not None:
            problems += 1
            yield problem
        name = _contracts.object_string_field(call.arguments[1].node, "name") if len(call.arguments) > 1 else None
        if name is None:
            unnamed.append((file.path, call.line))
        else:
            reached.add(name)
    for file in files:
        for call, helper in _contracts.publisher_calls(file.parsed, helpers):
            checked += 1
            problem = _transaction_problem(file, call, f"{call.callee}() (it enqueues through its first argument)")
            if problem is not None:
                problems += 1
                yield problem
            reached.update(helper.events)
    for entry in published:
        if entry.value in reached:
            continue
        problems += 1
        if unnamed:
            where = ", ".join(f"{path}:{line}" for path, line in unnamed[:3])
            yield needs_human(
                "SVC-EV-03",
                f"service.yaml publishes {entry.value}; no enqueue() names it, but {len(unnamed)} enqueue() "
                f"call(s) name their event by an expression ({where}): check that one of them publishes it",
                entry.file,
                entry.line,
            )
            continue
        publisher = next((h for h in helpers.values() if entry.value in h.events), None)
        if publisher is not None:
            fix = (
                f"Call {publisher.name}(tx, ...) ({publisher.file}:{publisher.line}) in the transaction that "
                f"changes the state, or drop {entry.value} from events_published."
            )
        else:
            fix = (
                f'Publish it where the state changes: enqueue(tx, {{ name: "{entry.value}", ... }}) in that '
                "transaction, or drop it from events_published."
            )
        yield fail(
            "SVC-EV-03",
            entry.file,
            entry.line,
            f"service.yaml publishes {entry.value}, but no code path in src/ enqueues it"
            + (
                f" ({publisher.name} at {publisher.file}:{publisher.line} is never called)"
                if publisher is not None
                else ""
            ),
            fix,
        )
    if not failures and not problems:
        yield passed(
            "SVC-EV-03",
            f"{checked} enqueue()/publisher call(s), each in the state change's transaction; "
            f"every published event is enqueued",
        )


def _transaction_problem(file: TsFile, call: ts_parser.Call, what: str) -> Finding | None:
    """A fail when `call` does not run in a transaction, or writes through something other than it."""
    parsed, path = file.parsed, file.path
    scope = ts_parser.transaction_scope(parsed, call.node)
    handle = ts_parser.compact(call.arguments[0].text) if call.arguments else ""
    if scope is None:
        return fail(
            "SVC-EV-03",
            path,
            call.line,
            f"{what} runs outside any transaction",
            "Move it into the db.transaction(async (tx) => ...) callback that writes the state, or into a "
            "route that uses transactional(db), and pass that transaction.",
        )
    if handle not in scope.handles:
        expected = " or ".join(sorted(scope.handles))
        return fail(
            "SVC-EV-03",
            path,
            call.line,
            f"{what} runs {scope.reason} but writes through `{handle}`, not the transaction ({expected})",
            f"Pass the transaction: {call.callee}({sorted(scope.handles)[0] if scope.handles else 'tx'}, ...).",
        )
    return None


def _key_object(file: ts_parser.ParsedTs, node: Node) -> ts_parser.Value | None:
    """handleOnce's key argument as a literal: an object literal, or a const in the same file holding one."""
    node = ts_parser.unwrap(node)
    if node.type == "identifier":
        name = ts_parser.text_of(node)
        for candidate in ts_parser.walk(file.root):
            if candidate.type == "variable_declarator":
                declared = candidate.child_by_field_name("name")
                value = candidate.child_by_field_name("value")
                if declared is not None and value is not None and ts_parser.text_of(declared) == name:
                    node = ts_parser.unwrap(value)
                    break
    return ts_parser.literal_value(node) if node.type == "object" else None


@check(
    "SVC-EV-04",
    "Consumer dedupes by event ID + handler scope",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/events/**",),
)
def consumers_dedupe(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every handler file in `src/events/`, checks that it calls
    `handleOnce(db, { eventId, handlerScope, brandId }, fn)` with both `eventId` and `handlerScope` in the key
    (a non-empty string when handlerScope is a literal). Not applicable when `src/events/` holds no handler.

    Why it matters: Delivery is at least once. Without dedupe on (event id, handler scope) a redelivered event is
    applied twice — a double count, a second email, a second charge.

    How to fix: Wrap the handler's work: `handleOnce(db, { eventId: event.id, handlerScope:
    "<service>.<what>", brandId: event.brandId }, (tx) => ...)`.
    """
    files, failures = parse_typescript_files(
        repo, "SVC-EV-04", typescript_files(repo, subject, platform.SERVICE_EVENTS_DIR)
    )
    yield from failures
    if not files and not failures:
        yield not_applicable("SVC-EV-04", f"{subject.join(platform.SERVICE_EVENTS_DIR)}/ holds no event handler")
        return
    problems = 0
    for file in files:
        calls = ts_parser.calls(file.parsed, HANDLE_ONCE)
        if not calls:
            problems += 1
            yield fail(
                "SVC-EV-04",
                file.path,
                1,
                f"{file.path} never calls {HANDLE_ONCE}(...)",
                'Process the event through handleOnce(db, { eventId: event.id, handlerScope: "<scope>", brandId }, '
                "(tx) => ...).",
            )
            continue
        for call in calls:
            key = _key_object(file.parsed, call.arguments[1].node) if len(call.arguments) > 1 else None
            fields = key.value if key is not None and isinstance(key.value, dict) else {}
            scope = fields.get("handlerScope")
            missing = [name for name in ("eventId", "handlerScope") if name not in fields]
            if scope is not None and scope.value == "":
                missing.append("a non-empty handlerScope")
            if missing:
                problems += 1
                yield fail(
                    "SVC-EV-04",
                    file.path,
                    call.line,
                    f"{HANDLE_ONCE}() key lacks {', '.join(missing)}",
                    'Pass { eventId: event.id, handlerScope: "<service>.<what>", brandId } as the key.',
                )
    if not failures and not problems:
        yield passed("SVC-EV-04", f"{len(files)} handlers dedupe through handleOnce(eventId, handlerScope)")
