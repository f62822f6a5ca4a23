"""Sign-offs, evidence and waivers: recording them, and each rule of applying them to findings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scaffold.verify import attestations
from scaffold.verify.attestations import AttestationError, apply, load, record
from scaffold.verify.model import Check, CheckDoc, Finding, Kind, Status, Waiver
from scaffold.verify.repo import RepoView

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HUMAN = Finding("DEPLOY-03", Status.NEEDS_HUMAN, "needs a person's judgement", subject="repo")
EVIDENCE = Finding("DEPLOY-03", Status.NEEDS_EVIDENCE, "needs evidence", subject="repo")
FAIL = Finding("DEPLOY-03", Status.FAIL, "the thing is broken", file="a.ts", line=3, subject="repo")
# What the check finds when `record` runs it: every kind of record has something to answer.
CURRENT: list[Finding] = [HUMAN, EVIDENCE, FAIL]
CHECK = Check(
    id="DEPLOY-03",
    title="At least one human reviewer approved",
    mode="human",
    kind=Kind.REPO,
    section="DEPLOY — production deploy",
    doc=CheckDoc("what", "why", "fix"),
    run=lambda repo, subject: list(CURRENT),
    covers=("notes/*.md",),
)
CHECKS = {CHECK.id: CHECK}


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    (tmp_path / ".scaffold").mkdir()
    (tmp_path / ".scaffold/platform.yaml").write_text("kind: platform\nlayout: 1\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/change.md").write_text("Billing: invoices can be filtered.\n")
    (tmp_path / "notes/other.md").write_text("Unrelated.\n")
    return tmp_path


@pytest.fixture(autouse=True)
def _every_record_answers_something() -> None:
    CURRENT[:] = [HUMAN, EVIDENCE, FAIL]


def _record(root: Path, kind: str, **options: object) -> attestations.Attestation:
    by = str(options.pop("by", "Ana Reviewer"))
    return record(root, CHECK, None, kind, by, "looked at the diff", now=NOW, **options)  # type: ignore[arg-type]


def _apply(root: Path, finding: Finding, now: datetime = NOW) -> Finding:
    (result,) = apply([finding], load(root), RepoView(root), now=now, checks=CHECKS)
    return result


def test_a_signoff_turns_needs_human_into_pass(repo_root: Path) -> None:
    _record(repo_root, "signoff")
    result = _apply(repo_root, HUMAN)
    assert result.status is Status.PASS
    assert result.message == "signed off by Ana Reviewer on 2026-03-10: looked at the diff"


def test_evidence_turns_needs_evidence_into_pass_and_does_not_satisfy_a_human_item(repo_root: Path) -> None:
    _record(repo_root, "evidence", link="https://ci.example/runs/7")
    assert _apply(repo_root, EVIDENCE).status is Status.PASS
    assert "https://ci.example/runs/7" in _apply(repo_root, EVIDENCE).message
    assert _apply(repo_root, HUMAN).status is Status.NEEDS_HUMAN


def test_a_valid_waiver_turns_its_fail_into_waived_and_says_until_when(repo_root: Path) -> None:
    _record(repo_root, "waiver", ticket="OPS-12", expires=date(2026, 4, 1))
    result = _apply(repo_root, FAIL)
    assert result.status is Status.WAIVED
    assert result.message.startswith("waived by Ana Reviewer until 2026-04-01 (ticket OPS-12)")
    assert "the thing is broken" in result.message
    assert result.waiver == Waiver("Ana Reviewer", "OPS-12", "2026-04-01", "looked at the diff")


def test_an_expired_waiver_leaves_the_fail_and_says_so(repo_root: Path) -> None:
    _record(repo_root, "waiver", ticket="OPS-12", expires=date(2026, 3, 20))
    result = _apply(repo_root, FAIL, now=datetime(2026, 3, 21, tzinfo=UTC))
    assert result.status is Status.FAIL
    assert "waiver ignored: expired on 2026-03-20" in result.message
    assert _apply(repo_root, FAIL, now=datetime(2026, 3, 20, 23, 0, tzinfo=UTC)).status is Status.WAIVED


def test_a_record_whose_files_changed_is_stale_and_names_them(repo_root: Path) -> None:
    _record(repo_root, "signoff")
    (repo_root / "notes/change.md").write_text("Billing: something else entirely.\n")
    (repo_root / "notes/new.md").write_text("A new note.\n")
    result = _apply(repo_root, HUMAN)
    assert result.status is Status.STALE
    assert result.message == (
        "signed off by Ana Reviewer on 2026-03-10, but notes/change.md, notes/new.md changed since"
    )


def test_files_outside_the_covers_do_not_make_it_stale(repo_root: Path) -> None:
    _record(repo_root, "signoff")
    (repo_root / "README.md").write_text("changed\n")
    assert _apply(repo_root, HUMAN).status is Status.PASS


def test_a_signoff_by_a_bot_fails_and_cannot_be_recorded(repo_root: Path) -> None:
    with pytest.raises(AttestationError, match="bot"):
        _record(repo_root, "signoff", by="dependabot[bot]")
    (repo_root / ".scaffold/attestations.yaml").write_text(
        "attestations:\n  - id: DEPLOY-03\n    subject: repo\n    kind: signoff\n    by: github-actions[bot]\n"
        '    at: "2026-03-01T00:00:00Z"\n    note: ok\n    files_hash: "x"\n'
    )
    result = _apply(repo_root, HUMAN)
    assert result.status is Status.FAIL
    assert (result.file, result.line) == (".scaffold/attestations.yaml", 2)


def test_an_expired_signoff_leaves_the_item_open(repo_root: Path) -> None:
    _record(repo_root, "signoff", expires=date(2026, 3, 15))
    result = _apply(repo_root, HUMAN, now=datetime(2026, 4, 1, tzinfo=UTC))
    assert result.status is Status.NEEDS_HUMAN
    assert "expired on 2026-03-15" in result.message


def test_a_hand_written_waiver_without_ticket_is_ignored(repo_root: Path) -> None:
    (repo_root / ".scaffold/attestations.yaml").write_text(
        "attestations:\n  - id: DEPLOY-03\n    subject: repo\n    kind: waiver\n    by: Ana\n"
        '    at: "2026-03-01T00:00:00Z"\n    note: known issue\n    expires: "2026-12-31"\n    files_hash: "x"\n'
    )
    result = _apply(repo_root, FAIL)
    assert result.status is Status.FAIL
    assert "waiver ignored: it lacks a ticket" in result.message


def test_a_waiver_whose_files_changed_leaves_the_fail_failing(repo_root: Path) -> None:
    _record(repo_root, "waiver", ticket="OPS-12", expires=date(2026, 4, 1))
    (repo_root / "notes/change.md").write_text("Billing: something else entirely.\n")
    result = _apply(repo_root, FAIL)
    assert result.status is Status.FAIL  # not stale: a stale item would not fail the run
    assert "waiver ignored: notes/change.md changed since it was recorded" in result.message


def test_the_latest_record_wins_and_other_items_are_untouched(repo_root: Path) -> None:
    _record(repo_root, "signoff")
    record(repo_root, CHECK, None, "signoff", "Bo Later", "second look", now=datetime(2026, 3, 11, tzinfo=UTC))
    assert "Bo Later" in _apply(repo_root, HUMAN).message
    assert [r.by for r in load(repo_root)] == ["Bo Later"]  # re-attesting replaced the first record
    other = Finding("DEPLOY-06", Status.NEEDS_HUMAN, "open", subject="repo")
    assert _apply(repo_root, other) == other


def test_record_keeps_comments_and_validates_its_input(repo_root: Path) -> None:
    path = repo_root / ".scaffold/attestations.yaml"
    path.write_text("# Release sign-offs — ask #release before editing.\nattestations: []\n")
    _record(repo_root, "signoff")
    text = path.read_text()
    assert text.startswith("# Release sign-offs — ask #release before editing.\n")
    (saved,) = load(repo_root)
    assert (saved.id, saved.subject, saved.kind, saved.by) == ("DEPLOY-03", "repo", "signoff", "Ana Reviewer")
    assert saved.at == NOW and saved.files_hash and set(saved.files) == {"notes/change.md", "notes/other.md"}
    with pytest.raises(AttestationError, match="ticket"):
        _record(repo_root, "waiver", expires=date(2026, 4, 1))
    with pytest.raises(AttestationError, match="link"):
        _record(repo_root, "evidence")
    with pytest.raises(AttestationError, match="in the past"):
        _record(repo_root, "waiver", ticket="T-1", expires=date(2026, 1, 1))
    with pytest.raises(AttestationError, match="no subject"):
        record(repo_root, CHECK, "service:nope", "signoff", "Ana", "x", now=NOW)
    assert saved.digest == attestations.record_digest(saved)


def test_an_unreadable_file_is_an_error_naming_it(repo_root: Path) -> None:
    path = repo_root / ".scaffold/attestations.yaml"
    path.write_text("attestations:\n  - id: [unclosed\n")
    with pytest.raises(AttestationError, match=r"attestations.yaml:\d+: not valid YAML"):
        load(repo_root)
    path.write_text("attestations:\n  - id: DEPLOY-03\n    kind: blessing\n")
    with pytest.raises(AttestationError, match="attestations/0"):
        load(repo_root)


def test_no_file_means_no_records(repo_root: Path) -> None:
    assert load(repo_root) == []
    assert apply([HUMAN], [], RepoView(repo_root)) == [HUMAN]


def test_a_record_over_many_files_names_what_changed_by_folder(repo_root: Path) -> None:
    for folder in ("a", "b"):
        (repo_root / f"notes/{folder}").mkdir()
        for number in range(attestations.FILES_LISTED_UP_TO // 2 + 1):
            (repo_root / f"notes/{folder}/{number}.md").write_text(f"{folder} {number}\n")
    wide = Check(**{**CHECK.__dict__, "covers": ("notes/*",)})
    record(repo_root, wide, None, "signoff", "Ana Reviewer", "looked", now=NOW)
    (saved,) = load(repo_root)
    assert set(saved.files) == {"notes/a/", "notes/b/", "notes/change.md", "notes/other.md"}
    (repo_root / "notes/b/7.md").write_text("changed\n")
    (result,) = apply([HUMAN], load(repo_root), RepoView(repo_root), now=NOW, checks={wide.id: wide})
    assert result.status is Status.STALE and result.message.endswith("but notes/b/ changed since")
