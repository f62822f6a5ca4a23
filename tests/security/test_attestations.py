"""Attestations tied to identity (issue 8, point 8): each attack tried as a user of a shared repo would.

- the git author of a change signs off an item that needs "a reviewer other than the author";
- a bot signs off under another spelling (`ci-bot`, `CI Bot`, `bot@example.com`, look-alike letters, zero-width);
- a record is edited by hand (`by`, `at`, `note`, `files_hash`);
- a waiver is recorded while the item passes, or a waiver meant for one failure is used for another;
- a DEPLOY sign-off made before a code change keeps passing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify import attestations, identity
from scaffold.verify.attestations import AttestationError, apply, load, record
from scaffold.verify.model import Check, CheckDoc, Finding, Kind, Status
from scaffold.verify.repo import RepoView

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "checks"
HUMAN = Finding("DEPLOY-03", Status.NEEDS_HUMAN, "needs a person's judgement: a reviewer approved", subject="repo")
FAIL = Finding(
    "DEPLOY-03", Status.FAIL, "2026-03-10 12:00 UTC is inside the freeze window", file="a.yaml", line=3, subject="repo"
)
CURRENT: list[Finding] = [HUMAN]
REVIEWED = Check(
    id="DEPLOY-03",
    title="At least one human reviewer approved",
    mode="human",
    kind=Kind.REPO,
    section="DEPLOY — production deploy",
    doc=CheckDoc("what", "why", "fix"),
    run=lambda repo, subject: list(CURRENT),
    covers=("notes/*.md",),
    independent=True,
)
CHECKS = {REVIEWED.id: REVIEWED}
AUTHOR = "Ana Author <ana@example.com>"


@pytest.fixture(autouse=True)
def _reset_current() -> None:
    CURRENT[:] = [HUMAN]


def git(root: Path, *arguments: str, author: str = AUTHOR) -> str:
    name, email = re.fullmatch(r"(.*) <(.*)>", author).groups()  # type: ignore[union-attr]
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    return subprocess.run(
        ["git", *arguments], cwd=root, env=environment, check=True, capture_output=True, text=True
    ).stdout


def commit(root: Path, path: str, text: str, author: str = AUTHOR, message: str = "change") -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    git(root, "add", path, author=author)
    git(root, "commit", "-q", "-m", message, author=author)


@pytest.fixture
def repo_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SCAFFOLD_BASE_REF", raising=False)
    (tmp_path / ".scaffold").mkdir()
    (tmp_path / ".scaffold/platform.yaml").write_text("kind: platform\nlayout: 1\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "Rita Reviewer")
    git(tmp_path, "config", "user.email", "rita@example.com")
    commit(tmp_path, "notes/change.md", "Billing: invoices can be filtered.\n")
    return tmp_path


def _apply(root: Path, finding: Finding = HUMAN) -> Finding:
    (result,) = apply([finding], load(root), RepoView(root), now=NOW, checks=CHECKS)
    return result


def _smuggle(root: Path, by: str, kind: str = "signoff") -> None:
    """Write a well-formed, sealed record past `record`'s refusals, as a hand-rolled script could."""
    repo = RepoView(root)
    subject = attestations.find_subject(repo, REVIEWED, None)
    files_hash, files = attestations.digest(repo, attestations.covered_files(repo, REVIEWED, subject))
    made = attestations.Attestation(REVIEWED.id, "repo", kind, by, NOW, "ok", files_hash, files).sealed()
    attestations._append(root, made)


# --- self-approval ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "by",
    [
        AUTHOR,
        "Ana Author",
        "ana@example.com",
        "ANA AUTHOR",
        "Аna Аuthor",  # Cyrillic А
        "Ana\u200b Author",  # zero-width space
    ],
)
def test_the_author_cannot_sign_off_their_own_change(repo_root: Path, by: str) -> None:
    with pytest.raises(AttestationError, match="is an author of the change DEPLOY-03 covers"):
        record(repo_root, REVIEWED, None, "signoff", by, "looks good", now=NOW)
    assert not (repo_root / ".scaffold/attestations.yaml").exists()


def test_a_record_by_the_author_fails_in_verify(repo_root: Path) -> None:
    _smuggle(repo_root, "Ana Author")
    result = _apply(repo_root)
    assert result.status is Status.FAIL
    assert "Ana Author is an author of the change it covers" in result.message
    assert (result.file, result.line) == (".scaffold/attestations.yaml", 4)


def test_a_co_author_and_an_uncommitted_editor_are_authors_too(repo_root: Path) -> None:
    commit(repo_root, "notes/change.md", "v2\n", message="v2\n\nCo-authored-by: Cory Coauthor <cory@example.com>")
    with pytest.raises(AttestationError, match="author"):
        record(repo_root, REVIEWED, None, "signoff", "Cory Coauthor", "fine", now=NOW)
    (repo_root / "notes/change.md").write_text("edited, not committed\n")  # by the git user, Rita
    with pytest.raises(AttestationError, match="uncommitted edits"):
        record(repo_root, REVIEWED, None, "signoff", "Rita Reviewer", "fine", now=NOW)


