"""SVC / Code: the shape, manifest, API document and code conventions of one service (SVC-CODE-01..10)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping

from tree_sitter import Node

from scaffold import platform, zod_gen
from scaffold.checks import check
from scaffold.checks._contracts import first_difference
from scaffold.checks._schemas import manifest_schema
from scaffold.checks._service import (
    RouteAt,
    TsFile,
    app_level_middleware,
    brand_scope_is_global,
    fail,
    handler_sets,
    live_tables,
    manifest,
    manifest_data,
    manifest_list,
    manifest_path,
    manifest_unreadable,
    migrations,
    needs_human,
    not_applicable,
    openapi_path,
    passed,
    route_reading_problems,
    service_routes,
    sources,
)
from scaffold.parsers import manifests as manifest_parser
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import sql as sql_parser
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject

CONFLICT_MARKER = "<<<<<<<"
MAX_SCANNED_BYTES = 1_000_000
LOG_OBJECTS = frozenset({"log", "logger", "console"})
LOG_METHODS = frozenset({"info", "warn", "error", "debug", "trace", "fatal", "log"})
# Request and process metadata that never carries PHI, allowed in log fields without safeView().
SAFE_LOG_PROPERTIES = frozenset({"method", "routePath", "port", "stage", "status", "statusCode"})
# An error's class name and code (e.g. a SQLSTATE) identify it without its message, which can quote row values.
SAFE_ERROR_FIELDS = frozenset({"name", "code"})
ERROR_NAMES = frozenset({"error", "err", "e", "cause"})
# Opaque identifiers the platform generates (`id`, `visitId`, `brand_id`) and counts (`rows.length`, `total`)
# say which record and how many, never what is in it: LAYOUT.md's log allowlist names them.
_ID_NAME = re.compile(r"^(?:id|ids|uuid)$|[a-z0-9](?:Id|Ids|ID|Uuid)$|_(?:id|ids|uuid)$")
_COUNT_NAME = re.compile(
    r"^(?:count|total|limit|offset|size|length|attempts|retries|page|pages|batch|n)$"
    r"|[a-z0-9](?:Count|Total|Size|Ms|Seconds)$|_(?:count|total|size|ms|seconds)$"
)
# Names that are PHI (or a direct identifier under HIPAA) even when they look like an id or a count.
_PHI_WORD = re.compile(r"ssn|mrn|email|phone|name|birth|dob|address|diagnos|insurance|member", re.IGNORECASE)


def is_id_or_count(name: str) -> bool:
    """Whether a variable or property name says it holds an opaque id or a count (SVC-CODE-08's allowlist)."""
    return bool(_ID_NAME.search(name) or _COUNT_NAME.search(name)) and not _PHI_WORD.search(name)


FETCH_CALLEES = frozenset({"fetch", "globalThis.fetch", "window.fetch"})
CIRCUIT_BREAKER = platform.KIT_CIRCUIT_BREAKER


# --- SVC-CODE-01 -------------------------------------------------------------------------------------------
@check(
    "SVC-CODE-01",
    "Service follows `services/_template` shape (ADR-0037)",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("**",),
)
def service_follows_template_shape(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks that every path listed in `services/_template/shape.yaml` exists in the service folder
    (paths ending in `/` must be folders), and that no `copier update` left conflicts behind: no line starting
    with `<<<<<<<` in any file of the service and no `*.rej` file. The engine also fails this item for every entry
    of the service folder it will not read (a symlink out of the repo or in a loop, a FIFO, socket or device) and
    for the service folder itself when it is a symlink out of the repo.

    Why it matters: Tooling, reviewers and on-call engineers find the same things in the same places in every
    service (ADR-0037). `copier update` exits 0 even when it could not merge, so leftover conflicts go unnoticed.

    How to fix: Create the missing file or folder (`scaffold new service` renders the full shape), resolve conflict
    markers by hand, and merge then delete each `.rej` file. Replace an unreadable entry with a regular file inside
    the repo, or remove it.
    """
    shape = repo.yaml(platform.SERVICE_SHAPE)
    if shape is None:
        yield fail(
            "SVC-CODE-01",
            platform.SERVICE_SHAPE,
            None,
            f"{platform.SERVICE_SHAPE} is missing",
            "Restore it from the platform template (`scaffold init` writes it).",
        )
        return
    required = shape.data.get("required") if shape.ok and isinstance(shape.data, Mapping) else None
    if not isinstance(required, list) or not all(isinstance(p, str) for p in required):
        line = shape.error_line if not shape.ok else shape.line_of(("required",))
        yield fail(
            "SVC-CODE-01",
            platform.SERVICE_SHAPE,
            line,
            f"{platform.SERVICE_SHAPE} has no readable `required:` list of paths",
            "Make `required` a list of service-relative paths (folders end in /).",
        )
        return
    findings: list[Finding] = []
    for index, relative in enumerate(required):
        path = subject.join(relative.rstrip("/"))
        is_folder = relative.endswith("/")
        present = repo.is_dir(path) if is_folder else repo.is_file(path)
        if not present:
            kind = "folder" if is_folder else "file"
            findings.append(
                fail(
                    "SVC-CODE-01",
                    path,
                    None,
                    f"the {kind} {relative} required by {platform.SERVICE_SHAPE} (line "
                    f"{shape.line_of(('required', index))}) is missing",
                    f"Create {path} following services/_template (ADR-0037).",
                )
            )
    for file in _tracked_files(repo, subject):
        if file.endswith(".rej"):
            findings.append(
                fail(
                    "SVC-CODE-01",
                    file,
                    1,
                    f"{file} holds changes `copier update` could not merge",
                    "Merge its hunks into the file it names by hand, then delete the .rej file.",
                )
            )
            continue
        text = repo.read_text(file) or ""
        if CONFLICT_MARKER not in text:  # no line can start with it: the lines need not be split
            continue
        for number, text_line in enumerate(text.splitlines(), start=1):
            if text_line.startswith(CONFLICT_MARKER):
                findings.append(
                    fail(
                        "SVC-CODE-01",
                        file,
                        number,
                        f"{file} has an unresolved merge conflict marker",
                        "Resolve the conflict (keep the right side, delete the markers).",
                    )
                )
                break
    yield from findings or [passed("SVC-CODE-01", f"{subject.path} has every path of the template shape")]


def _tracked_files(repo: RepoView, subject: Subject) -> Iterator[str]:
    """The service's files, minus hidden tool folders (`.pglite/` data, caches) and anything over 1 MB."""
    prefix = subject.path + "/"
    for file in repo.files_under(prefix):
        if not file.startswith(prefix) or any(part.startswith(".") for part in file[len(prefix) :].split("/")[:-1]):
            continue
        if (repo.size(file) or 0) <= MAX_SCANNED_BYTES:
            yield file


# --- SVC-CODE-02 -------------------------------------------------------------------------------------------
def service_schema(repo: RepoView) -> tuple[Mapping[str, object], str]:
    """The platform's service.yaml schema, or the one bundled with scaffold when the repo has none."""
    return manifest_schema(repo, platform.SERVICE_SCHEMA)


@check(
    "SVC-CODE-02",
    "`service.yaml` complete: name, owner, on-call, status, brand_scope, contracts",
    mode="auto (placeholders → human)",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST,),
)
def service_manifest_complete(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Validates `service.yaml` against `schemas/service.schema.json` (JSON Schema 2020-12), checks
    that `name` is the service's folder name, and looks for placeholder values ("TODO", "TBD", "changeme",
    "<owner>", "{{ ... }}"). Placeholders need a person to fill them in or confirm them.

    Why it matters: The catalog, paging, brand scoping and the SDK are generated from service.yaml; a missing or
    placeholder owner means nobody is paged when the service breaks.

    How to fix: Fill in the field named in the finding. If a value that looks like a placeholder is real, record
    that with `scaffold attest SVC-CODE-02`.
    """
    unreadable = manifest_unreadable("SVC-CODE-02", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    parsed = manifest(repo, subject)
    assert parsed is not None
    path = manifest_path(subject)
    schema, schema_name = service_schema(repo)
    findings = [
        fail(
            "SVC-CODE-02",
            path,
            error.line,
            f"{error.where}: {error.message} (per {schema_name})",
            "Complete service.yaml as the schema requires (your editor validates it through the $schema line).",
        )
        for error in manifest_parser.validate(parsed, schema)
    ]
    name = manifest_data(repo, subject).get("name")
    if isinstance(name, str) and name != subject.name:
        findings.append(
            fail(
                "SVC-CODE-02",
                path,
                parsed.line_of(("name",)),
                f"name is {name!r} but the service folder is {subject.name!r}",
                f"Set `name: {subject.name}` (or rename the folder).",
            )
        )
    if findings:
        yield from findings
        return
    placeholders = list(manifest_parser.placeholders(parsed.data))
    if placeholders:
        for key_path, value in placeholders:
            where = "/".join(str(p) for p in key_path)
            yield needs_human(
                "SVC-CODE-02",
                f"{where} looks like a placeholder ({value!r}): fill it in, or confirm it is the real value",
                path,
                parsed.line_of(key_path),
            )
        return
    yield passed("SVC-CODE-02", f"{path} is complete and valid against {schema_name}", path)


# --- SVC-CODE-03 -------------------------------------------------------------------------------------------
@check(
    "SVC-CODE-03",
    "`openapi.yaml` exists with description + example on every route",
    mode="auto",
    kind=Kind.SERVICE,
    fixable=True,
    covers=(platform.SERVICE_OPENAPI, platform.SERVICE_API_VALIDATORS, "src/**"),
)
def openapi_documents_every_route(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Loads the service's OpenAPI document (`contracts.openapi` in service.yaml, default
    `openapi.yaml`), validates it with openapi-spec-validator, and checks that every operation has a
    `description` and at least one example (on its request body, a parameter or a response, `$ref`s followed).
    When the service validates requests with the zod schemas rendered from the document (`src/api.generated.ts`
    is there, or its code imports it), that file must be exactly what scaffold renders from the document now; a
    document the renderer cannot turn into zod (`oneOf`, a recursive schema, ...) needs a person to compare.

    Why it matters: The SDK, the API reference pages and third-party docs are generated from this file; an
    operation without a description or example ships undocumented. Routes that validate with schemas of their
    own can accept what the document refuses, or refuse what the SDK sends.

    How to fix: Add `description:` and an `example:` (or `examples:`) to the operation named in the finding, or fix
    the validation error at the line given. A stale `src/api.generated.ts`: `scaffold verify --fix` rewrites it
    (change openapi.yaml, never the generated file).
    """
    path = openapi_path(repo, subject)
    spec = repo.openapi(path, within=subject.path)
    if spec is None:
        yield fail(
            "SVC-CODE-03",
            path,
            None,
            f"{path} is missing",
            "Write the service's OpenAPI 3.1 document (`scaffold new service` renders one).",
        )
        return
    findings = [_openapi_error_finding(path, error) for error in spec.errors]
    operations = openapi_parser.operations(spec)
    if not operations and not findings:
        findings.append(
            fail(
                "SVC-CODE-03",
                path,
                spec.yaml.line_of(("paths",)),
                f"{path} declares no operations",
                "Document every route the service serves under `paths:`.",
            )
        )
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        if operation.description is None:
            findings.append(
                fail(
                    "SVC-CODE-03",
                    path,
                    operation.line,
                    f"{label} has no description",
                    f"Add `description:` to {label}.",
                )
            )
        if not operation.has_example:
            findings.append(
                fail(
                    "SVC-CODE-03",
                    path,
                    operation.line,
                    f"{label} has no example",
                    f"Add an `example:` to {label}'s request body, a parameter or a response.",
                )
            )
    validators = [] if spec.errors else _generated_validators(repo, subject, path, spec)
    findings += [finding for finding in validators if finding.status is not Status.PASS]
    summary = f"{len(operations)} operations documented with examples" + "".join(
        f"; {finding.message}" for finding in validators if finding.status is Status.PASS
    )
    yield from findings or [passed("SVC-CODE-03", summary, path)]


def uses_generated_validators(repo: RepoView, subject: Subject) -> bool:
    """Whether the service validates with the zod rendered from its document: src/api.generated.ts is there, or
    some of its code imports it (the rule SVC-CODE-03 judges by and `verify --fix` writes by)."""
    return repo.exists(subject.join(platform.SERVICE_API_VALIDATORS)) or _imports_generated_validators(repo, subject)


def _imports_generated_validators(repo: RepoView, subject: Subject) -> bool:
    """Whether any of the service's TypeScript imports src/api.generated(.ts|.js)."""
    target = subject.join(platform.SERVICE_API_VALIDATORS).removesuffix(".ts")
    files, _ = sources(repo, subject, "SVC-CODE-03")
    for file in files:
        for imported in ts_parser.imports(file.parsed):
            if imported.module.startswith("."):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(file.path), imported.module))
                if resolved.removesuffix(".ts").removesuffix(".js") == target:
                    return True
    return False


