"""`scaffold attest` does what it says (issue 11, point 6), tried on a platform with two services as a user would:
refusals that would record nothing useful, placeholders, re-attesting, waivers turning into `waived`, one line per
item, and the printed hints run as printed."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.cli import main

# SVC-DB-03's automatic part: an index built without CONCURRENTLY takes a SHARE lock on the table.
LOCKING_MIGRATION = "CREATE INDEX items_name_idx ON items (name);\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attest") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    for service in ("billing", "care"):
        assert main(["new", "service", service, "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("SCAFFOLD_BASE_REF", raising=False)
    return root


def _verify_json(capsys: pytest.CaptureFixture[str], *options: str) -> list[dict[str, object]]:
    capsys.readouterr()
    main(["verify", ".", "--format", "json", "--no-cache", *options])
    return json.loads(capsys.readouterr().out)["findings"]


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    return error


def test_a_signoff_on_a_failing_automatic_item_is_refused_with_the_reason(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runbook = platform / "services/billing/RUNBOOK.md"
    runbook.write_text(re.sub(r"## Rollback.*?(?=\n## |\Z)", "", runbook.read_text(), flags=re.DOTALL))
    assert main(["attest", "DEPLOY-05", "--by", "Dana Reviewer", "--note", "rolled back fine last week"]) == 2
    error = _error(capsys)
    assert "DEPLOY-05 fails for repo (billing's runbook has no `## Rollback` section)" in error
    assert "a signoff cannot pass an automatic check" in error
    assert not (platform / ".scaffold/attestations.yaml").exists()


def test_a_signoff_on_an_item_that_asks_for_none_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attest", "SVC-CODE-01", "--subject", "service:billing", "--by", "Dana", "--note", "fine"]) == 2
    assert "asks for no sign-off for service:billing" in _error(capsys)


@pytest.mark.parametrize(
    "options",
    [
        ["--by", "NAME", "--note", "approved"],
        ["--by", "Dana", "--note", "..."],
        ["--by", "Dana", "--note", "TODO"],
        ["--by", "Dana", "--note", "WHY"],
        ["--by", "<reviewer>", "--note", "approved"],
        ["--by", "Dana", "--note", "approved PR #<n>"],
    ],
)
def test_placeholders_are_refused(platform: Path, capsys: pytest.CaptureFixture[str], options: list[str]) -> None:
    assert main(["attest", "SVC-DEP-09", "--subject", "service:billing", *options]) == 2
    assert "is a placeholder; give the real value" in _error(capsys)


def test_a_waiver_ticket_placeholder_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (platform / "services/billing/migrations/0004_items_name_idx.sql").write_text(LOCKING_MIGRATION)
    arguments = ["attest", "SVC-DB-03", "--subject", "service:billing", "--waive", "--by", "Dana", "--note", "hotfix"]
    assert main([*arguments, "--ticket", "TODO", "--expires", "2099-01-31"]) == 2
    assert "--ticket 'TODO' is a placeholder" in _error(capsys)


def test_attesting_again_replaces_the_record_and_verify_shows_the_new_one(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for by, note in (("Dana Reviewer", "first look"), ("Erin Reviewer", "second look after the fix")):
        assert main(["attest", "SVC-DEP-09", "--subject", "service:billing", "--by", by, "--note", note]) == 0
    text = (platform / ".scaffold/attestations.yaml").read_text()
    assert text.count("id: SVC-DEP-09") == 1 and "Erin Reviewer" in text and "Dana Reviewer" not in text
    (item,) = [f for f in _verify_json(capsys, "--only", "SVC-DEP-09") if f["subject"] == "service:billing"]
    assert item["status"] == "pass" and "Erin Reviewer" in str(item["message"])


def test_the_readme_waiver_turns_the_failure_into_waived_and_covers_only_it(
    platform: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLD_NOW", "2026-12-01T10:00:00Z")  # the README's expiry is a fixed date
    (platform / "services/billing/migrations/0004_items_name_idx.sql").write_text(LOCKING_MIGRATION)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (line,) = [line for line in readme.splitlines() if line.startswith("scaffold attest SVC-DB-03")]
    command = shlex.split(line.split(" #", 1)[0])
    assert main(command[1:]) == 0, capsys.readouterr().err
    assert "recorded waiver" in capsys.readouterr().out
    capsys.readouterr()
    main(["verify", ".", "--only", "SVC-DB-03", "--no-cache"])
    text = capsys.readouterr().out
    (head,) = [row for row in text.splitlines() if "SVC-DB-03" in row and "service:billing" in row]
    assert head.split()[0] == "WAIVED"
    assert "waiver: owner dana, ticket OPS-12, expires 2027-01-31" in text
    (platform / "services/billing/migrations/0005_items_note_idx.sql").write_text(
        "CREATE INDEX items_note_idx ON items (note);\n"
    )
    findings = [f for f in _verify_json(capsys, "--only", "SVC-DB-03") if f["subject"] == "service:billing"]
    by_file = {f["file"]: f["status"] for f in findings if f["status"] in ("fail", "waived")}
    assert by_file["services/billing/migrations/0005_items_note_idx.sql"] == "fail"  # a later, different failure


def test_verify_shows_one_line_per_item_and_subject(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main(["verify", ".", "--no-cache"])
    heads = [line.split()[1:3] for line in capsys.readouterr().out.splitlines() if re.match(r"  [A-Z/]+ +[A-Z]", line)]
    assert heads and len(heads) == len({tuple(head) for head in heads})


def test_every_printed_signoff_hint_works_as_printed(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for arguments in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", *arguments], cwd=platform, check=True)
    subprocess.run(
        ["git", "-c", "user.name=Ana Author", "-c", "user.email=ana@example.com", "commit", "-q", "-m", "platform"],
        cwd=platform,
        check=True,
    )
    for key, value in (("user.name", "Rita Reviewer"), ("user.email", "rita@example.com")):
        subprocess.run(["git", "config", key, value], cwd=platform, check=True)
    capsys.readouterr()
    main(["verify", ".", "--summary", "--no-cache"])
    hints = re.findall(r"record: (scaffold attest \S+(?: --subject \S+)?)$", capsys.readouterr().out, re.MULTILINE)
    assert "scaffold attest SVC-DEP-09 --subject service:care" in hints
    assert "scaffold attest SVC-DEP-09 --subject service:billing" in hints
    for hint in hints:
        assert main(shlex.split(hint)[1:]) == 0, (hint, capsys.readouterr().err)
    assert not [f for f in _verify_json(capsys) if f["status"] == "needs_human"]
