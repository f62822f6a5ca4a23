"""INT — a new partner integration (a third-party app) under integrations/<name>/.

Subjects are the folders of integrations/ holding `.copier-answers.yml` or `integration.yaml`
(scaffold/verify/subjects.py). Every check that reads integration.yaml first validates it against
schemas/integration.schema.json and fails on each schema error. Conventions read here:

    integrations/<name>/integration.yaml
      name: acme-crm
      client_id: acme-crm                       # the OAuth client registered in the developer portal (INT-01)
      scopes: [billing:read]                    # SCOPES it asks for; a returnsPhi scope needs a BAA (INT-10)
      redirect_uris:                            # one non-empty list per stage (INT-02)
        dev: [http://localhost:5173/oauth/callback]
        staging: [https://staging.acme.example/oauth/callback]
        prod: [https://acme.example/oauth/callback]
      webhook_events: [billing.item_created]    # the events it receives; none means no webhook endpoint (INT-05)
    integrations/<name>/src/**.ts(x)            # production code; src/errors.ts maps every platform error code
    integrations/<name>/test/**.ts              # tests (also *.test.ts next to the code)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._contracts import (
    code_files,
    enclosing_function_names,
    error_codes,
    key_values,
    needs_evidence,
    needs_human,
    scopes,
    source,
    unreadable,
)
from scaffold.checks._schemas import schema_failures
from scaffold.parsers import manifests
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject

SENSITIVE_NAME = re.compile(r"token|secret|authorization|password|api_?key|cookie|credential", re.IGNORECASE)
PHI_NAME = re.compile(r"email|phone|dob|birth|ssn|diagnos|medication|prescription", re.IGNORECASE)
REDACTING_CALLS = re.compile(r"(^|\.)(redact\w*|safeView|mask\w*|hash\w*|fingerprint\w*)$")
LOG_CALLEE = re.compile(r"^(log|logger|console)\.(trace|debug|info|log|warn|error|fatal)$")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


# --- shared ----------------------------------------------------------------------------------------------------
def _manifest(check_id: str, repo: RepoView, subject: Subject) -> Mapping[str, object] | list[Finding]:
    """integration.yaml as a mapping valid against its schema, or the fails that say why it is not."""
    path = subject.join(platform.INTEGRATION_MANIFEST)
    parsed = repo.yaml(path)
    if parsed is None:
        return [
            Finding(
                check_id,
                Status.FAIL,
                f"{path} is missing",
                file=path,
                line=1,
                fix="describe the integration in integration.yaml (client_id, scopes, redirect_uris)",
            )
        ]
    if not parsed.ok:
        return [unreadable(check_id, path, parsed.error_line, "YAML")]
    invalid = schema_failures(
        check_id,
        repo,
        path,
        platform.INTEGRATION_SCHEMA,
        "write integration.yaml as its schema says (editors check it through its `$schema` line)",
    )
    if invalid:
        return invalid
    if not isinstance(parsed.data, Mapping):  # only when the platform's own copy of the schema allows it
        return [
            Finding(
                check_id,
                Status.FAIL,
                f"{path} is not a mapping",
                file=path,
                line=1,
                fix="write integration.yaml as a mapping of name, client_id, scopes, redirect_uris",
            )
        ]
    return parsed.data


def _manifest_line(repo: RepoView, subject: Subject, *path: str | int) -> int:
    parsed = repo.yaml(subject.join(platform.INTEGRATION_MANIFEST))
    return (parsed.line_of(path) if parsed is not None and parsed.ok else None) or 1


def _sources(repo: RepoView, subject: Subject) -> Iterator[tuple[str, ts.ParsedTs]]:
    """Production files that parse (syntax errors are reported by the check that needs the file)."""
    for path in code_files(repo, subject.join("src")):
        parsed = source(repo, path)
        if parsed is not None and parsed.error_line is None:
            yield path, parsed


def _broken_sources(check_id: str, repo: RepoView, subject: Subject) -> list[Finding]:
    findings = []
    for path in code_files(repo, subject.join("src")):
        parsed = source(repo, path)
        if parsed is not None and parsed.error_line is not None:
            findings.append(unreadable(check_id, path, parsed.error_line))
    return findings


def _fail_at_manifest(
    check_id: str, repo: RepoView, subject: Subject, message: str, fix: str, *path: str | int
) -> Finding:
    return Finding(
        check_id,
        Status.FAIL,
        message,
        file=subject.join(platform.INTEGRATION_MANIFEST),
        line=_manifest_line(repo, subject, *path),
        fix=fix,
    )


# --- INT-01 --------------------------------------------------------------------------------------------------
@check(
    "INT-01",
    "OAuth client registered in developer portal",
    mode="evidence",
    kind=Kind.INTEGRATION,
    covers=(platform.INTEGRATION_MANIFEST,),
)
def oauth_client_registered(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that integration.yaml records the `client_id` the developer portal issued; that the
    client is registered there (with these redirect URIs) is a fact outside the repo: recorded evidence. Like
    every INT check that reads integration.yaml, it first fails on each error against
    `schemas/integration.schema.json`.

    Why it matters: Without a registered client the OAuth flow fails at the first redirect; a client_id that
    lives only in someone's notes gets rotated without anyone updating the integration.

    How to fix: Register the client in the developer portal, put its id in integration.yaml as `client_id`, and
    record the registration: `scaffold attest INT-01 --subject integration:<name> --evidence LINK ...`.
    """
    manifest = _manifest("INT-01", repo, subject)
    if not isinstance(manifest, Mapping):
        return manifest
    client_id = manifest.get("client_id")
    if not isinstance(client_id, str) or manifests.is_placeholder(client_id):
        return [
            _fail_at_manifest(
                "INT-01",
                repo,
                subject,
                "integration.yaml records no `client_id`",
                "register the client in the developer portal and set `client_id`",
                "client_id",
            )
        ]
    return [
        needs_evidence(
            "INT-01",
            subject,
            f"the OAuth client `{client_id}` is registered in the developer "
            "portal with the redirect URIs of integration.yaml",
        )
    ]