def _generated_validators(
    repo: RepoView, subject: Subject, path: str, spec: openapi_parser.ParsedOpenApi
) -> list[Finding]:
    generated = subject.join(platform.SERVICE_API_VALIDATORS)
    if not uses_generated_validators(repo, subject):
        return []  # the service validates its own way: nothing rendered from the document to compare
    try:
        expected = zod_gen.render_spec(spec)
    except zod_gen.Unsupported as error:
        return [
            needs_human(
                "SVC-CODE-03",
                f"{path}: {error.reason}, so {generated} cannot be rendered from it to compare: check by hand that "
                "the routes accept what the document says",
                path,
                spec.yaml.line_of(error.where),
            )
        ]
    committed = repo.read_text(generated)
    if committed is None:
        return [
            fail(
                "SVC-CODE-03",
                generated,
                None,
                f"{generated} is missing, and the service's code imports it",
                "Run `scaffold verify --fix` (it renders the file from openapi.yaml) and commit it.",
            )
        ]
    if committed != expected:
        line = first_difference(expected, committed)
        return [
            fail(
                "SVC-CODE-03",
                generated,
                line,
                f"{generated} differs from the validators rendered from {path} now (first difference at line {line})",
                "Change openapi.yaml, never the generated file; `scaffold verify --fix` rewrites it.",
            )
        ]
    return [passed("SVC-CODE-03", f"{generated} matches the validators rendered from it", generated)]


