"""`scaffold update`: every generated folder to the newest template tag, non-interactively, conflicts listed; and the
template source `scaffold init` records is one that exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.generators.conftest import git

SERVICES = ("billing", "claims", "notes")
OLD_LINE = "Severity: critical. More than 5% of responses were 5xx for 5 minutes."
NEW_LINE = "Severity: critical. More than 2% of responses were 5xx for 5 minutes."
HAND_LINE = "Severity: critical. More than 1% of responses were 5xx for 5 minutes (billing is strict)."


def _platform_with_services(tmp_path: Path, template_repo: Path) -> Path:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify", "--templates-url", str(template_repo)]) == 0
    for name in SERVICES:
        assert main(["new", "service", name, "--defaults", "--no-verify", "--repo", str(root)]) == 0
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "platform with three services")
    return root


def _release_v020(template_repo: Path) -> None:
    """v0.2.0 changes a runbook line and the platform README."""
    runbook = template_repo / "templates" / "service" / "RUNBOOK.md.jinja"
    assert OLD_LINE in runbook.read_text()
    runbook.write_text(runbook.read_text().replace(OLD_LINE, NEW_LINE))
    readme = template_repo / "templates" / "platform" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\n## Updating\n\nRun `scaffold update --all`.\n")
    git(template_repo, "commit", "-q", "-am", "alarm threshold 2%; README: updating")
    git(template_repo, "tag", "v0.2.0")


def test_update_all_moves_three_services_and_the_root_and_lists_the_real_conflict(
    tmp_path: Path, template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _platform_with_services(tmp_path, template_repo)
    billing_runbook = root / "services" / "billing" / "RUNBOOK.md"
    billing_runbook.write_text(billing_runbook.read_text().replace(OLD_LINE, HAND_LINE))
    git(root, "commit", "-q", "-am", "billing: stricter alarm")
    _release_v020(template_repo)
    capsys.readouterr()

    status = main(["update", "--all", "--repo", str(root), "--no-verify"])

    err = capsys.readouterr().err
    assert status == 1, err  # a conflict is left to resolve
    for folder in (".", "services/billing", "services/claims", "services/notes"):
        assert f"{folder}: behind: v0.1.0 → v0.2.0" in err
        answers = yaml.safe_load((root / folder / ".copier-answers.yml").read_text())
        assert answers["_commit"] == "v0.2.0", folder
        assert answers["kind"] in ("platform", "service") and (folder == "." or answers["name"] == folder[9:])
    assert yaml.safe_load((root / ".scaffold" / "platform.yaml").read_text())["templates_ref"] == "v0.2.0"
    assert "## Updating" in (root / "README.md").read_text()
    for name in ("claims", "notes"):
        assert NEW_LINE in (root / "services" / name / "RUNBOOK.md").read_text()
    billing = billing_runbook.read_text()
    assert "<<<<<<<" in billing and HAND_LINE in billing and NEW_LINE in billing
    assert "services/billing/RUNBOOK.md" in err
    assert "services/claims/RUNBOOK.md" not in err
    assert "<<<<<<< ======= >>>>>>>" in err  # the next step is said

    capsys.readouterr()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "update")
    assert main(["update", "--all", "--repo", str(root), "--no-verify"]) == 0
    assert "nothing to do" in capsys.readouterr().err


def test_update_one_folder_only(tmp_path: Path, template_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _platform_with_services(tmp_path, template_repo)
    _release_v020(template_repo)
    capsys.readouterr()
    assert main(["update", "--all", "--dry-run", "--repo", str(root)]) == 0
    assert "4 folder(s) behind v0.2.0; nothing changed" in capsys.readouterr().err
    assert git(root, "status", "--porcelain") == ""
    assert main(["update", str(root / "services" / "claims"), "--repo", str(root), "--no-verify"]) == 0
    assert NEW_LINE in (root / "services" / "claims" / "RUNBOOK.md").read_text()
    assert OLD_LINE in (root / "services" / "notes" / "RUNBOOK.md").read_text()
    assert yaml.safe_load((root / ".scaffold" / "platform.yaml").read_text())["templates_ref"] == "v0.1.0"


def test_plain_copier_update_without_a_terminal_uses_the_recorded_answers(tmp_path: Path, template_repo: Path) -> None:
    root = _platform_with_services(tmp_path, template_repo)
    _release_v020(template_repo)
    for folder in (root, root / "services" / "notes"):  # the root's kind is `platform`: it must not be re-asked
        result = subprocess.run(
            [sys.executable, "-m", "copier", "update", "--quiet"],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"update {folder.name}")
    answers = yaml.safe_load((root / "services" / "notes" / ".copier-answers.yml").read_text())
    assert answers["kind"] == "service" and answers["name"] == "notes" and answers["_commit"] == "v0.2.0"
    assert NEW_LINE in (root / "services" / "notes" / "RUNBOOK.md").read_text()


def test_init_refuses_a_templates_url_without_the_release_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    untagged = tmp_path / "untagged"
    untagged.mkdir()
    (untagged / "README").write_text("x\n")
    git(untagged, "init", "-q", "-b", "main")
    git(untagged, "add", "-A")
    git(untagged, "commit", "-q", "-m", "x")
    target = tmp_path / "platform"
    assert main(["init", str(target), "--defaults", "--no-verify", "--templates-url", str(untagged)]) == 2
    err = capsys.readouterr().err
    assert "has no tag v0.1.0" in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


def test_init_refuses_an_unreachable_templates_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "platform"
    assert main(["init", str(target), "--defaults", "--no-verify", "--templates-url", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "is not a reachable git repo" in err and len(err.strip().splitlines()) == 1


def test_init_without_a_source_records_none_says_so_and_config_sets_it(
    tmp_path: Path, template_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold import template_source

    monkeypatch.setattr(template_source, "installed_source_candidates", lambda: [str(tmp_path / "nowhere")])
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--defaults", "--no-verify", "--repo", str(root)]) == 0
    err = capsys.readouterr().err
    assert "NOTE: no template source recorded" in err and "scaffold config templates-url URL" in err
    assert yaml.safe_load((root / ".scaffold" / "platform.yaml").read_text())["templates_url"] is None
    assert "_src_path" not in yaml.safe_load((root / "services" / "billing" / ".copier-answers.yml").read_text())
    assert main(["update", "--all", "--repo", str(root)]) == 2
    assert "scaffold config templates-url URL" in capsys.readouterr().err

    assert main(["config", "templates-url", str(template_repo), "--repo", str(root)]) == 0
    assert yaml.safe_load((root / ".scaffold" / "platform.yaml").read_text())["templates_url"] == str(template_repo)
    for folder in (root, root / "services" / "billing"):
        text = (folder / ".copier-answers.yml").read_text()
        assert text.startswith("# Changes here will be overwritten by Copier")
        assert yaml.safe_load(text)["_src_path"] == str(template_repo)


def test_init_uses_the_checkout_scaffold_was_installed_from_when_it_has_the_tag(
    tmp_path: Path, template_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold import template_source

    monkeypatch.setattr(
        template_source, "installed_source_candidates", lambda: [str(tmp_path / "nowhere"), str(template_repo)]
    )
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert yaml.safe_load((root / ".scaffold" / "platform.yaml").read_text())["templates_url"] == str(template_repo)
    assert "differ from its tag" not in capsys.readouterr().err

    runbook = template_repo / "templates" / "service" / "RUNBOOK.md.jinja"
    runbook.write_text(runbook.read_text() + "\nwork in progress\n")  # a development checkout
    assert main(["init", str(tmp_path / "second"), "--defaults", "--no-verify"]) == 0
    assert f"the templates in {template_repo} differ from its tag v0.1.0" in capsys.readouterr().err


def test_an_update_that_changes_openapi_regenerates_the_pages_derived_from_it(
    tmp_path: Path, template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold.verify.engine import Selection, run_checks
    from scaffold.verify.model import Status

    root = _platform_with_services(tmp_path, template_repo)
    openapi = template_repo / "templates" / "service" / "openapi.yaml.jinja"
    old = "description: Lists the caller's brand's {{ words }}s, newest first."
    assert old in openapi.read_text()
    openapi.write_text(openapi.read_text().replace(old, "description: The brand's {{ words }}s, newest first, paged."))
    git(template_repo, "commit", "-q", "-am", "openapi: list description")
    git(template_repo, "tag", "v0.2.0")
    capsys.readouterr()

    assert main(["update", "--all", "--repo", str(root), "--no-verify"]) == 0

    assert "regenerated what the update changed underneath" in capsys.readouterr().err
    for name in SERVICES:
        assert "The brand's items, newest first, paged." in (root / f"docs/sdk/{name}.md").read_text()
    pages = run_checks(root, Selection(only=("SVC-DOC-03", "SVC-SDK-03")))
    assert pages and {f.status for f in pages} == {Status.PASS}, [f.message for f in pages]
