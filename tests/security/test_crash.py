"""Half-written trees (issue 8): an apply cut short — SIGKILL after any rename (through the staging test hook),
SIGTERM/SIGHUP/SIGINT between two renames, a full disk — leaves the tree as it was, either at once or through the
apply journal the next scaffold command of any kind rolls back; render scratch folders go on SIGTERM too; and the
message after an interruption says what was written."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scaffold import platform
from scaffold.cli import main
from tests.security.writes_helpers import copy_platform, make_platform, scaffold, snapshot, start

EVENT = "billing.paid"
OTHER_EVENT = "billing.refunded"
RENAMES = 10  # `new event billing.paid` here: 5 files created (publisher helper and its test too), 5 edited

# Runs scaffold with os.replace wrapped: after the AFTER-th rename of a target (not of the journal), the process
# sends itself SIGNAL — a signal between two renames, on any version of scaffold.
SIGNAL_BETWEEN_RENAMES = """
import os, signal, sys
from scaffold.cli import run
real, count = os.replace, [0]
def replace(src, dst, **fds):
    real(src, dst, **fds)
    if os.path.basename(str(dst)) != "journal":
        count[0] += 1
        if count[0] == int(os.environ["AFTER"]):
            os.kill(os.getpid(), getattr(signal, os.environ["SIGNAL"]))
os.replace = replace
run()
"""


def new_event(repo: Path, name: str = EVENT) -> list[str]:
    return ["new", "event", name, "--repo", str(repo), "--defaults", "--no-verify"]


# An item that asks a person to sign it off on the platform `make_platform` builds (attest refuses the others).
SIGNABLE = ("SVC-DOC-05", "--subject", "service:billing")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_platform(tmp_path_factory.mktemp("crash") / "platform")


@pytest.fixture(scope="module")
def with_other_event(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | str]:
    repo = copy_platform(pristine, tmp_path_factory.mktemp("other-event") / "platform")
    assert main(new_event(repo, OTHER_EVENT)) == 0
    return snapshot(repo)


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    return copy_platform(pristine, tmp_path / "platform")


def test_the_event_generator_renames_as_many_files_as_this_module_expects(repo: Path) -> None:
    result = scaffold(*new_event(repo), "--dry-run")
    assert result.returncode == 0
    assert "5 file(s) to create, 5 file(s) to edit" in result.stderr


@pytest.mark.parametrize("after", range(1, RENAMES + 1))
def test_a_sigkill_after_any_rename_is_rolled_back_by_the_next_command(
    repo: Path, after: int, with_other_event: dict[str, bytes | str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)
    killed = scaffold(*new_event(repo), env={"SCAFFOLD_TEST_CRASH_AFTER_RENAMES": str(after)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (repo / platform.APPLY_JOURNAL).is_file()
    assert snapshot(repo) != before  # the kill really left a half-written tree
    next_command = ("verify", "attest", "new")[after % 3]
    if next_command == "verify":
        main(["verify", str(repo), "--summary"])
        assert snapshot(repo) == before
    elif next_command == "attest":
        assert main(["attest", *SIGNABLE, "--repo", str(repo), "--by", "Ana", "--note", "ok"]) == 0
        after_attest = snapshot(repo)
        assert after_attest.pop(platform.ATTESTATIONS)
        assert after_attest == before
    else:
        assert main(new_event(repo, OTHER_EVENT)) == 0
        assert snapshot(repo) == with_other_event
    assert "rolled back an interrupted apply" in capsys.readouterr().err
    assert not (repo / platform.APPLY_JOURNAL).exists()


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_between_two_renames_rolls_back_at_once(repo: Path, name: str) -> None:
    before = snapshot(repo)
    result = subprocess.run(
        [sys.executable, "-c", SIGNAL_BETWEEN_RENAMES, *new_event(repo)],
        capture_output=True,
        text=True,
        env={**os.environ, "AFTER": "2", "SIGNAL": name},
        timeout=300,
    )
    assert result.returncode == 128 + getattr(signal, name), result.stderr
    assert "interrupted; nothing was written" in result.stderr
    assert snapshot(repo) == before
    assert not (repo / platform.APPLY_JOURNAL).exists()


def test_render_scratch_folders_are_removed_on_sigterm(repo: Path, tmp_path: Path) -> None:
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    before = snapshot(repo)
    process = start(
        "new", "service", "s2", "--repo", str(repo), "--defaults", "--no-verify", env={"TMPDIR": str(scratch_root)}
    )
    while not list(scratch_root.glob("scaffold-render-*")) and process.poll() is None:
        time.sleep(0.01)  # waits for the render to start; nothing is asserted on time
    if process.poll() is not None:
        pytest.fail(f"the generator ended before its render was seen: {process.communicate()}")
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=300)
    _out, err = process.communicate()
    assert status == 128 + signal.SIGTERM, err
    assert list(scratch_root.iterdir()) == []
    assert snapshot(repo) == before


def test_copier_temporary_folders_go_with_the_render_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic half of the test above: copier's own temporary folders (left behind here on purpose, as a
    signal inside copier would leave one) are made inside the render's scratch folder and removed with it."""
    import copier

    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))
    run_copy = copier.run_copy

    def leaving_a_folder(*args: object, **kwargs: object) -> object:
        tempfile.mkdtemp(prefix="copier-left-behind-")
        return run_copy(*args, **kwargs)

    monkeypatch.setattr(copier, "run_copy", leaving_a_folder)
    assert main(["init", str(tmp_path / "platform"), "--defaults", "--no-verify"]) == 0
    assert list(scratch_root.iterdir()) == []


