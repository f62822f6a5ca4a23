"""SVC-DB-01..04 on migrations people wrote (issue 10): every finding, not only the first, at its line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Finding, Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "checks"
MIGRATION_ITEMS = ("SVC-DB-01", "SVC-DB-03", "SVC-DB-04", "SVC-CODE-06")


def _findings(case: str, *ids: str) -> list[Finding]:
    return [f for f in run_checks(FIXTURES / case / "repo", Selection(only=ids)) if f.check_id in ids]


def test_two_columns_dropped_by_one_statement_are_two_findings() -> None:
    failing = [f for f in _findings("SVC-DB-01/fail-two-drops-one-statement", "SVC-DB-01") if f.status is Status.FAIL]
    assert [(f.line, f.message.split(" breaks")[0]) for f in failing] == [
        (2, "drop column invoices.name"),
        (3, "drop column invoices.created_at"),
    ]


def test_an_unparseable_migration_is_reported_once() -> None:
    findings = _findings("SVC-DB-01/fail-syntax-error", *MIGRATION_ITEMS)
    failing = [f for f in findings if f.status is Status.FAIL]
    assert [(f.check_id, f.line) for f in failing] == [("SVC-DB-01", 4)]
    undecided = {f.check_id: f for f in findings if f.status is Status.NEEDS_HUMAN and "could not decide" in f.message}
    assert set(undecided) == {"SVC-DB-03", "SVC-DB-04", "SVC-CODE-06"}
    assert all(f.line == 4 and "does not parse" in f.message for f in undecided.values())


@pytest.mark.parametrize("check_id", ["SVC-DB-01", "SVC-DB-03"])
def test_a_dynamic_execute_is_undecided_never_a_pass(check_id: str) -> None:
    findings = _findings(f"{check_id}/pass-dynamic-execute-undecided", check_id)
    assert Status.PASS not in {f.status for f in findings}
    (undecided,) = [f for f in findings if f.status is Status.NEEDS_HUMAN]
    assert undecided.file and undecided.file.endswith(".sql")
    assert undecided.line == {"SVC-DB-01": 3, "SVC-DB-03": 5}[check_id]
    assert "EXECUTE" in undecided.message


def test_timeout_finding_stands_for_a_later_statement_on_an_existing_table() -> None:
    failing = [f for f in _findings("SVC-DB-03/fail-timeout-later-statement", "SVC-DB-03") if f.status is Status.FAIL]
    assert {(f.line, f.message.split(":")[0]) for f in failing} == {
        (4, "squawk require-lock-timeout"),
        (4, "squawk require-statement-timeout"),
    }


def test_lock_free_enum_value_is_not_flagged() -> None:
    statuses = {f.status for f in _findings("SVC-DB-03/pass-enum-add-value", "SVC-DB-03")}
    assert statuses == {Status.PASS, Status.NEEDS_HUMAN}


def test_squawk_timeout_is_a_finding_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def too_slow(*args: object, **_kwargs: object) -> None:
        calls.append(args)
        raise subprocess.TimeoutExpired("squawk", 60)

    monkeypatch.setattr(subprocess, "run", too_slow)
    findings = _findings("SVC-DB-03/fail", "SVC-DB-01", "SVC-DB-03")
    failing = [f for f in findings if f.status is Status.FAIL]
    assert [(f.check_id, "did not finish" in f.message) for f in failing] == [("SVC-DB-03", True)]
    assert len(calls) == 1  # remembered: neither the look-ahead run nor a second check waits for it again
