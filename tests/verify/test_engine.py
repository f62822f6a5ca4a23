"""The engine decides the same findings on one process and on two (a forked worker taking units of the plan)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify import engine
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Kind
from scaffold.verify.repo import RepoView


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engine") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    for name in ("billing", "care-plans", "notes"):
        assert main(["new", "service", name, "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


def test_units_put_one_service_first_then_the_subjects_of_no_service(generated: Path) -> None:
    repo = RepoView(generated)
    selection = Selection(kinds=(Kind.SERVICE, Kind.EVENT, Kind.REPO))
    plan = [(c, engine.subjects_for(c, repo, selection)) for c in engine.catalogue().values() if selection.wants(c)]
    units = engine._units(plan, repo)
    assert sorted(pair for unit in units for pair in unit) == sorted(
        (c, s) for c, (_check, subjects) in enumerate(plan) for s in range(len(subjects))
    )
    labels = [{plan[c][1][s].label for c, s in unit} for unit in units]
    billing = labels[0]  # the unit decided before forking
    assert billing >= {"service:billing", "event:billing.item_created"}
    assert labels[1:3] == [{"event:platform.heartbeat"}, {"repo"}]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the engine runs on one process")
def test_two_processes_decide_what_one_does(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = run_checks(generated, apply_attestations=False)
    monkeypatch.setattr(engine, "PARALLEL_FROM_SERVICES", 1)
    assert run_checks(generated, apply_attestations=False) == serial