def test_ctrl_c_in_the_closing_verify_says_what_was_written(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import scaffold.generators.base as base

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(base, "print_todo", interrupted)
    assert main(["new", "event", EVENT, "--repo", str(repo), "--defaults"]) == 130
    error = capsys.readouterr().err
    assert "nothing was written" not in error
    assert "10 file(s) had already been written in full" in error


@pytest.fixture
def small_disk(tmp_path: Path) -> object:
    """A 4 MB tmpfs at tmp_path/disk, unmounted afterwards; skipped (with the reason) where mounting is refused."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        reason = f"cannot mount a small tmpfs here: {(result.stderr or result.stdout).strip()}"
        print(reason)
        pytest.skip(reason)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> None:
    """Write zeros until the disk is full (unbuffered: a buffered file would raise again when closed)."""
    descriptor = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"\0" * 65536):
            pass
    except OSError:
        pass  # full: what this is for
    finally:
        os.close(descriptor)


def test_attest_on_a_full_disk_leaves_the_old_file_whole(
    pristine: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_platform(pristine, small_disk / "platform")
    assert main(["attest", *SIGNABLE, "--repo", str(repo), "--by", "Ana", "--note", "first"]) == 0
    old = (repo / platform.ATTESTATIONS).read_bytes()
    fill(small_disk)
    assert main(["attest", *SIGNABLE, "--repo", str(repo), "--by", "Bo", "--note", "second"]) == 2
    assert (repo / platform.ATTESTATIONS).read_bytes() == old
    assert "it is unchanged" in capsys.readouterr().err
    assert not [p for p in (repo / ".scaffold").iterdir() if p.name.endswith(".scaffold-tmp")]


def test_a_generator_on_a_full_disk_writes_nothing(
    pristine: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_platform(pristine, small_disk / "platform")
    before = snapshot(repo)
    fill(small_disk)
    assert main(new_event(repo)) == 2
    assert snapshot(repo) == before
    assert "No space left on device; nothing written" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"path": "../outside.txt", "old": None, "temporary": ".outside.txt.0123456789abcdef.scaffold-tmp"},
            "leaves the repo",
        ),
        (
            {"path": "catalog/services.yaml", "old": None, "temporary": "services.yaml"},
            "is not a scaffold temp file name",
        ),
        (
            {"path": "/etc/passwd", "old": None, "temporary": ".passwd.0123456789abcdef.scaffold-tmp"},
            "not a repo-relative path",
        ),
    ],
)
def test_a_committed_journal_cannot_reach_outside_or_delete_what_scaffold_did_not_make(
    repo: Path, tmp_path: Path, entry: dict[str, object], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "outside.txt").write_text("keep\n")
    (repo / platform.APPLY_JOURNAL).write_text(json.dumps({"format": 1, "created": [], "entries": [entry]}))
    before = snapshot(repo)
    assert main(["verify", str(repo), "--summary"]) == 2
    assert message in capsys.readouterr().err
    assert snapshot(repo) == before
    assert (tmp_path / "outside.txt").read_text() == "keep\n"


def test_a_journal_naming_a_symlinked_target_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    (repo / "docs" / "linked.md").symlink_to(outside)
    entry = {
        "path": "docs/linked.md",
        "old": base64.b64encode(b"pwned\n").decode(),
        "temporary": ".linked.md.0123456789abcdef.scaffold-tmp",
    }
    (repo / platform.APPLY_JOURNAL).write_text(json.dumps({"format": 1, "created": [], "entries": [entry]}))
    assert main(["verify", str(repo), "--summary"]) == 2
    assert outside.read_text() == "keep\n"
