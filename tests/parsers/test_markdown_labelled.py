"""scaffold.parsers.markdown.labelled: `Label: value` fields inside a section (RUNBOOK alarms)."""

from __future__ import annotations

from scaffold.parsers.markdown import labelled

BODY = """Severity: critical.

Dashboard: https://example.test/alarm

Remediation:
1. Look at the errors.
2. Roll back.

**Owner:** billing-team

### Escalation
Page the owner.
"""


def test_inline_and_following_lines() -> None:
    assert labelled(BODY, "Dashboard") == "https://example.test/alarm"
    assert labelled(BODY, "remediation") == "1. Look at the errors.\n2. Roll back."
    assert labelled(BODY, "Owner") == "billing-team"


def test_sub_heading_and_absent_labels() -> None:
    assert labelled(BODY, "Escalation") == "Page the owner."
    assert labelled(BODY, "Rollback") is None
    assert labelled("Dashboard:\n\nlater text", "Dashboard") == ""
