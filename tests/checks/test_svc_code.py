"""The SVC-CODE rules that fixtures alone do not pin down: what counts as a safe log value, where a fetch goes."""

from __future__ import annotations

import pytest

from scaffold.checks.svc_code import fetch_target, is_log_call, unsafe_log_values
from scaffold.parsers.typescript import calls, parse_typescript, text_of


def _unsafe(argument: str) -> list[str]:
    parsed = parse_typescript(f"log.info({argument});")
    (call,) = calls(parsed, "log.info")
    return [text_of(part) for a in call.arguments for part in unsafe_log_values(a.node)]


@pytest.mark.parametrize(
    "argument",
    [
        '"created"',
        "`created ${c.req.method} ${c.req.routePath}`",
        'safeView(item, ["id"])',
        '"x", { port: info.port, stage: config.stage, nested: [1, "a", safeView(row, ["id"])] }',
        "{ error: error instanceof Error ? error.name : typeof error, code: err.code }",
    ],
)
def test_safe_log_arguments(argument: str) -> None:
    assert _unsafe(argument) == []


@pytest.mark.parametrize(
    ("argument", "unsafe"),
    [
        ("item", ["item"]),
        ('"x", { patient: row.patient_name }', ["row.patient_name"]),
        ("`hello ${user.name}`", ["user.name"]),
        ('"x", { error: String(error) }', ["String(error)"]),
        ('"x", { message: error.message }', ["error.message"]),
        ('"x", { ...row }', ["...row"]),
        ('"prefix " + body.email', ["body.email"]),
    ],
)
def test_unsafe_log_arguments(argument: str, unsafe: list[str]) -> None:
    assert _unsafe(argument) == unsafe


def test_log_callees() -> None:
    assert all(map(is_log_call, ["log.info", "console.log", "this.logger.warn", "ctx.log.error"]))
    assert not any(map(is_log_call, ["info", "log", "catalog.info", "console.table"]))


def test_fetch_targets_resolved_within_the_file() -> None:
    parsed = parse_typescript(
        'const BASE = "https://ledger.platform.loop.health";\n'
        "fetch(BASE);\n"
        'fetch(new URL("https://api.vendor.example/x"));\n'
        "fetch(`https://${host}/x`);\n"
        "fetch(url);\n"
    )
    bindings = {"BASE": "https://ledger.platform.loop.health"}
    targets = [fetch_target(call, bindings) for call in calls(parsed, "fetch")]
    assert targets == ["https://ledger.platform.loop.health", "https://api.vendor.example/x", "https://${host}/x", None]
