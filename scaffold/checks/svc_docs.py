"""SVC / Docs: README, RUNBOOK, the generated service page, route docs and the catalog entry (SVC-DOC-01..05)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from scaffold import docs_pages, platform
from scaffold.checks import check
from scaffold.checks._contracts import first_difference, needs_human
from scaffold.checks._infra import load_infra
from scaffold.checks._schemas import schema_failures
from scaffold.checks._service import (
    RouteAt,
    TsFile,
    fail,
    health_middleware,
    manifest,
    manifest_data,
    manifest_unreadable,
    openapi_path,
    passed,
    route_reading_problems,
    service_routes,
    sources,
)
from scaffold.parsers import manifests as manifest_parser
from scaffold.parsers import markdown as markdown_parser
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers.manifests import PathKey
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject

RUN_LOCALLY = re.compile(r"^run(ning)?\b.*\blocally$", re.IGNORECASE)
ALARM_HEADING = re.compile(r"^alarm:\s*(?P<name>.+?)\s*$", re.IGNORECASE)
PLACEHOLDER_WORD = re.compile(r"\b(TODO|TBD|FIXME|XXX)\b")
MIN_DESCRIPTION_WORDS = 5
CATALOG_FIELDS = ("owner", "on_call", "status")


def looks_unfinished(text: str) -> bool:
    """A value someone has yet to write: a placeholder as a whole, or text with a TODO/TBD/FIXME in it."""
    return manifest_parser.is_placeholder(text) or bool(PLACEHOLDER_WORD.search(text))


def openapi_structure(repo: RepoView, path: str, within: str | None = None) -> openapi_parser.ParsedOpenApi | None:
    """The OpenAPI document read for its structure only (operations, scopes, lines), with the files below
    `within` its relative `$ref`s name, skipping the slow spec validation: SVC-CODE-03 reports an invalid
    document; these checks only need what it declares."""
    return repo.openapi_structure(path, within)


def served_routes(repo: RepoView, subject: Subject, files: list[TsFile]) -> list[RouteAt]:
    """The routes the service's code serves (computed once per service)."""
    return service_routes(repo, subject, files).routes


# --- SVC-DOC-01 --------------------------------------------------------------------------------------------
def first_paragraph(doc: markdown_parser.MarkdownDoc) -> tuple[str, int] | None:
    """The first paragraph of prose after the title (before any `##` section), with its line."""
    headings = list(doc.headings)
    start = headings[0].line if headings and headings[0].level == 1 else doc.body_start
    end = next((h.line - 1 for h in headings if h.line > start), len(doc.lines))
    paragraph: list[str] = []
    first_line = 0
    for index in range(start, end):
        line = doc.lines[index]
        if not line.strip():
            if paragraph:
                break
            continue
        if line.lstrip().startswith(("```", "~~~", "<!--", "|", ">")) and not paragraph:
            continue
        first_line = first_line or index + 1
        paragraph.append(line.strip())
    return (" ".join(paragraph), first_line) if paragraph else None