# --- INT-02 --------------------------------------------------------------------------------------------------
def redirect_uri_problem(uri: str, stage: str) -> str | None:
    if "*" in uri:
        return "contains a wildcard"
    parts = urlsplit(uri)
    if not parts.hostname:
        return "is not an absolute URL"
    if parts.fragment:
        return "has a fragment"
    local = parts.hostname in LOCAL_HOSTS or f"[{parts.hostname}]" in LOCAL_HOSTS
    if parts.scheme == "https" or (stage == "dev" and parts.scheme == "http" and local):
        return None
    return "is not https" if stage != "dev" else "is not https (plain http is only allowed for localhost in dev)"


@check("INT-02", "Redirect URIs configured per environment", mode="auto", kind=Kind.INTEGRATION)
def redirect_uris_per_environment(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that integration.yaml's `redirect_uris` has a non-empty list for each of dev, staging
    and prod, and that every URI is an absolute https URL without wildcards or fragments (http is accepted for
    localhost in dev only).

    Why it matters: The OAuth server redirects only to exact registered URIs; a wildcard or an http URI lets an
    attacker receive authorization codes, and a missing stage breaks sign-in there.

    How to fix: List the exact callback URL of each stage under `redirect_uris.<stage>`.
    """
    manifest = _manifest("INT-02", repo, subject)
    if not isinstance(manifest, Mapping):
        return manifest
    uris = manifest.get("redirect_uris")
    if not isinstance(uris, Mapping):
        return [
            _fail_at_manifest(
                "INT-02",
                repo,
                subject,
                "integration.yaml has no `redirect_uris` per stage",
                "add `redirect_uris: { dev: [...], staging: [...], prod: [...] }`",
                "redirect_uris",
            )
        ]
    findings = []
    for stage in platform.DEPLOY_STAGES:
        listed = uris.get(stage)
        if not isinstance(listed, list) or not listed:
            findings.append(
                _fail_at_manifest(
                    "INT-02",
                    repo,
                    subject,
                    f"no redirect URI for {stage}",
                    f"add `redirect_uris.{stage}: [https://...]`",
                    "redirect_uris",
                    stage,
                )
            )
            continue
        for index, uri in enumerate(listed):
            problem = redirect_uri_problem(uri, stage) if isinstance(uri, str) else "is not a string"
            if problem:
                findings.append(
                    _fail_at_manifest(
                        "INT-02",
                        repo,
                        subject,
                        f"{stage} redirect URI {uri!r} {problem}",
                        "use the exact https callback URL",
                        "redirect_uris",
                        stage,
                        index,
                    )
                )
    return findings or [
        Finding(
            "INT-02",
            Status.PASS,
            "redirect URIs for dev, staging and prod",
            file=subject.join(platform.INTEGRATION_MANIFEST),
        )
    ]


# --- INT-03 --------------------------------------------------------------------------------------------------
def _hashes_sha256(parsed: ts.ParsedTs) -> bool:
    for call in ts.all_calls(parsed):
        if call.callee.endswith(("createHash", "digest")) and any(
            (a.string or "").lower().replace("-", "") == "sha256" for a in call.arguments
        ):
            return True
    return False


@check("INT-03", "PKCE implemented (S256, never `plain`)", mode="auto", kind=Kind.INTEGRATION)
def pkce_s256(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Finds the values given to `code_challenge_method` in the integration's code (object literals
    and `params.set("code_challenge_method", ...)`): there must be an "S256", never a "plain", and the file that
    sends S256 must hash the verifier with SHA-256 (`createHash("sha256")` or `crypto.subtle.digest("SHA-256",
    ...)`).

    Why it matters: PKCE stops an intercepted authorization code from being redeemed; with `plain` the challenge
    is the verifier itself, and anyone who sees the redirect can redeem the code.

    How to fix: Send `code_challenge_method: "S256"` with `code_challenge = base64url(sha256(verifier))`.
    """
    findings = _broken_sources("INT-03", repo, subject)
    s256 = []
    for path, parsed in _sources(repo, subject):
        for value, line in key_values(parsed, "code_challenge_method"):
            if value.lower() == "plain":
                findings.append(
                    Finding(
                        "INT-03",
                        Status.FAIL,
                        'code_challenge_method "plain"',
                        file=path,
                        line=line,
                        fix='use "S256" with a SHA-256 challenge of the verifier',
                    )
                )
            elif value == "S256":
                s256.append((path, line, _hashes_sha256(parsed)))
    if not s256:
        findings.append(
            _fail_at_manifest(
                "INT-03",
                repo,
                subject,
                'no `code_challenge_method: "S256"` in src/',
                'send code_challenge_method "S256" in the authorization request',
            )
        )
    elif not any(hashed for _, _, hashed in s256):
        path, line, _ = s256[0]
        findings.append(
            Finding(
                "INT-03",
                Status.FAIL,
                "S256 is declared but the verifier is never hashed with SHA-256 here",
                file=path,
                line=line,
                fix='compute the challenge with createHash("sha256") / crypto.subtle.digest',
            )
        )
    return findings or [Finding("INT-03", Status.PASS, "PKCE with S256", file=s256[0][0], line=s256[0][1])]


# --- INT-04 --------------------------------------------------------------------------------------------------
def refresh_functions(parsed: ts.ParsedTs) -> list[tuple[str, int]]:
    """Named functions that send `grant_type: "refresh_token"` (object literal or URLSearchParams)."""
    found = []
    for node in ts.walk(parsed.root):
        value = ts.string_value(node)
        if value is None or (value != "refresh_token" and "grant_type=refresh_token" not in value):
            continue
        if value == "refresh_token" and not _is_grant_type_value(node):
            continue
        name = next(enclosing_function_names(node), None)
        if name:
            found.append((name, ts.line_of(node)))
    return found


def _is_grant_type_value(node: Node) -> bool:
    parent = node.parent
    if parent is not None and parent.type == "pair":
        key = parent.child_by_field_name("key")
        return key is not None and (ts.string_value(key) or ts.text_of(key)) == "grant_type"
    if parent is not None and parent.type == "arguments":
        siblings = [c for c in parent.named_children if c.type != "comment"]
        return len(siblings) >= 2 and ts.string_value(siblings[0]) == "grant_type"
    return False


@check("INT-04", "Token refresh implemented and tested", mode="auto", kind=Kind.INTEGRATION)
def token_refresh_tested(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Finds the function in src/ that sends `grant_type: "refresh_token"` and checks that a test of
    the integration calls it by name.

    Why it matters: Access tokens expire within the hour; an integration that cannot refresh makes every user
    sign in again, and an untested refresh breaks silently when the token endpoint's answer changes.

    How to fix: Implement `refreshAccessToken(refreshToken)` posting `grant_type=refresh_token` to the token
    endpoint, and test it (success, and an invalid refresh token ending in a sign-in).
    """
    findings = _broken_sources("INT-04", repo, subject)
    functions = [
        (path, name, line) for path, parsed in _sources(repo, subject) for name, line in refresh_functions(parsed)
    ]
    if not functions:
        return [
            *findings,
            _fail_at_manifest(
                "INT-04",
                repo,
                subject,
                'no function in src/ sends `grant_type: "refresh_token"`',
                "implement the refresh grant in a named function",
            ),
        ]
    names = {name for _, name, _ in functions}
    for path in code_files(repo, subject.path, tests=True):
        parsed = source(repo, path)
        if parsed is None or parsed.error_line is not None:
            continue
        for call in ts.all_calls(parsed):
            called = call.callee.rsplit(".", 1)[-1]
            if called in names:
                return [*findings, Finding("INT-04", Status.PASS, f"{called}() is tested", file=path, line=call.line)]
    path, name, line = functions[0]
    return [
        *findings,
        Finding(
            "INT-04",
            Status.FAIL,
            f"{name}() refreshes tokens but no test calls it",
            file=path,
            line=line,
            fix=f"add a test under {subject.path}/test that calls {name}()",
        ),
    ]


# --- INT-05 --------------------------------------------------------------------------------------------------
_COMPARISONS = frozenset({"<", ">", "<=", ">="})
_EQUALITY = frozenset({"===", "==", "!==", "!="})


def _binary_operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return ts.text_of(operator) if operator is not None else ""


def _compares_values(node: Node) -> bool:
    """Whether an equality compares two computed values (not a literal, not lengths): `sig === expected`."""
    sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
    for side in sides:
        if side is None:
            return False
        side = ts.unwrap(side)
        if side.type in {"number", "string", "null", "undefined", "true", "false", "template_string"}:
            return False
        if side.type == "member_expression" and ts.text_of(side).endswith(".length"):
            return False
    return True


@check("INT-05", "Webhook signature verification implemented", mode="auto", kind=Kind.INTEGRATION)
def webhook_signature_verified(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: When integration.yaml lists `webhook_events`, checks that the code compares signatures with
    `crypto.timingSafeEqual` in a file that computes the HMAC (`createHmac`; a timing-safe comparison of something
    else, such as the OAuth state, does not count), bounds the signed timestamp with a tolerance (a `<`/`>`
    comparison involving a name containing "tolerance"), and never compares a signature with `===`/`==`. Without
    webhook events it is not applicable.

    Why it matters: An unverified webhook endpoint accepts forged events from anyone; `===` leaks the signature
    through timing, and without a timestamp tolerance a captured delivery can be replayed forever.

    How to fix: Compute the HMAC of `<timestamp>.<body>`, compare with `timingSafeEqual`, and reject when
    `Math.abs(now - timestamp) > TOLERANCE_SECONDS` (e.g. 300).
    """
    manifest = _manifest("INT-05", repo, subject)
    if not isinstance(manifest, Mapping):
        return manifest
    events = manifest.get("webhook_events")
    if not isinstance(events, list) or not events:
        return [Finding("INT-05", Status.NOT_APPLICABLE, "integration.yaml lists no webhook_events")]
    findings = _broken_sources("INT-05", repo, subject)
    timing_safe, tolerance = None, None
    for path, parsed in _sources(repo, subject):
        computes_hmac = any(ts.calls(parsed, lambda c: c == "createHmac" or c.endswith(".createHmac")))
        for call in ts.calls(parsed, lambda c: c == "timingSafeEqual" or c.endswith(".timingSafeEqual")):
            if computes_hmac:
                timing_safe = timing_safe or (path, call.line)
        for node in ts.walk(parsed.root):
            if node.type != "binary_expression":
                continue
            operator, text = _binary_operator(node), ts.text_of(node)
            if operator in _COMPARISONS and "tolerance" in text.lower():
                tolerance = tolerance or (path, ts.line_of(node))
            elif operator in _EQUALITY and "signature" in text.lower() and _compares_values(node):
                findings.append(
                    Finding(
                        "INT-05",
                        Status.FAIL,
                        f"signature compared with `{operator}` (not timing-safe)",
                        file=path,
                        line=ts.line_of(node),
                        fix="compare with crypto.timingSafeEqual on equal-length buffers",
                    )
                )
    where = subject.join("src")
    if timing_safe is None:
        findings.append(
            _fail_at_manifest(
                "INT-05",
                repo,
                subject,
                f"no timingSafeEqual signature check in {where}",
                "verify the HMAC signature with crypto.timingSafeEqual",
                "webhook_events",
            )
        )
    if tolerance is None:
        findings.append(
            _fail_at_manifest(
                "INT-05",
                repo,
                subject,
                f"no timestamp tolerance check in {where}",
                "reject deliveries whose timestamp is older than a tolerance",
                "webhook_events",
            )
        )
    if findings:
        return findings
    path, line = timing_safe  # type: ignore[misc]
    return [
        Finding("INT-05", Status.PASS, "timing-safe signature check with a timestamp tolerance", file=path, line=line)
    ]


# --- INT-06 --------------------------------------------------------------------------------------------------
def handled_codes(parsed: ts.ParsedTs) -> set[str]:
    """Strings used as `case "...":` labels or object keys in a module."""
    handled = set()
    for node in ts.walk(parsed.root):
        if node.type == "switch_case":
            value = node.child_by_field_name("value")
            text = ts.string_value(value) if value is not None else None
            if text is not None:
                handled.add(text)
        elif node.type == "pair":
            key = node.child_by_field_name("key")
            if key is not None:
                handled.add(ts.string_value(key) or ts.text_of(key))
    return handled


@check("INT-06", "Error handling covers all platform error codes", mode="auto", kind=Kind.INTEGRATION)
def all_error_codes_handled(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the integration's error module (src/errors.ts) handles every key of
    PLATFORM_ERROR_CODES (packages/contracts/src/errors.ts), as a `case "<code>":` or an object key.

    Why it matters: Each code asks for a different reaction — refresh on `unauthorized`, back off on
    `rate_limited`, ask for consent on `insufficient_scope`; an unhandled one ends as a generic failure the user
    cannot act on.

    How to fix: Add the missing codes to the switch or map in src/errors.ts.
    """
    codes = error_codes(repo)
    if codes is None:
        return [
            Finding(
                "INT-06",
                Status.FAIL,
                "PLATFORM_ERROR_CODES cannot be read",
                file=platform.ERROR_CODES,
                line=1,
                fix="restore `export const PLATFORM_ERROR_CODES = { ... }`",
            )
        ]
    module = subject.join(platform.INTEGRATION_ERRORS_MODULE)
    parsed = source(repo, module)
    if parsed is None:
        return [
            _fail_at_manifest(
                "INT-06",
                repo,
                subject,
                f"{module} is missing",
                "map every PLATFORM_ERROR_CODES key to a reaction in src/errors.ts",
            )
        ]
    if parsed.error_line is not None:
        return [unreadable("INT-06", module, parsed.error_line)]
    missing = [code for code in codes if code not in handled_codes(parsed)]
    if missing:
        return [
            Finding(
                "INT-06",
                Status.FAIL,
                f"unhandled platform error codes: {', '.join(missing)}",
                file=module,
                line=1,
                fix=f"handle {', '.join(missing)} in {module}",
            )
        ]
    return [Finding("INT-06", Status.PASS, f"all {len(codes)} platform error codes handled", file=module)]


# --- INT-07 --------------------------------------------------------------------------------------------------
_BACKOFF_NAME = re.compile(r"backoff|delay|jitter|retry|wait|sleep", re.IGNORECASE)


@check("INT-07", "Rate-limit backoff with jitter", mode="auto", kind=Kind.INTEGRATION)
def backoff_with_jitter(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the integration computes its retry delay with jitter (`Math.random()` inside a
    function named like backoff / delay / jitter / retry) and honours the `Retry-After` header (read with
    `headers.get("retry-after")`, any case).

    Why it matters: Retries without jitter arrive in lockstep and re-trigger the rate limit; ignoring Retry-After
    keeps the partner throttled longer and can get its client suspended.

    How to fix: `delay = Math.max(retryAfterMs, base * 2 ** attempt) * (0.5 + Math.random() / 2)`, with
    `retryAfterMs` from `response.headers.get("retry-after")`.
    """
    findings = _broken_sources("INT-07", repo, subject)
    jitter, retry_after = None, None
    for path, parsed in _sources(repo, subject):
        for call in ts.calls(parsed, "Math.random"):
            if any(_BACKOFF_NAME.search(name) for name in enclosing_function_names(call.node)):
                jitter = jitter or (path, call.line)
        for call in ts.all_calls(parsed):
            if call.callee.endswith(".get") and any((a.string or "").lower() == "retry-after" for a in call.arguments):
                retry_after = retry_after or (path, call.line)
        for node in ts.walk(parsed.root):
            if node.type == "subscript_expression":
                index = node.child_by_field_name("index")
                if index is not None and (ts.string_value(index) or "").lower() == "retry-after":
                    retry_after = retry_after or (path, ts.line_of(node))
    if jitter is None:
        findings.append(
            _fail_at_manifest(
                "INT-07",
                repo,
                subject,
                "no jittered backoff: no Math.random() in a backoff/delay/retry function",
                "add jitter to the retry delay",
            )
        )
    if retry_after is None:
        findings.append(
            _fail_at_manifest(
                "INT-07",
                repo,
                subject,
                "the Retry-After header is never read",
                'honour `response.headers.get("retry-after")` before retrying',
            )
        )
    if findings:
        return findings
    path, line = jitter  # type: ignore[misc]
    return [Finding("INT-07", Status.PASS, "jittered backoff honouring Retry-After", file=path, line=line)]


# --- INT-08 --------------------------------------------------------------------------------------------------
def _redacted(node: Node, stop: Node) -> bool:
    current = node.parent
    while current is not None and current != stop:
        if current.type == "call_expression" and REDACTING_CALLS.search(ts.callee_of(current)):
            return True
        current = current.parent
    return False


def leaked_names(call: ts.Call) -> list[tuple[str, int]]:
    """Sensitive values a log call passes: identifiers and properties named like tokens, secrets or PHI, and
    header lookups of authorization/cookie — unless wrapped in redact()/safeView()/mask()/hash()."""
    found = []
    for argument in call.arguments:
        for node in ts.walk(argument.node):
            name = None
            if node.type in {"identifier", "shorthand_property_identifier"} or (
                node.type == "property_identifier"
                and node.parent is not None
                and node.parent.type == "member_expression"
            ):
                name = ts.text_of(node)
            elif node.type == "call_expression":
                inner = ts.call_of(node)
                if inner.arguments and re.fullmatch(r"authorization|cookie", inner.arguments[0].string or "", re.I):
                    name = inner.arguments[0].string
            if name and (SENSITIVE_NAME.search(name) or PHI_NAME.search(name)) and not _redacted(node, call.node):
                found.append((name, ts.line_of(node)))
    return found


@check("INT-08", "Logging excludes tokens + PHI", mode="auto", kind=Kind.INTEGRATION)
def logs_exclude_tokens_and_phi(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks at every `log.*` / `logger.*` / `console.*` call in the integration's src/ and fails on
    each value it passes whose name says token, secret, authorization, password, api key, cookie or credential,
    or a PHI field (email, phone, dob / birth date, ssn, diagnosis, medication, prescription), unless it is
    wrapped in `redact(...)`, `safeView(...)`, `mask(...)` or `hash(...)`.

    Why it matters: Logs are kept for months and read by many; a bearer token in a log line is a working
    credential, and PHI there is a reportable breach.

    How to fix: Log identifiers and outcomes, not secrets: drop the field, or wrap it (`redact(token)`,
    `safeView(user, ["id"])`).
    """
    findings = _broken_sources("INT-08", repo, subject)
    logged = 0
    for path, parsed in _sources(repo, subject):
        for call in ts.calls(parsed, lambda c: bool(LOG_CALLEE.match(c))):
            logged += 1
            for name, line in leaked_names(call):
                findings.append(
                    Finding(
                        "INT-08",
                        Status.FAIL,
                        f"{call.callee}(...) logs `{name}` unredacted",
                        file=path,
                        line=line,
                        fix=f"drop `{name}` from the log call or wrap it in redact()/safeView()",
                    )
                )
    return findings or [Finding("INT-08", Status.PASS, f"{logged} log call(s), none passes a token or PHI field")]


# --- INT-09 --------------------------------------------------------------------------------------------------
_DISCONNECT_FILE = re.compile(r"(disconnect|revoke)[^/]*\.tsx?$", re.IGNORECASE)


def _mentions_revoke_endpoint(parsed: ts.ParsedTs) -> int | None:
    return next((line for value, line in ts.strings(parsed) if platform.OAUTH_REVOKE_PATH in value), None)


@check("INT-09", "User has revoke / disconnect UI", mode="auto", kind=Kind.INTEGRATION)
def revoke_ui(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks in src/ for a UI file named like `Disconnect*.tsx` / `revoke*.tsx` that either calls
    the identity service's revocation endpoint (`/oauth/revoke`) itself or calls a `revoke…`/`disconnect…`
    function of the integration, and checks that the integration's code does call `/oauth/revoke`.

    Why it matters: Users must be able to withdraw a partner's access themselves; deleting local tokens without
    revoking them leaves a working refresh token at the partner.

    How to fix: Add a Disconnect component whose action POSTs the refresh token to the identity service's
    `/oauth/revoke` (directly or through a `revokeTokens()` helper) before clearing local state.
    """
    findings = _broken_sources("INT-09", repo, subject)
    sources = dict(_sources(repo, subject))
    ui_files = [path for path in sources if _DISCONNECT_FILE.search(path)]
    if not ui_files:
        return [
            *findings,
            _fail_at_manifest(
                "INT-09",
                repo,
                subject,
                f"no Disconnect/Revoke UI file in {subject.join('src')}",
                "add a Disconnect component that revokes the tokens",
            ),
        ]
    endpoint = next(
        ((path, line) for path, parsed in sources.items() if (line := _mentions_revoke_endpoint(parsed)) is not None),
        None,
    )
    for path in ui_files:
        parsed = sources[path]
        calls_revoke = _mentions_revoke_endpoint(parsed) or next(
            (c.line for c in ts.all_calls(parsed) if re.search(r"revoke|disconnect", c.callee, re.IGNORECASE)), None
        )
        if calls_revoke and endpoint is not None:
            return [
                *findings,
                Finding(
                    "INT-09",
                    Status.PASS,
                    f"{path} revokes through {platform.OAUTH_REVOKE_PATH}",
                    file=path,
                    line=calls_revoke,
                ),
            ]
    if endpoint is None:
        return [
            *findings,
            Finding(
                "INT-09",
                Status.FAIL,
                f"nothing in src/ calls {platform.OAUTH_REVOKE_PATH}",
                file=ui_files[0],
                line=1,
                fix=f"POST the refresh token to the identity service's {platform.OAUTH_REVOKE_PATH}",
            ),
        ]
    return [
        *findings,
        Finding(
            "INT-09",
            Status.FAIL,
            f"{ui_files[0]} does not call the revoke action",
            file=ui_files[0],
            line=1,
            fix="call the revoke function from the Disconnect action",
        ),
    ]


# --- INT-10 --------------------------------------------------------------------------------------------------
@check(
    "INT-10", "BAA signed if PHI scopes", mode="human", kind=Kind.INTEGRATION, covers=(platform.INTEGRATION_MANIFEST,)
)
def baa_signed_if_phi(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Reads the scopes integration.yaml asks for; each must be in SCOPES. When one returns PHI
    (`returnsPhi: true`), a signed BAA with the partner is a person's confirmation, recorded as a sign-off;
    otherwise the item is not applicable.

    Why it matters: Sharing PHI with a partner without a BAA is a HIPAA violation, whatever the code does.

    How to fix: Get the BAA signed, then `scaffold attest INT-10 --subject integration:<name> --note
    "BAA <reference> signed on <date>"` (`--by` defaults to your git identity).
    """
    manifest = _manifest("INT-10", repo, subject)
    if not isinstance(manifest, Mapping):
        return manifest
    asked = manifest.get("scopes")
    if not isinstance(asked, list) or not all(isinstance(s, str) for s in asked):
        return [
            _fail_at_manifest(
                "INT-10",
                repo,
                subject,
                "integration.yaml has no `scopes` list",
                "list the scopes the integration asks for",
                "scopes",
            )
        ]
    known = scopes(repo) or {}
    unknown = [s for s in asked if s not in known]
    if unknown:
        return [
            _fail_at_manifest(
                "INT-10",
                repo,
                subject,
                f"scopes not in SCOPES: {', '.join(unknown)}",
                "ask only for scopes registered in packages/scopes",
                "scopes",
                asked.index(unknown[0]),
            )
        ]
    phi = [s for s in asked if known[s].returns_phi]
    if not phi:
        return [Finding("INT-10", Status.NOT_APPLICABLE, f"no PHI scope among {', '.join(asked) or 'its scopes'}")]
    return [needs_human("INT-10", subject, f"a BAA with the partner is signed (PHI scopes: {', '.join(phi)})")]


# --- INT-11 --------------------------------------------------------------------------------------------------
def raw_buttons(parsed: ts.ParsedTs) -> list[int]:
    """Lines of JSX `<button>` elements (the kit's components are capitalised)."""
    found = []
    for node in ts.walk(parsed.root):
        if node.type in {"jsx_opening_element", "jsx_self_closing_element"}:
            name = node.child_by_field_name("name")
            if name is not None and ts.text_of(name) == "button":
                found.append(ts.line_of(node))
    return found


@check(
    "INT-11",
    "Branding follows the Loop button kit",
    mode="auto (uses the kit) + human",
    kind=Kind.INTEGRATION,
    covers=("src/*.tsx",),
)
def uses_button_kit(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the integration's UI (.tsx files in src/) imports the Loop button kit
    (`@platform/button-kit`) and renders no raw `<button>`. Whether the result follows the brand guidelines is
    a person's judgement, recorded as a sign-off.

    Why it matters: Users recognise the "Connect with Loop" button; a home-made one looks like phishing and
    breaks the brand agreement partners sign.

    How to fix: `import { ConnectButton, DisconnectButton } from "@platform/button-kit"` and use them instead of
    raw buttons; then ask design to sign off.
    """
    findings = _broken_sources("INT-11", repo, subject)
    ui = {path: parsed for path, parsed in _sources(repo, subject) if path.endswith(".tsx")}
    using_kit = [
        path for path, parsed in ui.items() if any(i.module == platform.BUTTON_KIT_MODULE for i in ts.imports(parsed))
    ]
    for path, parsed in ui.items():
        findings += [
            Finding(
                "INT-11",
                Status.FAIL,
                "raw <button> instead of the button kit",
                file=path,
                line=line,
                fix=f"use the kit's buttons from {platform.BUTTON_KIT_MODULE}",
            )
            for line in raw_buttons(parsed)
        ]
    if not using_kit:
        where = next(iter(ui), None)
        findings.append(
            Finding(
                "INT-11",
                Status.FAIL,
                f"no UI file imports {platform.BUTTON_KIT_MODULE}",
                file=where or subject.join(platform.INTEGRATION_MANIFEST),
                line=1,
                fix=f"import the connect/disconnect buttons from {platform.BUTTON_KIT_MODULE}",
            )
        )
    if findings:
        return findings
    return [
        Finding("INT-11", Status.PASS, f"{len(using_kit)} UI file(s) use the button kit", file=using_kit[0]),
        needs_human("INT-11", subject, "the integration's screens follow the Loop brand guidelines"),
    ]