def _openapi_error_finding(path: str, error: openapi_parser.SpecError) -> Finding:
    """A document that breaks the specification or names a `$ref` the verifier will not follow fails; one the
    verifier could not validate (its validator failed, an unsupported version, past the size bounds) needs a
    person: its validity is unknown, not disproved."""
    where = error.file or path
    if error.kind == "reference":
        return fail(
            "SVC-CODE-03",
            where,
            error.line,
            f"{where}: {error.message}",
            "Make the `$ref` local (`#/components/...`) or a relative path to a file inside the service folder.",
        )
    if error.kind in {"validator", "limit", "unsupported"}:
        return needs_human("SVC-CODE-03", f"{where} could not be validated: {error.message}", where, error.line)
    return fail(
        "SVC-CODE-03",
        where,
        error.line,
        f"{where} is not valid OpenAPI: {error.message}",
        "Fix the document at that line (openapi-spec-validator names the rule).",
    )


# --- SVC-CODE-04 / 05 / 09: route conventions --------------------------------------------------------------
def _service_routes(
    repo: RepoView, subject: Subject, check_id: str
) -> tuple[list[TsFile], list[RouteAt], list[Finding]]:
    """The service's sources, the routes they serve, and the failures and `needs_human`s of reading them (a file
    that does not parse; a registration or mount the reader cannot follow)."""
    files, failures = sources(repo, subject, check_id)
    served = service_routes(repo, subject, files)
    return files, served.routes, failures + route_reading_problems(check_id, served)


