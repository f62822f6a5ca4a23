"""End to end: one of each kind generated into an installed platform and removed again
(`scaffold remove`) leave a platform that type-checks, passes its own tests, regenerates EVENT_NAMES and the SDK
schema to the committed bytes, and that `scaffold verify` finds nothing failing in; what stays is untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.verified import failing, verify_findings

pytestmark = pytest.mark.e2e


def _run(root: Path, *args: str) -> None:
    assert main([*args, "--repo", str(root), "--no-verify"]) == 0


@pytest.fixture(scope="module")
def removed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-remove") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    _run(root, "new", "service", "billing", "--defaults")
    pnpm.run(["install"], root)
    _run(root, "new", "event", "invoice.paid", "--defaults", "--user-facing")
    _run(root, "new", "event", "invoice.voided", "--defaults", "--user-facing")
    _run(root, "new", "event", "billing.refund_issued", "--defaults", "--field", "amount:integer", "--user-facing")
    _run(root, "new", "job", "nightly-cleanup", "--defaults")
    _run(root, "new", "job", "weekly-report", "--defaults")
    _run(root, "new", "service", "care-plans", "--defaults", "--resource", "care_plan")
    _run(root, "remove", "service", "care-plans")
    _run(root, "new", "endpoint", "list-invoices", "--service", "billing", "--defaults")
    _run(root, "new", "endpoint", "void-invoice", "--service", "billing", "--method", "post", "--defaults")
    _run(root, "remove", "endpoint", "void-invoice")
    # invoice.paid stays, published by an action that stays; the other events' actions go before their events
    action = ("--service", "billing", "--method", "post", "--defaults")
    _run(root, "new", "endpoint", "pay-item", *action, "--path", "/items/{id}/pay", "--emits", "invoice.paid")
    _run(root, "new", "endpoint", "void-item", *action, "--path", "/items/{id}/void", "--emits", "invoice.voided")
    refund = ("--path", "/items/{id}/refunds", "--emits", "billing.refund_issued")
    _run(root, "new", "endpoint", "refund-item", *action, *refund)
    _run(root, "remove", "endpoint", "void-item")
    _run(root, "remove", "endpoint", "refund-item")
    # a nested collection: made by its GET, added to by its POST, gone with the last of them
    nested = ("--service", "billing", "--defaults", "--path", "/items/{id}/lines")
    _run(root, "new", "endpoint", "list-item-lines", *nested)
    _run(root, "new", "endpoint", "add-item-line", *nested, "--method", "post", "--emits", "none")
    _run(root, "remove", "endpoint", "list-item-lines")
    _run(root, "remove", "endpoint", "add-item-line")
    assert not (root / "services/billing/src/services/item_line-service.ts").exists()
    _run(root, "new", "integration", "acme-sync", "--defaults")
    _run(root, "remove", "integration", "acme-sync")
    _run(root, "remove", "event", "invoice.voided")
    _run(root, "remove", "event", "billing.refund_issued")
    _run(root, "remove", "job", "weekly-report")
    return root


def test_typecheck(removed: Path) -> None:
    pnpm.run(["-r", "typecheck"], removed)


def test_generated_tests_pass(removed: Path) -> None:
    result = pnpm.run(["--filter", "@platform/contracts", "exec", "vitest", "run", "--reporter=verbose"], removed)
    passed = [line for line in (result.stdout + result.stderr).splitlines() if "✓" in line]
    assert sum("accepts the payload the billing service publishes" in line for line in passed) == 1, passed
    pnpm.run(["--filter", "@platform/billing-service", "exec", "vitest", "run"], removed)
    pnpm.run(["--filter", "@platform/jobs-service", "exec", "vitest", "run"], removed)


def test_sdk_gen_output_matches_the_committed_schema(removed: Path) -> None:
    schema = removed / "services/billing/sdk/src/schema.ts"
    before = schema.read_text()
    assert '"/admin/jobs/nightly-cleanup"' in before and "weekly-report" not in before
    assert '"/invoices"' in before and "void-invoice" not in before and '"/items/{id}/pay"' in before
    assert "/void" not in before and "/refunds" not in before
    pnpm.run(["--filter", "@platform/billing-service", "sdk:gen"], removed)
    assert schema.read_text() == before


def test_event_names_from_pnpm_gen_match_scaffold(removed: Path) -> None:
    names = removed / "packages/contracts/src/events/names.generated.ts"
    before = names.read_text()
    assert '"invoice.paid"' in before and "invoice.voided" not in before and "refund_issued" not in before
    pnpm.run(["--filter", "@platform/contracts", "gen"], removed)
    assert names.read_text() == before


def test_verify_reports_no_failure(removed: Path) -> None:
    _, findings = verify_findings(removed)
    assert failing(findings) == [], json.dumps(failing(findings), indent=1)
    subjects = {f["subject"] for f in findings}
    assert "event:invoice.paid" in subjects
    assert "event:invoice.voided" not in subjects and "event:billing.refund_issued" not in subjects
    assert "job:nightly-cleanup" in subjects and "job:weekly-report" not in subjects
    assert "service:billing" in subjects and "service:care-plans" not in subjects
    assert not any("acme-sync" in (subject or "") for subject in subjects)