@check(
    "SVC-DOC-01",
    "`README.md` exists with one-paragraph description + run-locally instructions",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_README,),
)
def readme_describes_and_runs(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses the service's README.md into headings and sections and checks for a first paragraph of
    prose (at least five words, no placeholder) before the first section, and a "Run locally" section (heading
    "Run locally" / "Running … locally") that is not empty.

    Why it matters: The README is the first thing a newcomer or an on-call engineer opens; without a description
    and a way to run the service they start by reading code.

    How to fix: Write one paragraph under the title on what the service does and owns, and a `## Run locally`
    section with the commands to start and test it.
    """
    path = subject.join(platform.SERVICE_README)
    doc = repo.markdown(path)
    if doc is None:
        yield fail("SVC-DOC-01", path, None, f"{path} is missing", "Write README.md: a paragraph and `## Run locally`.")
        return
    findings: list[Finding] = []
    paragraph = first_paragraph(doc)
    if paragraph is None:
        findings.append(
            fail(
                "SVC-DOC-01",
                path,
                1,
                "README.md has no description paragraph before its first section",
                "Write one paragraph under the title on what the service does.",
            )
        )
    elif len(paragraph[0].split()) < MIN_DESCRIPTION_WORDS or looks_unfinished(paragraph[0]):
        findings.append(
            fail(
                "SVC-DOC-01",
                path,
                paragraph[1],
                f"the description is a stub: {paragraph[0]!r}",
                "Say in a full paragraph what the service does, owns and who calls it.",
            )
        )
    run_locally = next((s for s in doc.sections() if RUN_LOCALLY.match(s.heading.title)), None)
    if run_locally is None:
        findings.append(
            fail(
                "SVC-DOC-01",
                path,
                None,
                "README.md has no `## Run locally` section",
                "Add `## Run locally` with the commands to install, start and test the service.",
            )
        )
    elif not run_locally.body.strip() or looks_unfinished(run_locally.body):
        findings.append(
            fail(
                "SVC-DOC-01",
                path,
                run_locally.line,
                f"the `{run_locally.heading.title}` section is empty or a stub",
                "Write the commands to install, start and test the service.",
            )
        )
    if findings:
        yield from findings
        return
    assert paragraph is not None and run_locally is not None
    yield passed(
        "SVC-DOC-01",
        f"description at line {paragraph[1]} ({len(paragraph[0].split())} words); "
        f"`{run_locally.heading.title}` at line {run_locally.line}",
        path,
    )


# --- SVC-DOC-02 --------------------------------------------------------------------------------------------
@check(
    "SVC-DOC-02",
    "`RUNBOOK.md` exists with alarms, dashboards, remediation",
    mode="auto (placeholders → human)",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_RUNBOOK, platform.SERVICE_INFRA),
)
def runbook_covers_alarms(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Reads the alarms infra.ts declares (`new aws.cloudwatch.MetricAlarm(...)`, named by their
    `name` option without the stage suffix) and checks that RUNBOOK.md has a `## Alarm: <name>` section for each,
    each with a `Dashboard:` and a `Remediation:`, no section for an alarm that no longer exists, and a
    `## Rollback` section. Text that looks like a placeholder (TODO, TBD, `<link>`) needs a person to finish it.

    Why it matters: When an alarm fires at night, the runbook section with its name is where on-call starts; an
    alarm without one is a page without instructions.

    How to fix: Add the missing `## Alarm: <name>` section with `Dashboard: <link>` and `Remediation:` steps (the
    template's RUNBOOK.md shows the shape), and a `## Rollback` section.
    """
    path = subject.join(platform.SERVICE_RUNBOOK)
    doc = repo.markdown(path)
    if doc is None:
        yield fail(
            "SVC-DOC-02",
            path,
            None,
            f"{path} is missing",
            "Write RUNBOOK.md: `## Alarm: <name>` per alarm (Dashboard, Remediation) and `## Rollback`.",
        )
        return
    infra = load_infra("SVC-DOC-02", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    sections: dict[str, markdown_parser.Section] = {}
    for section in doc.sections():
        match = ALARM_HEADING.match(section.heading.title)
        if match:
            sections[match.group("name").strip("` ")] = section
    findings: list[Finding] = []
    unfinished: list[tuple[str, int]] = []
    declared = {alarm.name for alarm in infra.alarms} | {alarm.logical_name for alarm in infra.alarms}
    for alarm in infra.alarms:
        documented = sections.get(alarm.name) or sections.get(alarm.logical_name)
        if documented is None:
            findings.append(
                fail(
                    "SVC-DOC-02",
                    infra.path,
                    alarm.line,
                    f"alarm {alarm.name} has no `## Alarm: {alarm.name}` section in {path}",
                    f"Add `## Alarm: {alarm.name}` with Dashboard: and Remediation:.",
                )
            )
            continue
        for label in ("Dashboard", "Remediation"):
            value = markdown_parser.labelled(documented.body, label)
            if not value:
                findings.append(
                    fail(
                        "SVC-DOC-02",
                        path,
                        documented.line,
                        f"`## Alarm: {alarm.name}` has no {label}:",
                        f"Add `{label}:` to the section.",
                    )
                )
            elif looks_unfinished(value):
                unfinished.append((f"{label} of alarm {alarm.name} ({value.splitlines()[0]!r})", documented.line))
    for name, section in sections.items():
        if name not in declared and not infra.unresolved_alarms:
            findings.append(
                fail(
                    "SVC-DOC-02",
                    path,
                    section.line,
                    f"`## Alarm: {name}` documents an alarm infra.ts does not declare",
                    "Rename the section to the alarm's name, or remove it.",
                )
            )
    rollback = doc.section("Rollback")
    if rollback is None or not rollback.body.strip():
        findings.append(
            fail(
                "SVC-DOC-02",
                path,
                rollback.line if rollback else None,
                "RUNBOOK.md has no `## Rollback` steps",
                "Add `## Rollback` with how to redeploy the last good version.",
            )
        )
    elif looks_unfinished(rollback.body):
        unfinished.append(("the Rollback section", rollback.line))
    if findings or rollback is None:
        yield from findings
        return
    if infra.unresolved_alarms:
        # Where the evaluator stopped, a section may document an alarm it could not name: a person decides.
        yield needs_human(
            "SVC-DOC-02",
            subject,
            f"infra.ts builds MetricAlarms the verifier could not follow ({infra.unresolved_note()}): check that "
            f"each has a `## Alarm: <name>` section in {path}",
        )
        return
    if unfinished:
        for what, line in unfinished:
            yield Finding(
                "SVC-DOC-02",
                Status.NEEDS_HUMAN,
                f"{what} at {path}:{line} looks like a placeholder: write it, or confirm it is final; record with "
                f"`scaffold attest SVC-DOC-02 --subject {subject.label}`",
                file=path,
                line=line,
            )
        return
    yield passed(
        "SVC-DOC-02",
        f"{len(infra.alarms)} alarm(s) documented with Dashboard and Remediation; Rollback at line {rollback.line}",
        path,
    )


# --- SVC-DOC-03 --------------------------------------------------------------------------------------------
def service_page_path(subject: Subject) -> str:
    return f"{platform.DOCS_SERVICES}/{subject.name}.md"


def expected_service_page(repo: RepoView, subject: Subject) -> str | Finding:
    """The page as `scaffold` would generate it now, or a fail when service.yaml / openapi.yaml cannot be read.
    `scaffold verify --fix` writes this text to `service_page_path(subject)`."""
    unreadable = manifest_unreadable("SVC-DOC-03", repo, subject)
    if unreadable is not None:
        return unreadable
    spec_path = openapi_path(repo, subject)
    spec = repo.yaml(spec_path)
    if spec is None or not spec.ok:
        line = spec.error_line if spec is not None else None
        return fail(
            "SVC-DOC-03",
            spec_path,
            line,
            f"{spec_path} is missing or not valid YAML, so the page cannot be generated",
            "Fix openapi.yaml first.",
        )
    parsed = manifest(repo, subject)
    assert parsed is not None
    return docs_pages.render_service_page(parsed.data, spec.data)


def drift_finding(check_id: str, page: str, expected: str, committed: str | None, what: str) -> Finding:
    if committed is None:
        return fail(
            check_id,
            page,
            None,
            f"{page} is missing: {what} was never generated",
            "Run `scaffold verify --fix` and commit the page.",
        )
    if committed != expected:
        line = first_difference(expected, committed)
        return fail(
            check_id,
            page,
            line,
            f"{page} differs from {what} regenerated now (first difference at line {line})",
            "Run `scaffold verify --fix` and commit the page; do not edit it by hand.",
        )
    return passed(check_id, f"{page} matches {what} regenerated now", page)


@check(
    "SVC-DOC-03",
    "Service detail page auto-generated and committed",
    mode="auto (drift)",
    kind=Kind.SERVICE,
    fixable=True,
    covers=(platform.SERVICE_MANIFEST, platform.SERVICE_OPENAPI),
)
def service_page_current(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Regenerates docs/services/<name>.md from service.yaml and openapi.yaml (description, owner,
    on-call, status, the routes with their scopes, the events) and compares it with the committed page.

    Why it matters: The detail page is what other teams read to find the owner, on-call and the API; a page that
    drifted from service.yaml sends them to the wrong people and routes.

    How to fix: `scaffold verify --fix` rewrites the page from the current files; commit it. Edit service.yaml or
    openapi.yaml rather than the page.
    """
    expected = expected_service_page(repo, subject)
    if isinstance(expected, Finding):
        yield expected
        return
    page = service_page_path(subject)
    yield drift_finding("SVC-DOC-03", page, expected, repo.read_text(page), "the service page")


# --- SVC-DOC-04 --------------------------------------------------------------------------------------------
@check(
    "SVC-DOC-04",
    "Every route description + example populated in `openapi.yaml`",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_OPENAPI, "src/**"),
)
def routes_documented(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Joins the routes the code in src/ serves with the operations in openapi.yaml, both ways (Hono
    `:param` paths matched to OpenAPI `{param}` paths): a served route missing from the document fails, and so
    does a documented operation nothing serves. Routes are read from every way Hono registers them (`app.get`,
    `app.on`, `app.all`, chains, `app.openapi(createRoute(...))`, `app.route(prefix, sub)` mounts across files,
    factories, `basePath`); a registration or mount the verifier cannot follow is `needs_human` at its line, and
    then "documented but not served" is not claimed. Each operation also needs a description and an example
    that are filled in (not "TODO", "TBD", `<...>`).

    Why it matters: A route missing from openapi.yaml is missing from the SDK, the docs and the API reference; an
    operation nothing serves is a call the SDK offers and the service answers with 404; a placeholder
    description documents nothing.

    How to fix: Add the route to openapi.yaml with `description:` and an `example:` (or remove the operation
    nothing serves), or write the placeholder out.
    """
    path = openapi_path(repo, subject)
    spec = openapi_structure(repo, path, subject.path)
    if spec is None or not spec.yaml.ok:
        line = spec.yaml.error_line if spec is not None else None
        yield fail(
            "SVC-DOC-04", path, line, f"{path} is missing or not valid YAML", "Write the service's OpenAPI document."
        )
        return
    files, failures = sources(repo, subject, "SVC-DOC-04")
    yield from failures
    operations = openapi_parser.operations(spec)
    documented = {(op.method, openapi_parser.hono_path(op.path)): op for op in operations}
    findings: list[Finding] = []
    reading = service_routes(repo, subject, files)
    findings += route_reading_problems("SVC-DOC-04", reading)
    # a route whose mount the reader could not follow is left out of the join (its needs_human stands for it)
    served = [at for at in reading.routes if at.served_at is not None]
    served_paths = {(at.route.method, at.path) for at in served}
    if health_middleware(files):  # GET /healthz answered by a middleware mounted with app.use(...)
        served_paths.add(("get", platform.HEALTH_PATH))
    for at in served:
        method, route_path = at.route.method, at.path
        if method == "all":
            known = any(documented_path == route_path for _, documented_path in documented)
        else:
            known = (method, route_path) in documented
        if not known:
            findings.append(
                fail(
                    "SVC-DOC-04",
                    at.file.path,
                    at.route.line,
                    f"{at.label} is served but not in {path}",
                    f"Document {at.label} in openapi.yaml with a description and an example.",
                )
            )
    complete = not failures and not reading.problems
    for op in operations:
        hono = openapi_parser.hono_path(op.path)
        if complete and (op.method, hono) not in served_paths and ("all", hono) not in served_paths:
            label = f"{op.method.upper()} {op.path}"
            findings.append(
                fail(
                    "SVC-DOC-04",
                    path,
                    op.line,
                    f"{label} is documented in {path} but not served by {subject.join('src')}/",
                    f"Serve {label} or remove it from openapi.yaml (clients and the SDK would call a missing route).",
                )
            )
    for op in operations:
        label = f"{op.method.upper()} {op.path}"
        if op.description is None or looks_unfinished(op.description):
            findings.append(
                fail(
                    "SVC-DOC-04",
                    path,
                    op.line,
                    f"{label} has no real description ({op.description!r})",
                    f"Describe what {label} does.",
                )
            )
        if not op.has_example:
            findings.append(
                fail("SVC-DOC-04", path, op.line, f"{label} has no example", f"Add an `example:` to {label}.")
            )
    yield from findings or [
        passed(
            "SVC-DOC-04",
            f"{len(served)} served route(s), {len(operations)} operation(s) described with examples",
            path,
        )
    ]


# --- SVC-DOC-05 --------------------------------------------------------------------------------------------
def _catalog_error_concerns(repo: RepoView, entries: object, path: PathKey, service: str) -> bool:
    """A catalog schema error is this service's when it is outside every entry, in the service's own entry, or in
    an entry naming no service of the repo (no other service's check would report it)."""
    if (
        len(path) < 2
        or path[0] != platform.CATALOG_SERVICES_KEY
        or not isinstance(path[1], int)
        or not isinstance(entries, list)
    ):
        return True
    entry = entries[path[1]] if path[1] < len(entries) else None
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return name == service or not repo.has_service(name)


@check(
    "SVC-DOC-05",
    "Service catalog entry shows correct status, owner, on-call",
    mode="auto + human",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST,),
)
def catalog_entry_matches(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Validates catalog/services.yaml against `schemas/catalog.schema.json` (reporting the errors at
    the top level, in this service's entry, or in an entry naming no service), then finds the service's entry (by
    `name`) and compares its `owner`, `on_call` and `status` with service.yaml, naming both files and lines on a
    mismatch. When they agree, a person still has to confirm they are true (the right team, the rotation that is
    really paged, the real maturity).

    Why it matters: The catalog is what people page and trust; a stale owner or on-call routes incidents to
    nobody.

    How to fix: Make the catalog entry match service.yaml (`scaffold new service` writes both), then have the
    owner confirm it: `scaffold attest SVC-DOC-05`.
    """
    unreadable = manifest_unreadable("SVC-DOC-05", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    parsed = manifest(repo, subject)
    assert parsed is not None
    service = manifest_data(repo, subject)
    service_path = subject.join(platform.SERVICE_MANIFEST)
    catalog = repo.yaml(platform.CATALOG)
    if catalog is None or not catalog.ok:
        yield fail(
            "SVC-DOC-05",
            platform.CATALOG,
            catalog.error_line if catalog else None,
            f"{platform.CATALOG} is missing or not valid YAML",
            "Restore the service catalog.",
        )
        return
    entries = catalog.data.get(platform.CATALOG_SERVICES_KEY) if isinstance(catalog.data, Mapping) else None
    invalid = schema_failures(
        "SVC-DOC-05",
        repo,
        platform.CATALOG,
        platform.CATALOG_SCHEMA,
        f"Make {platform.CATALOG} match its schema (editors check it through its `$schema` line).",
        concerns=lambda path: _catalog_error_concerns(repo, entries, path, subject.name),
    )
    if invalid:
        yield from invalid
        return
    index, entry = next(
        (
            (i, e)
            for i, e in enumerate(entries if isinstance(entries, list) else [])
            if isinstance(e, Mapping) and e.get("name") == subject.name
        ),
        (None, None),
    )
    if entry is None or index is None:
        yield fail(
            "SVC-DOC-05",
            platform.CATALOG,
            catalog.line_of((platform.CATALOG_SERVICES_KEY,)),
            f"{platform.CATALOG} has no entry named {subject.name}",
            f"Add `- name: {subject.name}` with owner, on_call and status as in {service_path}.",
        )
        return
    mismatched = False
    for field in CATALOG_FIELDS:
        have, want = entry.get(field), service.get(field)
        if have != want:
            mismatched = True
            yield fail(
                "SVC-DOC-05",
                platform.CATALOG,
                catalog.line_of((platform.CATALOG_SERVICES_KEY, index, field)),
                f"{platform.CATALOG}:{catalog.line_of(('services', index, field))} {field} {have!r} ≠ "
                f"{service_path}:{parsed.line_of((field,))} {field} {want!r}",
                f"Set {field}: {want} in the catalog entry (or fix service.yaml if the catalog is right).",
            )
    if mismatched:
        return
    facts = ", ".join(f"{field} {service.get(field)!r}" for field in CATALOG_FIELDS)
    yield passed(
        "SVC-DOC-05",
        f"catalog entry (line {catalog.line_of(('services', index))}) equals {service_path}: {facts}",
        platform.CATALOG,
    )
    yield needs_human(
        "SVC-DOC-05",
        subject,
        f"confirm {facts} are true for {subject.name} (the owning team, the "
        "rotation that is really paged, the real maturity)",
    )
