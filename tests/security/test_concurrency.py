"""One writer at a time (issue 8, "Lost edits"): two generators at once serialise on the repo lock and the second
plans on the first one's result; parallel `attest` keep every record; a plan made before someone else changed its
files is refused; a writer that waits too long gives up with one line and writes nothing.

The races run scaffold in real processes. Each round starts from a fresh copy of one small platform, so a round
is independent of the others (run a few with `-k "round_0 or round_1"`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.errors import ScaffoldError
from scaffold.repofs.lock import repo_lock
from scaffold.staging import ChangeSet
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status
from tests.security.writes_helpers import copy_platform, make_platform, snapshot, start

ROUNDS = 20
EVENTS = ("billing.paid", "billing.refunded")
PATIENT = {"SCAFFOLD_LOCK_TIMEOUT": "600"}  # a loaded CI machine must not turn waiting into a failure


def new_event(repo: Path, name: str) -> list[str]:
    return ["new", "event", name, "--repo", str(repo), "--defaults", "--no-verify"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_platform(tmp_path_factory.mktemp("concurrency") / "platform")


@pytest.fixture(scope="module")
def outcomes(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes | str]]:
    """The trees the two events give when run one after the other (either order), or only one of them; the
    sequential trees verify with 0 fail."""
    trees = {}
    for order in (EVENTS, EVENTS[::-1], EVENTS[:1], EVENTS[1:]):
        repo = copy_platform(pristine, tmp_path_factory.mktemp("sequential") / "platform")
        for name in order:
            assert main(new_event(repo, name)) == 0
        if len(order) == 2:
            # nothing fails but what the tree says: both events are declared and no code publishes them yet
            failing = [f for f in run_checks(repo, Selection()) if f.status is Status.FAIL]
            assert {(f.check_id, f.file) for f in failing} == {("SVC-EV-03", "services/billing/service.yaml")}, failing
            assert all("no code path in src/ enqueues it" in f.message for f in failing), failing
        trees[" then ".join(order)] = snapshot(repo)
    return trees


@pytest.mark.parametrize("round_", [f"round_{n}" for n in range(ROUNDS)])
def test_two_generators_at_once_both_land_or_the_second_writes_nothing(
    pristine: Path, outcomes: dict[str, dict[str, bytes | str]], tmp_path: Path, round_: str
) -> None:
    repo = copy_platform(pristine, tmp_path / "platform")
    processes = [start(*new_event(repo, name), env=PATIENT) for name in EVENTS]
    results = [(process.wait(timeout=600), *process.communicate()) for process in processes]
    statuses = sorted(status for status, _out, _err in results)
    assert statuses in ([0, 0], [0, 2]), results
    tree = snapshot(repo)
    if statuses == [0, 0]:
        assert tree in (outcomes[" then ".join(EVENTS)], outcomes[" then ".join(EVENTS[::-1])]), (
            f"{round_}: an edit of one generator is missing"
        )
    else:
        assert tree in (outcomes[EVENTS[0]], outcomes[EVENTS[1]])


def test_parallel_attests_keep_every_record(pristine: Path, tmp_path: Path) -> None:
    """Every open item of the platform signed off (or evidenced) at once, each by its own process: attest replaces
    a record of the same item, so what must survive is one record per item, none lost to a concurrent rewrite."""
    import json

    from scaffold.verify.attestations import load

    repo = copy_platform(pristine, tmp_path / "platform")
    report = subprocess.run(
        [sys.executable, "-m", "scaffold.cli", "verify", str(repo), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(report.stdout)["findings"]
    wanted = ("needs_human", "needs_evidence")
    open_items = sorted({(f["id"], f["subject"], f["status"]) for f in findings if f["status"] in wanted})
    assert len(open_items) >= 6, open_items
    processes = []
    for n, (check_id, subject, status) in enumerate(open_items):
        proof = ["--evidence", f"https://ci.example/run/{n}"] if status == "needs_evidence" else []
        arguments = ("attest", check_id, "--subject", subject, "--by", f"Reviewer {n}", "--note", f"note {n}")
        processes.append(start(*arguments, *proof, "--repo", str(repo), env=PATIENT))
    results = [(process.wait(timeout=600), *process.communicate()) for process in processes]
    assert all(status == 0 for status, _out, _err in results), results
    assert sorted(record.note for record in load(repo)) == sorted(f"note {n}" for n in range(len(open_items)))


def test_a_writer_that_waits_too_long_gives_up_and_writes_nothing(pristine: Path, tmp_path: Path) -> None:
    repo = copy_platform(pristine, tmp_path / "platform")
    before = snapshot(repo)
    with repo_lock(repo, "test"):  # this process holds it; the child must wait, then give up
        result = start(*new_event(repo, "billing.paid"), env={"SCAFFOLD_LOCK_TIMEOUT": "0.5"})
        status, _out, err = result.wait(timeout=300), *result.communicate()
    assert status == 2
    assert "still holds .scaffold/lock" in err and "nothing was written" in err
    assert snapshot(repo) == before


def test_an_edit_made_after_the_plan_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "registry.ts").write_text("export const A = 1;\n")
    changes = ChangeSet(tmp_path)
    changes.write("registry.ts", "export const A = 1;\nexport const B = 2;\n")
    changes.write("b.ts", "export {};\n")
    (tmp_path / "registry.ts").write_text("export const A = 1;\nexport const C = 3;\n")  # someone else's edit
    with pytest.raises(ScaffoldError, match=r"registry\.ts changed since the plan was made; nothing written"):
        changes.apply()
    assert (tmp_path / "registry.ts").read_text() == "export const A = 1;\nexport const C = 3;\n"
    assert not (tmp_path / "b.ts").exists()


def test_a_file_created_after_the_plan_is_not_overwritten(tmp_path: Path) -> None:
    changes = ChangeSet(tmp_path)
    changes.write("new.ts", "mine\n")
    (tmp_path / "new.ts").write_text("theirs\n")
    with pytest.raises(ScaffoldError, match=r"new\.ts was created since the plan was made; nothing written"):
        changes.apply()
    assert (tmp_path / "new.ts").read_text() == "theirs\n"


def test_the_verify_cache_is_not_stored_while_another_command_writes(pristine: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from scaffold.verify import cache

    decided_at = datetime(2026, 12, 3, 9, tzinfo=UTC)
    until = decided_at + timedelta(hours=1)
    repo = copy_platform(pristine, tmp_path / "platform")
    held = subprocess.Popen(  # another process holds the lock (flock is per open file: a thread would not do)
        [
            sys.executable,
            "-c",
            "import sys\nfrom pathlib import Path\nfrom scaffold.repofs.lock import repo_lock\n"
            "with repo_lock(Path(sys.argv[1]), 'test'):\n    print('held', flush=True)\n    sys.stdin.read()",
            str(repo),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert held.stdout is not None and held.stdout.readline() == "held\n"
        cache.store(repo, "key", "report\n", 0, decided_at, until)
        assert not (repo / ".scaffold" / "cache" / cache.KEY_FILE).exists()
    finally:
        held.communicate("")
    cache.store(repo, "key", "report\n", 0, decided_at, until)
    assert cache.load(repo, "key", decided_at) == (b"report\n", 0)


def test_a_read_only_checkout_still_plans_and_dry_runs(pristine: Path, tmp_path: Path) -> None:
    """The lock file cannot be made there: no writer can run there either, so dry runs and verify go on unlocked."""
    repo = copy_platform(pristine, tmp_path / "platform")
    (repo / ".scaffold" / "lock").unlink(missing_ok=True)  # a fresh clone: no lock file yet
    view = tmp_path / "read-only"
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(repo), str(view)], capture_output=True, text=True)
    if mounted.returncode != 0:
        reason = f"cannot make a read-only bind mount here: {(mounted.stderr or mounted.stdout).strip()}"
        print(reason)
        pytest.skip(reason)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=False, capture_output=True)
        assert not (view / ".scaffold" / "lock").exists()
        result = start(*new_event(view, "billing.paid"), "--dry-run")
        status, out, err = result.wait(timeout=300), *result.communicate()
        assert status == 0, err
        assert "+++ b/packages/contracts/src/events/billing.ts" in out
        assert not (view / ".scaffold" / "lock").exists()
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
