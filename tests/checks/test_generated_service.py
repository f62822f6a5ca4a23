"""A freshly generated service passes the SVC code, database, events and tests checks: no `fail`.

Fast (no pnpm): `scaffold init` + `scaffold new service`, then the checks over the generated tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

OWNED = ("SVC-CODE", "SVC-DB", "SVC-EV", "SVC-TEST")


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
    checked = {(f.check_id, f.subject) for f in findings}
    assert ("SVC-TEST-04", "service:care-plans") in checked and ("SVC-CODE-04", "service:billing") in checked


def test_generated_services_leave_only_the_timing_judgement(generated: Path) -> None:
    findings = run_checks(generated, Selection(only=OWNED), apply_attestations=False)
    open_items = {(f.check_id, f.status) for f in findings if f.status not in {Status.PASS, Status.NOT_APPLICABLE}}
    assert open_items == {("SVC-DB-03", Status.NEEDS_HUMAN)}
