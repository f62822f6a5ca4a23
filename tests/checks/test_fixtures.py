"""Every check against its own fixtures: `tests/fixtures/checks/<ID>/<case>/` holds `repo/` (a small tree) and
`expect.yaml` ({status, file?, line?, message_contains?}). Cases named `fail*` must fail at that file and line;
`pass*` cases must not fail and must give the expected status."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaffold.checks import catalogue
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "checks"


def _cases() -> list[tuple[str, Path]]:
    return [
        (f"{id_dir.name}/{case.name}", case)
        for id_dir in sorted(FIXTURES.iterdir())
        if id_dir.is_dir()
        for case in sorted(id_dir.iterdir())
        if (case / "expect.yaml").is_file()
    ]


@pytest.mark.parametrize(("name", "case"), _cases(), ids=[n for n, _ in _cases()])
def test_check_on_fixture(name: str, case: Path) -> None:
    check_id = case.parent.name
    expect = yaml.safe_load((case / "expect.yaml").read_text())
    findings = [f for f in run_checks(case / "repo", Selection(only=(check_id,))) if f.check_id == check_id]
    assert findings, f"{check_id} gave no finding"
    expected = Status(expect["status"])
    statuses = {f.status for f in findings}
    if case.name.startswith("fail"):
        assert expected is Status.FAIL
        failing = [f for f in findings if f.status is Status.FAIL]
        assert failing, f"expected a fail, got {findings}"
        if "file" in expect:
            places = {(f.file, f.line) for f in failing}
            assert (expect["file"], expect.get("line")) in places, (
                f"expected fail at {expect['file']}:{expect.get('line')}, got {places}"
            )
        if "message_contains" in expect:
            assert any(expect["message_contains"] in f.message for f in failing), failing
    else:
        assert Status.FAIL not in statuses, [f for f in findings if f.status is Status.FAIL]
        assert expected in statuses, f"expected {expected}, got {statuses}"


def test_every_check_has_a_failing_and_a_passing_fixture() -> None:
    missing = []
    for check_id in catalogue():
        cases = [c.name for c in (FIXTURES / check_id).iterdir()] if (FIXTURES / check_id).is_dir() else []
        if not any(c.startswith("fail") for c in cases):
            missing.append(f"{check_id}: no failing fixture")
        if not any(c.startswith("pass") for c in cases):
            missing.append(f"{check_id}: no passing fixture")
    assert not missing, "\n".join(missing)
