"""DEPLOY helpers: what makes a changeset summary lazy, and the freeze calendar against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scaffold.checks.deploy import summary_problem
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

CALENDAR_REPO = Path(__file__).parent.parent / "fixtures/checks/DEPLOY-04/pass/repo"  # window 2001-12-20..2002-01-04


@pytest.mark.parametrize("summary", ["fix", "WIP", "Update.", "fix bug", "changes and fixes", "Small tweak", ""])
def test_lazy_summaries_are_rejected(summary: str) -> None:
    assert summary_problem(summary) is not None


@pytest.mark.parametrize("summary", ["Fix login timeout on Safari", "Billing: invoices can be filtered by status."])
def test_user_facing_summaries_pass(summary: str) -> None:
    assert summary_problem(summary) is None


def _freeze_status(**options: object) -> Status:
    (finding,) = run_checks(CALENDAR_REPO, Selection(only=("DEPLOY-04",)), **options)  # type: ignore[arg-type]
    return finding.status


def test_the_freeze_window_includes_both_end_dates() -> None:
    assert _freeze_status(now=datetime(2002, 1, 4, 23, 59, tzinfo=UTC)) is Status.FAIL
    assert _freeze_status(now=datetime(2001, 12, 20, 0, 0, tzinfo=UTC)) is Status.FAIL
    assert _freeze_status(now=datetime(2002, 1, 5, 0, 0, tzinfo=UTC)) is Status.PASS
    assert _freeze_status(now=datetime(2001, 12, 19, 23, 59, tzinfo=UTC)) is Status.PASS


def test_scaffold_now_sets_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCAFFOLD_NOW", "2001-12-25")
    (finding,) = run_checks(CALENDAR_REPO, Selection(only=("DEPLOY-04",)))
    assert finding.status is Status.FAIL
    assert (finding.file, finding.line) == ("release/freeze-windows.yaml", 3)
    assert (
        finding.message == "2001-12-25 00:00 UTC is inside the freeze window 2001-12-20 to 2002-01-04 (Year-end freeze)"
    )
