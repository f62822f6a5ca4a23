"""SVC / Auth: M2M clients of callers, scopes in @platform/scopes, the BAA gate, consent text (SVC-AUTH-01..04)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._cache import memo
from scaffold.checks._contracts import ScopeEntry, needs_human, scopes
from scaffold.checks._schemas import schema_failures
from scaffold.checks._sdk import sdk_imports, service_of
from scaffold.checks._service import (
    app_level_middleware,
    fail,
    manifest_list,
    manifest_unreadable,
    not_applicable,
    openapi_path,
    passed,
    route_reading_problems,
    service_routes,
    sources,
)
from scaffold.checks.svc_docs import looks_unfinished, openapi_structure, served_routes
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import typescript as ts
from scaffold.parsers.manifests import PathKey
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

REQUIRE_SCOPE = platform.KIT_REQUIRE_SCOPE
REQUIRE_BAA = platform.KIT_REQUIRE_BAA


# --- SVC-AUTH-01 -------------------------------------------------------------------------------------------
def callers(repo: RepoView, subject: Subject) -> dict[str, list[str]]:
    """Caller service → where that is said: `callers` in service.yaml, and other services importing the SDK."""
    found: dict[str, list[str]] = {}
    for entry in manifest_list(repo, subject, "callers"):
        found.setdefault(entry.value, []).append(f"{entry.file}:{entry.line} lists it in callers")
    for usage in sdk_imports(repo).get(platform.sdk_package_name(subject.name), []):
        caller = service_of(usage.path)
        if caller is not None and caller != subject.name:
            found.setdefault(caller, []).append(f"{usage.path}:{usage.line} imports {usage.declaration.module}")
    return found


def _m2m_error_concerns(clients: list[object], path: PathKey, callers: set[str], service: str) -> bool:
    """An M2M schema error is this service's when it is outside every client, in a caller's client, in a client
    that calls this service, or in a client that names no service."""
    if len(path) < 2 or path[0] != "clients" or not isinstance(path[1], int) or path[1] >= len(clients):
        return True
    client = clients[path[1]]
    if not isinstance(client, Mapping) or not isinstance(client.get("service"), str):
        return True
    calls = client.get("calls")
    return client["service"] in callers or (isinstance(calls, list) and service in calls)


@check(
    "SVC-AUTH-01",
    "M2M client registered in identity if other services call this",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST,),
)
def m2m_clients_for_callers(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds the services that call this one — those named in its service.yaml `callers`, and any other
    service whose code imports `@platform/sdk-<name>` — and checks that identity/m2m-clients.yaml has a client for
    each (`service: <caller>`) whose `calls` includes this service. The clients involved (and the file's top level)
    must first be valid against `schemas/m2m-clients.schema.json`. Not applicable when nothing calls it.

    Why it matters: Without an M2M client the caller has no token identity will issue for this service, and the
    first call in staging fails with 401.

    How to fix: Add `{client_id: <caller>-service, service: <caller>, calls: [<this service>]}` to
    identity/m2m-clients.yaml (or add this service to the caller's existing `calls`).
    """
    unreadable = manifest_unreadable("SVC-AUTH-01", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    found = callers(repo, subject)
    if not found:
        yield not_applicable(
            "SVC-AUTH-01",
            f"nothing calls {subject.name}: its service.yaml lists no callers and no other service imports "
            f"{platform.sdk_package_name(subject.name)}",
        )
        return
    registry = repo.yaml(platform.M2M_CLIENTS)
    if registry is None or not registry.ok:
        yield fail(
            "SVC-AUTH-01",
            platform.M2M_CLIENTS,
            registry.error_line if registry is not None else None,
            f"{platform.M2M_CLIENTS} is missing or not valid YAML, but {', '.join(sorted(found))} call(s) "
            f"{subject.name}",
            "Restore identity/m2m-clients.yaml and register a client per caller.",
        )
        return
    clients = registry.data.get("clients") if isinstance(registry.data, Mapping) else None
    clients = clients if isinstance(clients, list) else []
    invalid = schema_failures(
        "SVC-AUTH-01",
        repo,
        platform.M2M_CLIENTS,
        platform.M2M_CLIENTS_SCHEMA,
        f"Make {platform.M2M_CLIENTS} match its schema (editors check it through its `$schema` line).",
        concerns=lambda path: _m2m_error_concerns(clients, path, set(found), subject.name),
    )
    if invalid:
        yield from invalid
        return
    findings = []
    for caller, evidence in sorted(found.items()):
        mine = [(i, c) for i, c in enumerate(clients) if isinstance(c, Mapping) and c.get("service") == caller]
        granted = [i for i, c in mine if isinstance(c.get("calls"), list) and subject.name in c["calls"]]
        if granted:
            continue
        line = registry.line_of(("clients", mine[0][0], "calls")) if mine else registry.line_of(("clients",))
        having = f"its client (line {line}) does not list {subject.name} in `calls`" if mine else "it has no client"
        findings.append(
            fail(
                "SVC-AUTH-01",
                platform.M2M_CLIENTS,
                line,
                f"{caller} calls {subject.name} ({'; '.join(evidence)}) but {having} in {platform.M2M_CLIENTS}",
                f"Register `{{client_id: {caller}-service, service: {caller}, calls: [{subject.name}]}}` or add "
                f"{subject.name} to its `calls`.",
            )
        )
    yield from findings or [
        passed(
            "SVC-AUTH-01",
            f"every caller ({', '.join(sorted(found))}) has an M2M client that calls {subject.name}",
            platform.M2M_CLIENTS,
        )
    ]


# --- scopes the service uses ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeUse:
    scope: str | None  # None when the argument is not a string literal
    file: str
    line: int | None
    where: str  # "requireScope", "openapi", "service.yaml"
    text: str = ""  # the argument's source when it is not a literal


def scope_uses(repo: RepoView, subject: Subject, check_id: str) -> tuple[list[ScopeUse], list[Finding]]:
    """Scopes named by requireScope(...) in src/, by openapi.yaml security, and by service.yaml `scopes`; and a
    fail for each file that cannot be read."""
    uses, failures = memo(repo, ("scope uses", subject.path), lambda: _scope_uses(repo, subject))
    return uses, [replace(f, check_id=check_id) for f in failures]


def _scope_uses(repo: RepoView, subject: Subject, check_id: str = "") -> tuple[list[ScopeUse], list[Finding]]:
    files, failures = sources(repo, subject, check_id)
    unreadable = manifest_unreadable(check_id, repo, subject)
    failures += [unreadable] if unreadable is not None else []
    uses: list[ScopeUse] = []
    for file in files:
        for call in ts.calls(file.parsed, lambda callee: callee.split(".")[-1] == REQUIRE_SCOPE):
            for argument in call.arguments:
                literal = argument.string if argument.is_literal else None
                uses.append(ScopeUse(literal, file.path, argument.line, REQUIRE_SCOPE, argument.text))
    path = openapi_path(repo, subject)
    spec = openapi_structure(repo, path, subject.path)
    if spec is not None and not spec.yaml.ok:
        failures.append(
            fail(
                check_id,
                path,
                spec.yaml.error_line,
                f"{path} is not valid YAML, so its scopes cannot be read",
                "Fix the YAML syntax at that line.",
            )
        )
    if spec is not None and spec.yaml.ok:
        for operation in openapi_parser.operations(spec):
            uses += [ScopeUse(scope, path, operation.line, "openapi") for scope in operation.scopes]
    for entry in manifest_list(repo, subject, "scopes"):
        uses.append(ScopeUse(entry.value, entry.file, entry.line, platform.SERVICE_MANIFEST))
    return uses, failures


def scope_registry(check_id: str, repo: RepoView) -> dict[str, ScopeEntry] | Finding:
    registry = scopes(repo)
    if registry is not None:
        return registry
    parsed = repo.typescript(platform.SCOPES_REGISTRY)
    line = parsed.error_line if parsed is not None else None
    return fail(
        check_id,
        platform.SCOPES_REGISTRY,
        line,
        f"{platform.SCOPES_REGISTRY} is missing, does not parse, or declares no SCOPES object literal",
        "Restore `export const SCOPES = { ... }` in @platform/scopes.",
    )


# --- SVC-AUTH-02 -------------------------------------------------------------------------------------------
@check(
    "SVC-AUTH-02",
    "Scopes added to `@platform/scopes` if new ones introduced",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**", platform.SERVICE_OPENAPI, platform.SERVICE_MANIFEST),
)
def scopes_registered(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Collects every scope the service uses — string arguments of `requireScope(...)` in src/, the
    scopes of openapi.yaml `security`, and service.yaml `scopes` — and checks that each is a key of `SCOPES` in
    packages/scopes/src/registry.ts. A computed requireScope argument fails, since no registry check can see it.

    Why it matters: identity issues and consent screens only know scopes in the registry; a route guarded by an
    unregistered scope can never be called.

    How to fix: Add the scope to SCOPES with a description and `returnsPhi` (`scaffold new service` does this for
    its read/write scopes), or use a registered one; pass scopes to requireScope as string literals.
    """
    uses, failures = scope_uses(repo, subject, "SVC-AUTH-02")
    yield from failures
    if not uses:
        yield not_applicable("SVC-AUTH-02", f"{subject.name} uses and declares no scopes")
        return
    registry = scope_registry("SVC-AUTH-02", repo)
    if isinstance(registry, Finding):
        yield registry
        return
    findings = []
    for use in uses:
        if use.scope is None:
            findings.append(
                fail(
                    "SVC-AUTH-02",
                    use.file,
                    use.line,
                    f"requireScope({use.text}) is not a string literal",
                    'Pass the scope as a literal, e.g. requireScope("billing:read").',
                )
            )
        elif use.scope not in registry:
            findings.append(
                fail(
                    "SVC-AUTH-02",
                    use.file,
                    use.line,
                    f"scope {use.scope!r} ({use.where}) is not in SCOPES of {platform.SCOPES_REGISTRY}",
                    f'Add "{use.scope}": {{ description, returnsPhi }} to SCOPES.',
                )
            )
    names = sorted({u.scope for u in uses if u.scope})
    yield from findings or [
        passed("SVC-AUTH-02", f"all scopes used are registered: {', '.join(names)}", platform.SCOPES_REGISTRY)
    ]


# --- SVC-AUTH-03 -------------------------------------------------------------------------------------------
@check(
    "SVC-AUTH-03",
    "BAA gate enforced if any new scope returns PHI",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**",),
)
def baa_gate_on_phi_scopes(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Looks up each scope the service uses in SCOPES; for every route whose `requireScope(...)` names a
    scope with `returnsPhi: true`, checks that the route also runs `requireBaa()` (in its own middleware or
    app-wide through `app.use(requireBaa())`). Not applicable when no scope of the service returns PHI.

    Why it matters: PHI may only reach brands that signed a Business Associate Agreement; a PHI route without the
    gate is a HIPAA breach waiting for its first caller.

    How to fix: Add `requireBaa()` right after `requireScope(...)` on the route (the template does this when the
    service is generated with --returns-phi).
    """
    uses, failures = scope_uses(repo, subject, "SVC-AUTH-03")
    yield from failures
    registry = scope_registry("SVC-AUTH-03", repo)
    if isinstance(registry, Finding):
        yield registry
        return
    phi = sorted({u.scope for u in uses if u.scope and u.scope in registry and registry[u.scope].returns_phi})
    if not phi:
        yield not_applicable("SVC-AUTH-03", f"no scope of {subject.name} returns PHI (returnsPhi is false for all)")
        return
    files, _ = sources(repo, subject, "SVC-AUTH-03")
    app_wide = REQUIRE_BAA in app_level_middleware(files)
    # a registration the reader cannot follow may be a PHI route without the gate
    gated, findings = 0, route_reading_problems("SVC-AUTH-03", service_routes(repo, subject, files))
    for at in served_routes(repo, subject, files):
        scope_gate = at.route.uses(REQUIRE_SCOPE)
        route_phi = [s for s in (scope_gate.strings if scope_gate else ()) if s in phi]
        if not route_phi:
            continue
        if app_wide or at.route.uses(REQUIRE_BAA) is not None:
            gated += 1
            continue
        findings.append(
            fail(
                "SVC-AUTH-03",
                at.file.path,
                at.route.line,
                f"{at.label} requires {', '.join(route_phi)}, which returns PHI, but has no requireBaa()",
                f"Add requireBaa() after requireScope(...) on {at.label}.",
            )
        )
    yield from findings or [
        passed("SVC-AUTH-03", f"{gated} route(s) with PHI scopes ({', '.join(phi)}) all run requireBaa()")
    ]


# --- SVC-AUTH-04 -------------------------------------------------------------------------------------------
@check(
    "SVC-AUTH-04",
    "Consent screen text reviewed for new scopes",
    mode="human",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_MANIFEST,),
)
def consent_text_reviewed(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds the scopes the service introduces (service.yaml `scopes`, and used scopes named
    `<service>:...`) and their consent text (the `description` in SCOPES). A scope without a registry entry or
    with a placeholder description fails — there is no text to review; otherwise a person must review the text.
    Not applicable when the service introduces no scopes.

    Why it matters: The description is what users read on the consent screen before granting a third party
    access; misleading text is a consent (and compliance) problem.

    How to fix: Write a plain description for each scope in SCOPES, have someone review it, and record it:
    `scaffold attest SVC-AUTH-04`.
    """
    uses, failures = scope_uses(repo, subject, "SVC-AUTH-04")
    yield from failures
    introduced: dict[str, ScopeUse] = {}
    for use in uses:
        if use.scope and (use.where == platform.SERVICE_MANIFEST or use.scope.startswith(f"{subject.name}:")):
            introduced.setdefault(use.scope, use)
    if not introduced:
        yield not_applicable("SVC-AUTH-04", f"{subject.name} introduces no scopes of its own")
        return
    registry = scope_registry("SVC-AUTH-04", repo)
    if isinstance(registry, Finding):
        yield registry
        return
    findings = []
    for scope, use in sorted(introduced.items()):
        entry = registry.get(scope)
        if entry is None:
            findings.append(
                fail(
                    "SVC-AUTH-04",
                    use.file,
                    use.line,
                    f"scope {scope!r} has no SCOPES entry, so no consent text",
                    f"Add {scope!r} to SCOPES with a description users will read.",
                )
            )
        elif not entry.description.strip() or looks_unfinished(entry.description):
            findings.append(
                fail(
                    "SVC-AUTH-04",
                    platform.SCOPES_REGISTRY,
                    entry.line,
                    f"scope {scope!r} has no real consent text ({entry.description!r})",
                    "Write the description users will see on the consent screen.",
                )
            )
    if findings:
        yield from findings
        return
    texts = "; ".join(f"{scope}: {registry[scope].description!r}" for scope in sorted(introduced))
    yield needs_human("SVC-AUTH-04", subject, f"review the consent screen text of the new scopes — {texts}")
