"""A freshly generated platform with two services passes the EVT, JOB, EP, INT and DEPLOY checks: nothing fails,
and what stays open is only what needs a person or outside evidence.

Fast (no pnpm). The changeset is the developer's to write (`pnpm changeset`), so the test writes one."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

OWNED = ("EP", "EVT", "JOB", "INT", "DEPLOY")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "care-plans", "--resource", "care_plan", "--returns-phi", "--repo", str(root),
                 "--defaults", "--no-verify"]) == 0  # fmt: skip
    (root / ".changeset/add-billing-and-care-plans.md").write_text(
        '---\n"@platform/billing-service": minor\n---\n\nAdd the billing and care plans services.\n'
    )
    return root


def test_generated_platform_does_not_fail(generated: Path) -> None:
    findings = run_checks(generated, Selection(only=OWNED), apply_attestations=False)
    failing = [f for f in findings if f.status is Status.FAIL]
    assert not failing, "\n".join(f"{f.check_id} {f.subject} {f.file}:{f.line} {f.message}" for f in failing)
    checked = {(f.check_id, f.subject) for f in findings if f.status is Status.PASS}
    assert ("EVT-05", "event:billing.item_created") in checked
    assert ("EVT-06", "event:care-plans.care_plan_created") in checked


def test_what_stays_open_needs_a_person_or_evidence(generated: Path) -> None:
    findings = run_checks(generated, Selection(only=OWNED), apply_attestations=False)
    open_items = {(f.check_id, f.status) for f in findings if f.status not in {Status.PASS, Status.NOT_APPLICABLE}}
    assert open_items == {
        ("DEPLOY-02", Status.NEEDS_EVIDENCE),
        ("DEPLOY-03", Status.NEEDS_HUMAN),
        ("DEPLOY-06", Status.NEEDS_HUMAN),
    }
