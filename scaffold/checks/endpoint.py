"""EP — a new third-party-facing endpoint: scope, BAA gate, OAuth test, rate limit, webhooks, docs.

Subjects are the OpenAPI operations marked `x-platform-audience: third-party` (scaffold/verify/subjects.py),
named `<service>:<operationId>`. Conventions read here, all on the operation in services/<service>/openapi.yaml:

    x-platform-audience: third-party
    security: [{ bearer: ["billing:read"] }]        # the scope, documented in packages/scopes SCOPES
    x-platform-rate-limit: { requests: 100, per: minute }     # per: second | minute | hour | day
    x-platform-webhooks: [billing.item_created]     # mutations: the user-facing events it emits (optional)
    x-platform-state-change: false                  # a mutation that changes nothing worth a webhook (optional)

The route is `app.<method>(<hono path>, requireScope(...), [requireBaa(),] ..., handler)` in the service's src/, and
its end-to-end OAuth test lives under the service's test/ folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._contracts import (
    code_files,
    emitted_events,
    find_route,
    first_difference,
    needs_human,
    route_not_found,
    scopes,
    service_publishers,
    source,
    webhook_filters,
)
from scaffold.generated_files import (
    EndpointDoc,
    ParameterDoc,
    ResponseDoc,
    render_connect_capability,
    render_connect_page,
    render_endpoint_page,
)
from scaffold.parsers import manifests
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject
from scaffold.verify.subjects import Endpoint, endpoints, find_endpoint

RATE_WINDOWS = ("second", "minute", "hour", "day")
_MUTATIONS = frozenset({"post", "put", "patch", "delete"})


def _endpoint(check_id: str, repo: RepoView, subject: Subject) -> Endpoint | Finding:
    found = find_endpoint(repo, subject)
    if found is None:  # listed a moment ago: only a race with an edit gets here
        return Finding(
            check_id,
            Status.FAIL,
            f"operation {subject.name} not found",
            file=subject.join(platform.SERVICE_OPENAPI),
            line=1,
            fix="re-run scaffold verify",
        )
    return found


def _at_operation(check_id: str, endpoint: Endpoint, message: str, fix: str) -> Finding:
    return Finding(check_id, Status.FAIL, message, file=endpoint.openapi_file, line=endpoint.operation.line, fix=fix)


def _title(endpoint: Endpoint) -> str:
    return f"{endpoint.operation.method.upper()} {endpoint.operation.path}"


# --- EP-01 ---------------------------------------------------------------------------------------------------
@check("EP-01", "Scope chosen and documented", mode="auto", kind=Kind.ENDPOINT, covers=(platform.SERVICE_OPENAPI,))
def scope_chosen_and_documented(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the operation's `security` names at least one OAuth scope and that every such
    scope is in SCOPES (packages/scopes/src/registry.ts) with a written description.

    Why it matters: Third-party apps ask users for scopes by name; a scope that is not registered cannot be
    granted or shown on the consent screen, and an operation without one is open to every token.

    How to fix: Add `security: [{ bearer: ["<service>:<action>"] }]` to the operation and
    `"<service>:<action>": { description: "...", returnsPhi: ... }` to SCOPES.
    """
    endpoint = _endpoint("EP-01", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    if not endpoint.operation.scopes:
        return [
            _at_operation(
                "EP-01",
                endpoint,
                f"{_title(endpoint)} declares no scope",
                'add `security: [{ bearer: ["<service>:<action>"] }]` to the operation',
            )
        ]
    known = scopes(repo)
    if known is None:
        return [
            Finding(
                "EP-01",
                Status.FAIL,
                "packages/scopes SCOPES cannot be read",
                file=platform.SCOPES_REGISTRY,
                line=1,
                fix="restore the `export const SCOPES = { ... }` object literal",
            )
        ]
    findings = []
    for scope in endpoint.operation.scopes:
        entry = known.get(scope)
        if entry is None:
            findings.append(
                _at_operation(
                    "EP-01",
                    endpoint,
                    f"scope `{scope}` is not in SCOPES",
                    f'add `"{scope}": {{ description: "...", returnsPhi: false }}` to {platform.SCOPES_REGISTRY}',
                )
            )
        elif manifests.is_placeholder(entry.description):
            findings.append(
                Finding(
                    "EP-01",
                    Status.FAIL,
                    f"scope `{scope}` has no description",
                    file=platform.SCOPES_REGISTRY,
                    line=entry.line,
                    fix="describe what the scope lets an app do, as users will read it",
                )
            )
    return findings or [
        Finding(
            "EP-01",
            Status.PASS,
            f"scoped by {', '.join(endpoint.operation.scopes)}",
            file=endpoint.openapi_file,
            line=endpoint.operation.line,
        )
    ]


# --- EP-02 ---------------------------------------------------------------------------------------------------
@check("EP-02", "BAA gate if PHI", mode="auto", kind=Kind.ENDPOINT)
def baa_gate_if_phi(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: When any of the operation's scopes has `returnsPhi: true` in SCOPES, checks that the route
    implementing it in the service's src/ uses `requireBaa()`. Operations whose scopes return no PHI are not
    applicable.

    Why it matters: PHI may only reach a partner who signed a BAA; the gate is what enforces that per request.

    How to fix: Add `requireBaa()` after `requireScope(...)` in the route's middleware.
    """
    endpoint = _endpoint("EP-02", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    known = scopes(repo) or {}
    phi = [s for s in endpoint.operation.scopes if s in known and known[s].returns_phi]
    if not phi:
        return [
            Finding(
                "EP-02",
                Status.NOT_APPLICABLE,
                f"its scopes ({', '.join(endpoint.operation.scopes) or 'none'}) return no PHI",
            )
        ]
    found = find_route(
        repo, endpoint.service, endpoint.operation.method, openapi_parser.hono_path(endpoint.operation.path)
    )
    if found is None:
        missing = _at_operation(
            "EP-02",
            endpoint,
            f"no route in services/{endpoint.service}/src implements "
            f"{_title(endpoint)}, so its BAA gate cannot be checked",
            "implement the route with requireScope(...) and requireBaa()",
        )
        return [route_not_found(repo, endpoint.service, "EP-02", missing)]
    route_file, route, _ = found
    if route.uses(platform.KIT_REQUIRE_BAA) is None:
        return [
            Finding(
                "EP-02",
                Status.FAIL,
                f"{_title(endpoint)} returns PHI ({', '.join(phi)}) without requireBaa()",
                file=route_file,
                line=route.line,
                fix="add requireBaa() to the route's middleware",
            )
        ]
    return [Finding("EP-02", Status.PASS, "PHI scope gated by requireBaa()", file=route_file, line=route.line)]


# --- EP-03 ---------------------------------------------------------------------------------------------------
def path_pattern(openapi_path: str) -> re.Pattern[str]:
    """A regex matching a request path for the operation: `{id}` matches one segment."""
    parts = re.split(r"(\{[^}]*\})", openapi_path)
    return re.compile("".join("[^/?#]+" if p.startswith("{") else re.escape(p) for p in parts) + r"/?$")


def requested_paths(parsed: ts.ParsedTs) -> list[tuple[str, int]]:
    """String and template literals that look like request paths or URLs, reduced to their path."""
    found = []
    for value, line in ts.strings(parsed):
        text = re.sub(r"^\$\{[^}]*\}", "", value)  # a leading substitution is the base URL
        text = re.sub(r"\$\{[^}]*\}", "x", text)
        text = re.sub(r"^https?://[^/]+", "", text).split("?", 1)[0].split("#", 1)[0]
        if text.startswith("/"):
            found.append((text, line))
    return found


def _first_call(parsed: ts.ParsedTs, words: tuple[str, ...]) -> int | None:
    for call in ts.all_calls(parsed):
        name = call.callee.lower()
        if any(word in name for word in words):
            return call.line
    return None


@check(
    "EP-03", "OAuth flow + token introspection tested end-to-end against this endpoint", mode="auto", kind=Kind.ENDPOINT
)
def oauth_tested_end_to_end(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks under the service's test/ folder for a test file that requests the operation's path
    (a string or template literal; `{id}` matches any segment), obtains its token through an OAuth flow (a call
    whose name contains `oauth` or `authorize`, e.g. `oauthClient.authorizationCode(...)`) and introspects it
    (a call whose name contains `introspect`).

    Why it matters: Third-party apps reach the endpoint with tokens minted by the OAuth server, not the service's
    own test tokens; only an end-to-end test shows that the scope travels from consent to introspection to the
    route's check.

    How to fix: Add a test (e.g. test/e2e/<operationId>.oauth.test.ts) that runs the authorization-code flow for
    the scope, introspects the token, calls the endpoint with it, and asserts a token without the scope gets 403.
    """
    endpoint = _endpoint("EP-03", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    pattern = path_pattern(endpoint.operation.path)
    fix = (
        f"add a test that runs the OAuth flow for the scope, introspects the token and calls {_title(endpoint)} with it"
    )
    best: Finding | None = None
    for path in code_files(repo, subject.path, tests=True):
        parsed = source(repo, path)
        if parsed is None or parsed.error_line is not None:
            continue
        hits = [line for text, line in requested_paths(parsed) if pattern.match(text)]
        if not hits:
            continue
        flow, introspection = _first_call(parsed, ("oauth", "authorize")), _first_call(parsed, ("introspect",))
        if flow is not None and introspection is not None:
            return [
                Finding(
                    "EP-03",
                    Status.PASS,
                    f"requests {endpoint.operation.path} with an OAuth token "
                    f"(flow line {flow}, introspection line {introspection})",
                    file=path,
                    line=hits[0],
                )
            ]
        missing = " and ".join(
            w for w, v in (("an OAuth flow", flow), ("token introspection", introspection)) if v is None
        )
        best = best or Finding(
            "EP-03",
            Status.FAIL,
            f"the test requests {endpoint.operation.path} without {missing}",
            file=path,
            line=hits[0],
            fix=fix,
        )
    return [
        best
        or _at_operation(
            "EP-03", endpoint, f"no test under {subject.path}/test requests {endpoint.operation.path}", fix
        )
    ]


# --- EP-04 ---------------------------------------------------------------------------------------------------
def rate_limit(raw: Mapping[str, object]) -> str | None:
    """The declared limit as text ("100 requests per minute"), or None when absent or malformed."""
    declared = raw.get(platform.RATE_LIMIT_KEY)
    if not isinstance(declared, Mapping):
        return None
    requests, per = declared.get("requests"), declared.get("per")
    if not isinstance(requests, int) or isinstance(requests, bool) or requests < 1 or per not in RATE_WINDOWS:
        return None
    return f"{requests} requests per {per}"


@check(
    "EP-04",
    "Rate limit appropriate for this endpoint's cost profile",
    mode="auto (declared) + human (appropriate)",
    kind=Kind.ENDPOINT,
    covers=(platform.SERVICE_OPENAPI,),
)
def rate_limit_declared(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the operation declares `x-platform-rate-limit: { requests: N, per: second |
    minute | hour | day }` (N >= 1). Whether N suits what one call costs is a person's judgement, recorded as a
    sign-off.

    Why it matters: One partner's retry loop on an expensive endpoint can starve every other partner; the
    gateway enforces the declared limit and partners read it in the API reference.

    How to fix: Declare the limit on the operation, then have the service owner sign it off:
    `scaffold attest EP-04 --subject endpoint:<service>:<operationId>`.
    """
    endpoint = _endpoint("EP-04", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    limit = rate_limit(endpoint.raw)
    if limit is None:
        return [
            _at_operation(
                "EP-04",
                endpoint,
                f"{_title(endpoint)} declares no valid `{platform.RATE_LIMIT_KEY}`",
                f"add `{platform.RATE_LIMIT_KEY}: {{ requests: 100, per: minute }}` to the operation",
            )
        ]
    return [
        Finding("EP-04", Status.PASS, f"declared: {limit}", file=endpoint.openapi_file, line=endpoint.operation.line),
        needs_human("EP-04", subject, f"is {limit} right for what one call of {_title(endpoint)} costs?"),
    ]


# --- EP-05 ---------------------------------------------------------------------------------------------------
@check("EP-05", "Webhook(s) emitted if this is a meaningful state change", mode="auto", kind=Kind.ENDPOINT)
def webhooks_emitted(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: For a mutation (POST, PUT, PATCH, DELETE), checks that the route's handler enqueues at least
    one event that is in WEBHOOK_EVENT_FILTERS, and that every event the operation lists in
    `x-platform-webhooks` is both enqueued and in the filters. Reads and mutations marked
    `x-platform-state-change: false` are not applicable.

    Why it matters: Partners keep their copy of the state in sync from webhooks; a state change without one
    leaves them polling, or silently out of date.

    How to fix: `enqueue(c.var.tx, { name: "<family>.<event>", ... })` in the handler, add the event to
    WEBHOOK_EVENT_FILTERS, and list it in the operation's `x-platform-webhooks`.
    """
    endpoint = _endpoint("EP-05", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    if endpoint.operation.method not in _MUTATIONS:
        return [Finding("EP-05", Status.NOT_APPLICABLE, f"{endpoint.operation.method.upper()} does not change state")]
    if endpoint.raw.get(platform.STATE_CHANGE_KEY) is False:
        return [Finding("EP-05", Status.NOT_APPLICABLE, f"marked `{platform.STATE_CHANGE_KEY}: false`")]
    found = find_route(
        repo, endpoint.service, endpoint.operation.method, openapi_parser.hono_path(endpoint.operation.path)
    )
    if found is None:
        missing = _at_operation(
            "EP-05",
            endpoint,
            f"no route in services/{endpoint.service}/src implements {_title(endpoint)}",
            "implement the route; its handler enqueues the webhook event",
        )
        return [route_not_found(repo, endpoint.service, "EP-05", missing)]
    route_file, route, parsed = found
    helpers = service_publishers(repo, endpoint.service)
    emitted = {name for name, _ in emitted_events(parsed, route.handler or parsed.root, helpers)}
    filters = webhook_filters(repo) or {}
    declared = endpoint.raw.get(platform.WEBHOOKS_KEY)
    findings = []
    for name in declared if isinstance(declared, list) else []:
        if name not in emitted:
            findings.append(
                Finding(
                    "EP-05",
                    Status.FAIL,
                    f"x-platform-webhooks lists {name}, but the handler does not enqueue it",
                    file=route_file,
                    line=route.line,
                    fix=f'enqueue(c.var.tx, {{ name: "{name}", ... }}) in the handler',
                )
            )
        if name not in filters:
            findings.append(
                _at_operation(
                    "EP-05",
                    endpoint,
                    f"{name} is not in WEBHOOK_EVENT_FILTERS",
                    f'add `"{name}",` to WEBHOOK_EVENT_FILTERS',
                )
            )
    webhooks = sorted(emitted & set(filters))
    if not findings and not webhooks:
        what = (
            f"enqueues {', '.join(sorted(emitted))}, none in WEBHOOK_EVENT_FILTERS" if emitted else "enqueues no event"
        )
        findings.append(
            Finding(
                "EP-05",
                Status.FAIL,
                f"{_title(endpoint)} changes state but {what}",
                file=route_file,
                line=route.line,
                fix="enqueue a user-facing event and add it to WEBHOOK_EVENT_FILTERS, or mark the "
                f"operation `{platform.STATE_CHANGE_KEY}: false`",
            )
        )
    return findings or [Finding("EP-05", Status.PASS, f"emits {', '.join(webhooks)}", file=route_file, line=route.line)]


# --- EP-06 / EP-07: generated docs -------------------------------------------------------------------------
def _example(document: Mapping[str, object], holder: object) -> object | None:
    holder = openapi_parser.resolve(document, holder)
    content = holder.get("content") if isinstance(holder, Mapping) else None
    if not isinstance(content, Mapping):
        return None
    for media in content.values():
        media = openapi_parser.resolve(document, media)
        if not isinstance(media, Mapping):
            continue
        if media.get("example") is not None:
            return media["example"]
        examples = media.get("examples")
        if isinstance(examples, Mapping):
            for example in examples.values():
                example = openapi_parser.resolve(document, example)
                if isinstance(example, Mapping) and "value" in example:
                    return example["value"]
    return None


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def endpoint_doc(endpoint: Endpoint) -> EndpointDoc:
    """What the endpoint's reference page and Connect block are generated from."""
    document, raw = endpoint.document, endpoint.raw
    paths = document.get("paths")
    item = paths.get(endpoint.operation.path) if isinstance(paths, Mapping) else None
    declared = [*_list(item.get("parameters") if isinstance(item, Mapping) else None), *_list(raw.get("parameters"))]
    parameters = []
    for parameter in declared:
        parameter = openapi_parser.resolve(document, parameter)
        if isinstance(parameter, Mapping):
            parameters.append(
                ParameterDoc(
                    str(parameter.get("name", "")),
                    str(parameter.get("in", "")),
                    parameter.get("required") is True,
                    str(parameter.get("description", "")),
                )
            )
    responses = []
    declared_responses = raw.get("responses")
    for status, response in declared_responses.items() if isinstance(declared_responses, Mapping) else []:
        resolved = openapi_parser.resolve(document, response)
        description = resolved.get("description") if isinstance(resolved, Mapping) else None
        responses.append(ResponseDoc(str(status), str(description or ""), _example(document, resolved)))
    webhooks = raw.get(platform.WEBHOOKS_KEY)
    return EndpointDoc(
        service=endpoint.service,
        operation_id=endpoint.operation.operation_id or "",
        method=endpoint.operation.method,
        path=endpoint.operation.path,
        summary=endpoint.operation.summary or "",
        description=endpoint.operation.description or "",
        scopes=endpoint.operation.scopes,
        rate_limit=rate_limit(raw),
        parameters=tuple(parameters),
        request_example=_example(document, raw.get("requestBody")),
        responses=tuple(responses),
        webhooks=tuple(str(w) for w in webhooks) if isinstance(webhooks, list) else (),
    )


def endpoint_page_path(endpoint: Endpoint) -> str:
    return f"{platform.DOCS_API}/{endpoint.service}/{endpoint.operation.operation_id}.md"


@check("EP-06", "Connect docs updated with the new capability", mode="auto (drift)", kind=Kind.ENDPOINT, fixable=True)
def connect_docs_updated(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Regenerates the operation's block of docs/connect/capabilities.md (title, method and path,
    scopes, a link to its reference page, description) and checks the committed page contains it verbatim.

    Why it matters: Partners discover what they can build from the Connect docs; a capability missing there does
    not exist for them, and a stale one promises a scope or path that changed.

    How to fix: Run `scaffold verify --fix` and commit docs/connect/capabilities.md.
    """
    endpoint = _endpoint("EP-06", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    fix = "run `scaffold verify --fix` and commit docs/connect/capabilities.md"
    if not endpoint.operation.operation_id:
        return [
            _at_operation(
                "EP-06",
                endpoint,
                f"{_title(endpoint)} has no operationId to document it under",
                "give the operation an operationId",
            )
        ]
    actual = repo.read_text(platform.DOCS_CONNECT)
    if actual is None:
        return [
            Finding(
                "EP-06",
                Status.FAIL,
                "docs/connect/capabilities.md is missing",
                file=platform.DOCS_CONNECT,
                line=1,
                fix=fix,
            )
        ]
    block = render_connect_capability(endpoint_doc(endpoint))
    if block in actual:
        return [
            Finding(
                "EP-06",
                Status.PASS,
                "its Connect block is up to date",
                file=platform.DOCS_CONNECT,
                line=actual[: actual.index(block)].count("\n") + 1,
            )
        ]
    heading = block.splitlines()[0]
    lines = actual.splitlines()
    line = next((index + 1 for index, text in enumerate(lines) if text == heading), None)
    message = "its Connect block is out of date" if line else f"no `{heading}` block for {_title(endpoint)}"
    return [Finding("EP-06", Status.FAIL, message, file=platform.DOCS_CONNECT, line=line or 1, fix=fix)]


@check("EP-07", "Per-endpoint API reference page regenerated", mode="auto (drift)", kind=Kind.ENDPOINT, fixable=True)
def api_reference_regenerated(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Regenerates docs/api/<service>/<operationId>.md from the operation (description, scopes,
    rate limit, parameters, examples, responses, webhooks) and compares it with the committed page.

    Why it matters: The reference page is the contract partners code against; it must say what openapi.yaml
    says today.

    How to fix: Run `scaffold verify --fix` and commit the page.
    """
    endpoint = _endpoint("EP-07", repo, subject)
    if isinstance(endpoint, Finding):
        return [endpoint]
    if not endpoint.operation.operation_id:
        return [
            _at_operation(
                "EP-07",
                endpoint,
                f"{_title(endpoint)} has no operationId to name its page after",
                "give the operation an operationId",
            )
        ]
    page = endpoint_page_path(endpoint)
    expected = render_endpoint_page(endpoint_doc(endpoint))
    actual = repo.read_text(page)
    fix = "run `scaffold verify --fix` and commit the page"
    if actual is None:
        return [Finding("EP-07", Status.FAIL, f"{page} is missing", file=page, line=1, fix=fix)]
    if actual != expected:
        return [
            Finding(
                "EP-07",
                Status.FAIL,
                f"{page} is out of date",
                file=page,
                line=first_difference(expected, actual),
                fix=fix,
            )
        ]
    return [Finding("EP-07", Status.PASS, "the reference page is up to date", file=page)]


def derived_files(repo: RepoView) -> dict[str, str]:
    """What EP-06 and EP-07 compare against, by path (for `scaffold verify --fix` and the generators)."""
    found = [e for e in endpoints(repo) if e.operation.operation_id]
    files = {endpoint_page_path(e): render_endpoint_page(endpoint_doc(e)) for e in found}
    if found or repo.exists(platform.DOCS_CONNECT):
        files[platform.DOCS_CONNECT] = render_connect_page([endpoint_doc(e) for e in found])
    return files