@check(
    "SVC-CODE-04",
    "Every route enforces a scope via `requireScope(...)` (the convention check fails CI otherwise)",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def every_route_requires_scope(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds every route the service's `src/` serves (tree-sitter; every way Hono registers one:
    `app.<method>(path, ...)`, `app.on(...)`, `app.all(...)`, chains, `app.openapi(createRoute(...))`, mounted
    sub-apps and factories, at the path they are served under) and checks that its middleware includes
    `requireScope("<service>:<action>")` with at least one scope string. `GET /healthz` is the only exemption. A
    registration or mount the verifier cannot follow (a computed path, an unknown receiver) is `needs_human` at
    its line: it cannot vouch for what it cannot read.

    Why it matters: Scopes are how the platform limits what a token may do; a route without one is open to any
    authenticated caller of any brand's app.

    How to fix: Add `requireScope("<service>:<action>")` before the handler, and list the scope in service.yaml
    `scopes` and `@platform/scopes`.
    """
    _, found, failures = _service_routes(repo, subject, "SVC-CODE-04")
    yield from failures
    checked = [r for r in found if (r.route.method, r.path) not in platform.UNSCOPED_ROUTES]
    for at in checked:
        scope = at.route.uses(platform.KIT_REQUIRE_SCOPE)
        if scope is None or not scope.strings:
            what = "calls requireScope() without a scope" if scope is not None else "has no requireScope(...)"
            yield fail(
                "SVC-CODE-04",
                at.file.path,
                at.route.line,
                f"{at.label} {what}",
                f'Add requireScope("{subject.name}:<action>") to {at.label}\'s middleware.',
            )
    if not failures and not checked:
        yield not_applicable("SVC-CODE-04", f"no routes other than GET /healthz found in {subject.join('src')}/")
    elif not failures and all(at.route.uses(platform.KIT_REQUIRE_SCOPE) for at in checked):
        yield passed("SVC-CODE-04", f"{len(checked)} routes each require a scope")


def _mutations(found: list[RouteAt]) -> list[RouteAt]:
    return [r for r in found if r.route.is_mutation]


@check(
    "SVC-CODE-05",
    'Every mutation writes an audit row via `c.set("audit_event_type", ...)`',
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def every_mutation_writes_audit_row(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every POST, PUT, PATCH and DELETE route in `src/`, checks that the handler calls
    `c.set("audit_event_type", ...)` and that service-kit's `audit()` middleware runs for the route (in its
    middleware list or through `app.use(audit())`), which writes the audit row in the request's transaction.

    Why it matters: The audit log is the record of who changed what in which brand; a mutation that skips it
    leaves no trace for investigations or compliance requests.

    How to fix: Add `audit()` to the route's middleware (after `transactional(db)`) and call
    `c.set("audit_event_type", "<service>.<resource>.<verb>")` in the handler.
    """
    files, found, failures = _service_routes(repo, subject, "SVC-CODE-05")
    yield from failures
    global_middleware = app_level_middleware(files)
    mutations = _mutations(found)
    ok = True
    for at in mutations:
        if not handler_sets(files, at, "audit_event_type"):
            ok = False
            yield fail(
                "SVC-CODE-05",
                at.file.path,
                at.route.line,
                f'{at.label}\'s handler never calls c.set("audit_event_type", ...)',
                'Call c.set("audit_event_type", "<service>.<resource>.<verb>") in the handler.',
            )
        if at.route.uses(platform.KIT_AUDIT) is None and platform.KIT_AUDIT not in global_middleware:
            ok = False
            yield fail(
                "SVC-CODE-05",
                at.file.path,
                at.route.line,
                f"{at.label} does not run the audit() middleware",
                "Add audit() to the route's middleware, after transactional(db).",
            )
    if not failures and not mutations:
        yield not_applicable("SVC-CODE-05", f"no mutation routes found in {subject.join('src')}/")
    elif not failures and ok:
        yield passed("SVC-CODE-05", f"{len(mutations)} mutations each write an audit row")


@check(
    "SVC-CODE-09",
    "Idempotency keys on mutations",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def mutations_take_idempotency_keys(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks that every POST, PUT, PATCH and DELETE route in `src/` runs service-kit's
    `idempotency()` middleware, in its middleware list or through `app.use(idempotency())`.

    Why it matters: Clients and queues retry. Without an Idempotency-Key a retried create makes a second row, a
    second audit entry and a second event.

    How to fix: Add `idempotency()` to the route's middleware, after `transactional(db)`, and declare the
    `Idempotency-Key` header parameter in openapi.yaml.
    """
    files, found, failures = _service_routes(repo, subject, "SVC-CODE-09")
    yield from failures
    global_middleware = app_level_middleware(files)
    mutations = _mutations(found)
    missing = [
        at
        for at in mutations
        if at.route.uses(platform.KIT_IDEMPOTENCY) is None and platform.KIT_IDEMPOTENCY not in global_middleware
    ]
    for at in missing:
        yield fail(
            "SVC-CODE-09",
            at.file.path,
            at.route.line,
            f"{at.label} does not run the idempotency() middleware",
            "Add idempotency() to the route's middleware, after transactional(db).",
        )
    if not failures and not mutations:
        yield not_applicable("SVC-CODE-09", f"no mutation routes found in {subject.join('src')}/")
    elif not failures and not missing:
        yield passed("SVC-CODE-09", f"{len(mutations)} mutations each take an Idempotency-Key")


# --- SVC-CODE-06 -------------------------------------------------------------------------------------------
@check(
    "SVC-CODE-06",
    "Every table has a `brand_id` column",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("migrations/**",),
)
def every_table_has_brand_id(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses every migration with PostgreSQL's parser (pglast) and checks that each table created
    (and not dropped later) has a `brand_id` column, declared in CREATE TABLE or added by a later
    `ALTER TABLE ... ADD COLUMN brand_id`. Not applicable when service.yaml says `brand_scope: global`.

    Why it matters: Every row belongs to one brand; without the column, queries cannot be brand-scoped and one
    brand's data can leak to another.

    How to fix: Add `brand_id text NOT NULL` to the table (a new migration for an existing table), and filter
    every query by it.
    """
    if brand_scope_is_global(repo, subject):
        yield not_applicable("SVC-CODE-06", "service.yaml declares brand_scope: global (rows are shared by brands)")
        return
    parsed, failures = migrations(repo, subject, "SVC-CODE-06")
    yield from failures
    created = live_tables(parsed)
    with_brand = {name for name, (_, table) in created.items() if any(c.name == "brand_id" for c in table.columns)}
    for migration in parsed:
        for table_name, column, _ in sql_parser.columns_added(migration.parsed):
            if column.name == "brand_id":
                with_brand.add(table_name)
    missing = [(path, table) for name, (path, table) in created.items() if name not in with_brand]
    for path, table in missing:
        yield fail(
            "SVC-CODE-06",
            path,
            table.line,
            f"table {table.name} has no brand_id column",
            f"Add `brand_id text NOT NULL` to {table.name} (in a new migration if it already shipped).",
        )
    if not failures and not created:
        yield not_applicable("SVC-CODE-06", f"no tables are created in {subject.join('migrations')}/")
    elif not failures and not missing:
        yield passed("SVC-CODE-06", f"{len(created)} tables each have brand_id")


# --- SVC-CODE-07 / 10: outbound calls ----------------------------------------------------------------------
def _string_bindings(parsed: ts_parser.ParsedTs) -> dict[str, str]:
    """`const NAME = "..."` (at any depth) → the string, so `fetch(URL)` can be resolved within the file."""
    found: dict[str, str] = {}
    for node in ts_parser.nodes(parsed, "variable_declarator"):
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                text = ts_parser.string_value(ts_parser.unwrap(value))
                if text is not None:
                    found.setdefault(ts_parser.text_of(name), text)
    return found


def fetch_target(call: ts_parser.Call, bindings: Mapping[str, str]) -> str | None:
    """The URL a fetch() call requests, when the file states it: a literal, a const, or `new URL("...")`."""
    if not call.arguments:
        return None
    node = ts_parser.unwrap(call.arguments[0].node)
    if node.type == "new_expression" and ts_parser.text_of(node.child_by_field_name("constructor") or node) == "URL":
        arguments = ts_parser.arguments_of(node)
        node = ts_parser.unwrap(arguments[0]) if arguments else node
    text = ts_parser.string_value(node)
    if text is not None:
        return text
    if node.type == "binary_expression":
        return _concatenated_prefix(node, bindings)
    return bindings.get(ts_parser.text_of(node)) if node.type == "identifier" else None


def _concatenated_prefix(node: Node, bindings: Mapping[str, str]) -> str | None:
    """What a `+` chain is known to start with (`BASE + "/v1/" + id` → BASE's value + "/v1/"): the host of a
    URL built by concatenation is in its first parts. None when the first part is not known."""
    operands: list[Node] = []
    current = node
    while current.type == "binary_expression":
        operator = current.child_by_field_name("operator")
        left, right = current.child_by_field_name("left"), current.child_by_field_name("right")
        if operator is None or ts_parser.text_of(operator) != "+" or left is None or right is None:
            break
        operands.insert(0, ts_parser.unwrap(right))
        current = ts_parser.unwrap(left)
    operands.insert(0, current)
    prefix = ""
    for operand in operands:
        value = ts_parser.string_value(operand)
        if value is None and operand.type == "identifier":
            value = bindings.get(ts_parser.text_of(operand))
        if value is None:
            break
        prefix += value
    return prefix or None


def _fetch_calls(files: list[TsFile]) -> Iterator[tuple[TsFile, ts_parser.Call, str | None]]:
    for file in files:
        bindings = _string_bindings(file.parsed)
        for call in ts_parser.calls(file.parsed, lambda callee: callee in FETCH_CALLEES):
            yield file, call, fetch_target(call, bindings)


@check(
    "SVC-CODE-07",
    "No raw `fetch()` to `*.platform.loop.health` — use SDKs",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def no_raw_fetch_to_platform(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds every `fetch(...)` call in the service's `src/` and fails when its URL — a string or
    template literal, a `const` in the same file, `new URL("...")`, or a `+` concatenation whose first parts are
    those — names a host under `.platform.loop.health`.

    Why it matters: The generated `@platform/sdk-<service>` packages carry auth, retries, tracing and typed
    errors; a raw fetch bypasses all of it and breaks silently when the other service's API changes.

    How to fix: Import `@platform/sdk-<service>` and call the operation through its client.
    """
    files, failures = sources(repo, subject, "SVC-CODE-07")
    yield from failures
    offending = [(f, c, t) for f, c, t in _fetch_calls(files) if t is not None and platform.PLATFORM_HOST_SUFFIX in t]
    for file, call, target in offending:
        yield fail(
            "SVC-CODE-07",
            file.path,
            call.line,
            f"fetch() calls a platform service directly: {target}",
            "Call the service through its generated SDK, @platform/sdk-<service>.",
        )
    if not failures and not offending:
        yield passed("SVC-CODE-07", "no fetch() to *.platform.loop.health")


def _inside_circuit_breaker(node: Node) -> bool:
    current = node.parent
    while current is not None:
        if current.type == "arguments" and current.parent is not None and current.parent.type == "call_expression":
            callee = ts_parser.callee_of(current.parent)
            if callee == CIRCUIT_BREAKER or callee.endswith("." + CIRCUIT_BREAKER):
                return True
        current = current.parent
    return False


def _vendor_names(file: TsFile, vendors: list[str]) -> set[str]:
    """Identifiers bound to a vendor package in this file: its imports, and clients built from them
    (`const stripe = new Stripe(...)`, `this.client = twilio(...)`, `private sms = new Vonage(...)`)."""
    from_vendor = [
        item
        for item in ts_parser.imports(file.parsed)
        if any(item.module == v or item.module.startswith(v + "/") for v in vendors)
    ]
    names = {local for item in from_vendor if not item.type_only for local in item.names}
    # A client injected rather than built here is typed with the vendor's type (`import type { Twilio }`, or a
    # type among ordinary imports): `constructor(private sms: Twilio)`, `function remind(client: Twilio)`.
    names |= _typed_with(file, {local for item in from_vendor for local in item.names})
    if not names:
        return names
    for node in ts_parser.nodes(file.parsed, "variable_declarator", "public_field_definition", "assignment_expression"):
        if node.type == "variable_declarator":
            target, value, prefix = node.child_by_field_name("name"), node.child_by_field_name("value"), ""
        elif node.type == "public_field_definition":
            target, value, prefix = node.child_by_field_name("name"), node.child_by_field_name("value"), "this."
        elif node.type == "assignment_expression":
            target, value, prefix = node.child_by_field_name("left"), node.child_by_field_name("right"), ""
        else:
            continue
        if target is None or value is None:
            continue
        value = ts_parser.unwrap(value)
        if value.type not in {"new_expression", "call_expression"}:
            continue
        made_from = value.child_by_field_name("constructor" if value.type == "new_expression" else "function")
        if made_from is not None and _root_name(ts_parser.compact(ts_parser.text_of(made_from))) in names:
            names.add(prefix + ts_parser.compact(ts_parser.text_of(target)))
    return names


def _typed_with(file: TsFile, types: set[str]) -> set[str]:
    """Parameters and fields whose type annotation names one of `types` (`this.sms` for a constructor parameter
    property or a class field, the bare name otherwise)."""
    found: set[str] = set()
    if not types:
        return found
    for node in ts_parser.nodes(
        file.parsed, "required_parameter", "optional_parameter", "public_field_definition", "variable_declarator"
    ):
        annotation = node.child_by_field_name("type")
        target = node.child_by_field_name("pattern") or node.child_by_field_name("name")
        if annotation is None or target is None or target.type not in {"identifier", "property_identifier"}:
            continue
        named = {
            ts_parser.text_of(i)
            for i in ts_parser.nodes(file.parsed, "type_identifier", "identifier", within=annotation)
        }
        if not named & types:
            continue
        is_member = node.type == "public_field_definition" or any(
            child.type == "accessibility_modifier" or ts_parser.text_of(child) == "readonly" for child in node.children
        )
        found.add(("this." if is_member else "") + ts_parser.text_of(target))
    return found


def _module_callables(file: TsFile, vendors: list[str]) -> set[str]:
    """Local names bound to a vendor module itself (default or namespace import): calling one builds a client."""
    return {
        local
        for item in ts_parser.imports(file.parsed)
        if not item.type_only and any(item.module == v or item.module.startswith(v + "/") for v in vendors)
        for local, imported in item.names.items()
        if imported in {"default", "*"}
    }


def _root_name(callee: str) -> str:
    parts = callee.split(".")
    return ".".join(parts[:2]) if parts[0] == "this" and len(parts) > 1 else parts[0]


@check(
    "SVC-CODE-10",
    "Vendor calls wrapped in circuit breakers",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**", platform.SERVICE_MANIFEST),
)
def vendor_calls_use_circuit_breakers(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Takes the npm packages listed in service.yaml `vendors`, finds every call in `src/` made through
    an identifier imported from them (or a client built from one, e.g. `new Stripe(...)`, or injected and typed
    with the vendor's type, e.g. `constructor(private sms: Twilio)` with `import type { Twilio }`), plus every
    `fetch()` whose URL is not a `*.platform.loop.health` host, and checks that each sits inside a
    `withCircuitBreaker(name, fn)` wrapper. Calling the vendor module itself (`twilio(sid, token)`) builds a client
    and makes no request, so it is not a vendor call. Not applicable when there are no vendors and no outbound fetch.

    Why it matters: A slow or failing vendor otherwise ties up every request thread waiting on it; a breaker fails
    fast and lets the service degrade instead of going down with the vendor.

    How to fix: Wrap the call: `const charge = withCircuitBreaker("stripe.charge", (input) =>
    stripe.charges.create(input))`, and call `charge(...)`. List the vendor's package in service.yaml `vendors`.
    """
    vendors = [entry.value for entry in manifest_list(repo, subject, "vendors")]
    files, failures = sources(repo, subject, "SVC-CODE-10")
    yield from failures
    outbound: list[tuple[TsFile, ts_parser.Call, str]] = []
    for file, call, target in _fetch_calls(files):
        if target is None or platform.PLATFORM_HOST_SUFFIX not in target:
            shown = target or (call.arguments[0].text if call.arguments else "")
            outbound.append((file, call, f"fetch({shown})"))
    for file in files if vendors else []:
        names = _vendor_names(file, vendors)
        if not names:
            continue
        factories = _module_callables(file, vendors)
        for call in ts_parser.all_calls(file.parsed):
            if call.callee in factories:
                continue  # `twilio(sid, token)`: builds a client, makes no request
            if _root_name(call.callee) in names and not _is_client_construction(call.node):
                outbound.append((file, call, f"{call.callee}(...)"))
    if not failures and not vendors and not outbound:
        yield not_applicable("SVC-CODE-10", "service.yaml lists no vendors and src/ makes no outbound fetch()")
        return
    unwrapped = [(f, c, what) for f, c, what in outbound if not _inside_circuit_breaker(c.node)]
    for file, call, what in unwrapped:
        yield fail(
            "SVC-CODE-10",
            file.path,
            call.line,
            f"vendor call {what} is not wrapped in {CIRCUIT_BREAKER}()",
            f'Wrap it: {CIRCUIT_BREAKER}("<vendor>.<operation>", (...args) => <the call>).',
        )
    if not failures and not unwrapped:
        yield passed("SVC-CODE-10", f"{len(outbound)} vendor calls, each behind a circuit breaker")


def _is_client_construction(node: Node) -> bool:
    """A call whose result is bound as a vendor client (`const sms = twilio(sid, token)`): no request is made."""
    parent = node.parent
    while parent is not None and parent.type in {"await_expression", "parenthesized_expression", "as_expression"}:
        parent = parent.parent
    return parent is not None and parent.type in {"variable_declarator", "public_field_definition"}


# --- SVC-CODE-08 -------------------------------------------------------------------------------------------
def is_log_call(callee: str) -> bool:
    parts = callee.split(".")
    return len(parts) >= 2 and parts[-1] in LOG_METHODS and parts[-2] in LOG_OBJECTS


def unsafe_log_values(node: Node) -> Iterator[Node]:
    """Parts of a log argument that may carry PHI: anything but literals, `safeView(...)`, object/array literals
    and templates built only from safe parts, and request/process metadata (`c.req.method`, `c.req.routePath`,
    `info.port`, `config.stage`, `res.status`)."""
    node = ts_parser.unwrap(node)
    if node.type in {"string", "number", "true", "false", "null", "undefined", "regex"}:
        return
    if node.type == "template_string":
        for part in node.named_children:
            if part.type == "template_substitution":
                for inner in part.named_children:
                    yield from unsafe_log_values(inner)
        return
    if node.type == "call_expression":
        if ts_parser.callee_of(node).split(".")[-1] == platform.KIT_SAFE_VIEW:
            return
        yield node
        return
    if node.type == "object":
        for child in node.named_children:
            if child.type == "pair":
                value = child.child_by_field_name("value")
                if value is not None:
                    yield from unsafe_log_values(value)
            elif child.type == "shorthand_property_identifier" and is_id_or_count(ts_parser.text_of(child)):
                continue
            elif child.type != "comment":
                yield child
        return
    if node.type == "identifier" and is_id_or_count(ts_parser.text_of(node)):
        return
    if node.type == "array":
        for child in node.named_children:
            yield from unsafe_log_values(child)
        return
    if node.type == "ternary_expression":  # the condition is not logged, the branches are
        for branch in ("consequence", "alternative"):
            if (branch_node := node.child_by_field_name(branch)) is not None:
                yield from unsafe_log_values(branch_node)
        return
    if node.type == "binary_expression":
        for side in ("left", "right"):
            if (operand := node.child_by_field_name(side)) is not None:
                yield from unsafe_log_values(operand)
        return
    if node.type == "unary_expression" and ts_parser.text_of(node).startswith("typeof"):
        return
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        owner = node.child_by_field_name("object")
        name = ts_parser.text_of(prop) if prop is not None else ""
        if name in SAFE_LOG_PROPERTIES or is_id_or_count(name):
            return
        if name in SAFE_ERROR_FIELDS and owner is not None and ts_parser.text_of(owner) in ERROR_NAMES:
            return
    yield node


@check(
    "SVC-CODE-08",
    "No PHI in logs — wrap with `safeView()`",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def logs_go_through_safe_view(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds every logging call in `src/` (`log.*`, `logger.*`, `console.*`) and fails when an
    argument carries a value that is not provably safe. Safe: literals, `safeView(value, [allowed keys])`, object
    and array literals, templates and `a ? b : c` built only from safe parts, request/process metadata (`.method`,
    `.routePath`, `.port`, `.stage`, `.status`), an error's `error.name` / `error.code`, and `typeof x`.
    Anything else — a row, a request body, `String(error)`, `error.message` — fails.

    Why it matters: Logs leave the HIPAA boundary (log shipping, vendors, laptops). A record or an error message
    can hold names, dates of birth or diagnoses; safeView() keeps only the fields you list.

    How to fix: Wrap the value: `log.info("item created", safeView(item, ["id", "brand_id"]))`. For errors, log
    what identifies them without their data: `{ error: error instanceof Error ? error.name : typeof error }`.
    """
    files, failures = sources(repo, subject, "SVC-CODE-08")
    yield from failures
    count = 0
    unsafe_found = False
    for file in files:
        for call in ts_parser.calls(file.parsed, is_log_call):
            count += 1
            for argument in call.arguments:
                for part in unsafe_log_values(argument.node):
                    unsafe_found = True
                    yield fail(
                        "SVC-CODE-08",
                        file.path,
                        ts_parser.line_of(part),
                        f"{call.callee}() logs `{ts_parser.text_of(part)[:80]}` without safeView()",
                        "Log safeView(value, [allowed keys]) instead of the raw value.",
                    )
    if not failures and not unsafe_found:
        yield passed("SVC-CODE-08", f"{count} log calls, none with an unwrapped value")