def test_another_person_signs_off_and_the_range_starts_at_the_merge_base(repo_root: Path) -> None:
    commit(repo_root, "notes/old.md", "on main\n", author="Rita Reviewer <rita@example.com>")
    git(repo_root, "checkout", "-q", "-b", "feature")
    commit(repo_root, "notes/change.md", "the change under review\n")
    # Rita wrote notes/old.md on main, before the branch: not part of the change under review.
    record(repo_root, REVIEWED, None, "signoff", "Rita Reviewer <rita@example.com>", "approved PR #12", now=NOW)
    result = _apply(repo_root)
    assert result.status is Status.PASS, result.message


def test_deleting_a_covered_file_makes_you_an_author(repo_root: Path) -> None:
    commit(repo_root, "notes/other.md", "kept on main\n", author="Rita Reviewer <rita@example.com>")
    git(repo_root, "checkout", "-q", "-b", "feature")
    mallory = "Mallory Deleter <mallory@example.com>"
    git(repo_root, "rm", "-q", "notes/other.md", author=mallory)
    git(repo_root, "commit", "-q", "-m", "drop the other note", author=mallory)
    with pytest.raises(AttestationError, match="Mallory Deleter is an author"):
        record(repo_root, REVIEWED, None, "signoff", "Mallory Deleter", "fine", now=NOW)


