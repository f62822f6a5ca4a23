"""A freshly generated service passes the SVC docs, observability, auth, deployment and SDK checks: no `fail`,
and what stays open is exactly the evidence and sign-offs those items need from outside the repository.

Fast (no pnpm): `scaffold init` + `scaffold new service`, then the checks over the generated tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

OWNED = ("SVC-DOC", "SVC-OBS", "SVC-AUTH", "SVC-DEP", "SVC-SDK")
OPEN_ITEMS = {
    ("SVC-DOC-05", Status.NEEDS_HUMAN),
    ("SVC-OBS-03", Status.NEEDS_EVIDENCE),
    ("SVC-OBS-05", Status.NEEDS_EVIDENCE),
    ("SVC-AUTH-04", Status.NEEDS_HUMAN),
    ("SVC-DEP-03", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-04", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-05", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-06", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-07", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-08", Status.NEEDS_EVIDENCE),
    ("SVC-DEP-09", Status.NEEDS_HUMAN),
    ("SVC-SDK-02", Status.NEEDS_EVIDENCE),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "care-plans", "--resource", "care_plan", "--returns-phi", "--repo", str(root),
                 "--defaults", "--no-verify"]) == 0  # fmt: skip
    return root


def test_generated_services_do_not_fail(generated: Path) -> None:
    findings = run_checks(generated, Selection(only=OWNED), apply_attestations=False)
    failing = [f for f in findings if f.status is Status.FAIL]
    assert not failing, "\n".join(f"{f.check_id} {f.file}:{f.line} {f.message}" for f in failing)


def test_generated_services_leave_only_outside_facts_and_sign_offs(generated: Path) -> None:
    findings = run_checks(generated, Selection(only=OWNED), apply_attestations=False)
    open_items = {(f.check_id, f.status) for f in findings if f.status not in {Status.PASS, Status.NOT_APPLICABLE}}
    assert open_items == OPEN_ITEMS
    by_subject = {(f.check_id, f.subject): f.status for f in findings}
    assert by_subject[("SVC-AUTH-03", "service:care-plans")] is Status.PASS  # --returns-phi brings requireBaa()
    assert by_subject[("SVC-AUTH-03", "service:billing")] is Status.NOT_APPLICABLE
    assert by_subject[("SVC-AUTH-01", "service:billing")] is Status.NOT_APPLICABLE  # nothing calls it yet
