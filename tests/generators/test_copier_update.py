"""A generated service pulls template changes with plain `copier update` and keeps the user's edits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scaffold.cli import main
from tests.generators.conftest import git


def test_copier_update_keeps_hand_edit_and_brings_template_change(tmp_path: Path, template_repo: Path) -> None:
    platform = tmp_path / "platform"
    assert main(["init", str(platform), "--defaults", "--no-verify", "--templates-url", str(template_repo)]) == 0
    assert main(["new", "service", "billing", "--defaults", "--no-verify", "--repo", str(platform)]) == 0
    service = platform / "services" / "billing"
    answers = (service / ".copier-answers.yml").read_text()
    assert f"_src_path: {template_repo}" in answers and "_commit: v0.1.0" in answers

    readme = service / "README.md"
    readme.write_text(readme.read_text() + "\nHand-written note: ask #billing before changing prices.\n")
    git(platform, "init", "-q", "-b", "main")
    git(platform, "add", "-A")
    git(platform, "commit", "-q", "-m", "platform with billing")

    runbook_template = template_repo / "templates" / "service" / "RUNBOOK.md.jinja"
    runbook_template.write_text(runbook_template.read_text() + "\n## Escalation\n\nPage the owning team's lead.\n")
    git(template_repo, "commit", "-q", "-am", "runbook: escalation section")
    git(template_repo, "tag", "v0.2.0")

    result = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--quiet"],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Hand-written note: ask #billing" in readme.read_text()
    assert "## Escalation" in (service / "RUNBOOK.md").read_text()
    assert "_commit: v0.2.0" in (service / ".copier-answers.yml").read_text()
    leftovers = [
        p
        for p in service.rglob("*")
        if p.suffix == ".rej" or (p.is_file() and "<<<<<<<" in p.read_text(errors="ignore"))
    ]
    assert leftovers == []
