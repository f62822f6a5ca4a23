"""INT helpers: redirect URI rules and what counts as logging a token."""

from __future__ import annotations

import pytest

from scaffold.checks.integration import leaked_names, redirect_uri_problem
from scaffold.parsers.typescript import calls, parse_typescript


@pytest.mark.parametrize(
    ("uri", "stage", "problem"),
    [
        ("https://acme.example/cb", "prod", None),
        ("http://localhost:5173/cb", "dev", None),
        ("http://localhost:5173/cb", "prod", "is not https"),
        ("http://acme.example/cb", "dev", "is not https (plain http is only allowed for localhost in dev)"),
        ("https://*.acme.example/cb", "staging", "contains a wildcard"),
        ("/cb", "prod", "is not an absolute URL"),
        ("https://acme.example/cb#x", "prod", "has a fragment"),
    ],
)
def test_redirect_uri_rules(uri: str, stage: str, problem: str | None) -> None:
    assert redirect_uri_problem(uri, stage) == problem


def _leaks(source: str) -> list[str]:
    (call,) = calls(parse_typescript(source), lambda c: c.startswith(("log.", "console.")))
    return [name for name, _ in leaked_names(call)]


def test_tokens_and_phi_in_log_calls_are_found_unless_redacted() -> None:
    assert _leaks('log.info("refreshed", { accessToken, status });') == ["accessToken"]
    assert _leaks('log.info("refreshed", { token: session.refresh_token });') == ["refresh_token"]
    assert _leaks("console.log(`user ${user.email}`);") == ["email"]
    assert _leaks('log.warn("request", { auth: c.req.header("authorization") });') == ["authorization"]
    assert _leaks('log.info("refreshed", { token: redact(accessToken), user: safeView(user, ["id"]) });') == []
    assert _leaks('log.info("token refreshed", { status: res.status, tokenType: "bearer" });') == []