def test_attest_defaults_by_to_the_git_identity_and_refuses_the_author(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCAFFOLD_BASE_REF", raising=False)
    root = tmp_path / "platform"
    shutil.copytree(FIXTURES / "DEPLOY-03" / "pass" / "repo", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "billing")
    git(root, "config", "user.name", "Ana Author")
    git(root, "config", "user.email", "ana@example.com")
    assert main(["attest", "DEPLOY-03", "--note", "approved", "--repo", str(root)]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert "Ana Author <ana@example.com> is an author of the change DEPLOY-03 covers" in error
    git(root, "config", "user.name", "Rita Reviewer")
    git(root, "config", "user.email", "rita@example.com")
    assert main(["attest", "DEPLOY-03", "--note", "approved PR #12", "--repo", str(root)]) == 0
    assert "by Rita Reviewer <rita@example.com>" in capsys.readouterr().out


def test_without_git_by_is_required(
    repo_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(FIXTURES / "DEPLOY-03" / "pass" / "repo", tmp_path / "plain")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    assert main(["attest", "DEPLOY-03", "--note", "approved", "--repo", str(tmp_path / "plain")]) == 2
    assert "--by is required" in capsys.readouterr().err


def test_git_runs_nothing_the_repo_config_names(repo_root: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    for key in ("core.fsmonitor", "core.pager", "gpg.program", "core.hooksPath"):
        git(repo_root, "config", key, str(script))
    git(repo_root, "config", "log.showSignature", "true")
    (repo_root / "notes/change.md").write_text("edited\n")
    with pytest.raises(AttestationError, match="author"):
        record(repo_root, REVIEWED, None, "signoff", "Rita Reviewer", "fine", now=NOW)
    assert not marker.exists()
    # Every call carries the safe options: even `git status`, which runs core.fsmonitor without them, runs nothing.
    identity._git(repo_root, "status", "--short")
    assert not marker.exists()


# --- bots ---------------------------------------------------------------------------------------------------
BOTS = [
    "ci-bot",
    "CI Bot",
    "bot@example.com",
    "dependabot[bot]",
    "github-actions",
    "Renovate",
    "сі-bot",  # Cyrillic с and і
    "CI Вот",  # Cyrillic В, о, т
    "c\u200bi-b\u200dot",  # zero-width space and joiner
    "ＣＩ Ｂｏｔ",  # full-width letters (NFKC)
    "Ci\u202e-bot",  # a bidi override
    "CI",
    "Release Bot <release@example.com>",
    "Ana <ci-bot@example.com>",
]


@pytest.mark.parametrize("by", BOTS)
def test_every_bot_spelling_is_refused_and_fails_in_verify(repo_root: Path, by: str) -> None:
    with pytest.raises(AttestationError, match="bot account"):
        record(repo_root, REVIEWED, None, "signoff", by, "auto-approved", now=NOW)
    _smuggle(repo_root, by)
    result = _apply(repo_root)
    assert result.status is Status.FAIL and "is a bot account" in result.message


@pytest.mark.parametrize(
    "by",
    [
        "Ana Reviewer",
        "Talbot Smith",
        "Abbott",
        "Ci Wang",
        "dana@example.com",
        "Ana <1234+ana@users.noreply.github.com>",
    ],
)
def test_people_are_not_bots(by: str) -> None:
    from scaffold.verify.identity import is_bot

    assert not is_bot(by)


# --- hand edits ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "edited"),
    [
        ("by", "by: Someone Else"),
        ("at", "at: '2026-03-01T12:00:00Z'"),
        ("note", "note: approved by the whole team"),
        ("files_hash", "files_hash: ffffffffffffffffffffffffffffffff"),
    ],
)
def test_a_hand_edit_of_any_field_makes_the_record_stale(repo_root: Path, field: str, edited: str) -> None:
    record(repo_root, REVIEWED, None, "signoff", "Rita Reviewer", "looked at the diff", now=NOW)
    assert _apply(repo_root).status is Status.PASS
    path = repo_root / ".scaffold/attestations.yaml"
    text, count = re.subn(rf"^    {field}: .*$", f"    {edited}", path.read_text(), flags=re.MULTILINE)
    assert count == 1
    path.write_text(text)
    result = _apply(repo_root)
    assert result.status is Status.STALE
    assert result.message.endswith("record edited by hand since it was written")
    assert result.fix == "review the change and record it again: scaffold attest DEPLOY-03"


def test_a_record_without_a_digest_is_not_trusted(repo_root: Path) -> None:
    (repo_root / ".scaffold/attestations.yaml").write_text(
        "attestations:\n  - id: DEPLOY-03\n    subject: repo\n    kind: signoff\n    by: Rita Reviewer\n"
        "    at: '2026-03-01T00:00:00Z'\n    note: ok\n    files_hash: x\n"
    )
    result = _apply(repo_root)
    assert result.status is Status.STALE and "no digest" in result.message


def test_a_hand_edited_waiver_leaves_the_failure_failing(repo_root: Path) -> None:
    CURRENT[:] = [FAIL]
    record(repo_root, REVIEWED, None, "waiver", "Rita Reviewer", "hotfix", ticket="OPS-1", expires=date(2026, 3, 12),
           now=NOW)  # fmt: skip
    path = repo_root / ".scaffold/attestations.yaml"
    path.write_text(path.read_text().replace("expires: '2026-03-12'", "expires: '2027-03-12'"))
    result = _apply(repo_root, FAIL)
    assert result.status is Status.FAIL  # never `stale`: that would not fail the run
    assert "waiver ignored: record edited by hand since it was written" in result.message


# --- waivers ------------------------------------------------------------------------------------------------
def test_a_waiver_recorded_while_the_item_passes_is_refused(repo_root: Path) -> None:
    CURRENT[:] = [Finding("DEPLOY-03", Status.PASS, "outside every freeze window", subject="repo")]
    with pytest.raises(AttestationError, match="does not fail for repo: there is nothing to waive"):
        record(repo_root, REVIEWED, None, "waiver", "Rita", "just in case", ticket="OPS-1", expires=date(2026, 4, 1),
               now=NOW)  # fmt: skip


def test_a_waiver_covers_only_the_failure_it_was_recorded_against(repo_root: Path) -> None:
    CURRENT[:] = [FAIL]
    record(repo_root, REVIEWED, None, "waiver", "Rita", "hotfix", ticket="OPS-1", expires=date(2026, 4, 1), now=NOW)
    later_same = Finding(
        "DEPLOY-03", Status.FAIL, "2026-03-11 09:30 UTC is inside the freeze window", file="a.yaml", line=9,
        subject="repo",
    )  # fmt: skip
    assert _apply(repo_root, later_same).status is Status.WAIVED  # the same failure, later and moved
    different = Finding("DEPLOY-03", Status.FAIL, "a different failure", file="b.yaml", line=1, subject="repo")
    result = _apply(repo_root, different)
    assert result.status is Status.FAIL
    assert "waiver ignored: the waiver waived by Rita on 2026-03-10 covers a different failure" in result.message


# --- DEPLOY-03/06 cover what the deploy ships -----------------------------------------------------------------
@pytest.mark.parametrize("check_id", ["DEPLOY-03", "DEPLOY-06"])
def test_a_deploy_signoff_goes_stale_when_service_code_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], check_id: str
) -> None:
    root = tmp_path / "platform"
    shutil.copytree(FIXTURES / "DEPLOY-03" / "pass" / "repo", root)
    arguments = ["attest", check_id, "--by", "Rita Reviewer", "--note", "approved PR #12", "--repo", str(root)]
    assert main(arguments) == 0
    assert main(["verify", str(root), "--only", check_id, "--format", "json", "--no-cache"]) == 0
    capsys.readouterr()
    manifest = root / "services/billing/service.yaml"
    manifest.write_text(manifest.read_text() + "# a later change\n")
    main(["verify", str(root), "--only", check_id, "--format", "json", "--no-cache"])
    out = capsys.readouterr().out
    assert '"status": "stale"' in out and "services/billing/service.yaml changed since" in out
