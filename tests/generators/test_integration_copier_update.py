"""A generated integration pulls template changes with plain `copier update` in its own folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.templates import template_dir, templates_root
from tests.generators.conftest import git


@pytest.fixture
def integration_template_repo(tmp_path: Path) -> Path:
    """A git repo of this checkout's platform, service and integration templates, tagged v0.1.0."""
    repo = tmp_path / "templates-src"
    (repo / "templates").mkdir(parents=True)
    shutil.copy2(templates_root() / "copier.yml", repo / "copier.yml")
    for kind in ("platform", "service", "integration"):
        shutil.copytree(template_dir(kind), repo / "templates" / kind)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "templates v0.1.0")
    git(repo, "tag", "v0.1.0")
    return repo


def test_copier_update_in_the_integration_folder(tmp_path: Path, integration_template_repo: Path) -> None:
    platform = tmp_path / "platform"
    repo = str(platform)
    assert main(["init", repo, "--defaults", "--no-verify", "--templates-url", str(integration_template_repo)]) == 0
    assert main(["new", "service", "billing", "--defaults", "--no-verify", "--repo", repo]) == 0
    assert (
        main(
            [
                "new",
                "integration",
                "acme",
                "--defaults",
                "--no-verify",
                "--repo",
                repo,
                "--redirect-uri",
                "prod=https://acme.test/cb",
            ]
        )
        == 0
    )
    folder = platform / "integrations" / "acme"
    answers = (folder / ".copier-answers.yml").read_text()
    assert f"_src_path: {integration_template_repo}" in answers and "_commit: v0.1.0" in answers

    readme = folder / "README.md"
    readme.write_text(readme.read_text() + "\nHand-written note: Acme's sandbox resets nightly.\n")
    git(platform, "init", "-q", "-b", "main")
    git(platform, "add", "-A")
    git(platform, "commit", "-q", "-m", "platform with acme")

    template = integration_template_repo / "templates" / "integration" / "src" / "backoff.ts"
    template.write_text(template.read_text().replace("DEFAULT_MAX_MS = 60_000", "DEFAULT_MAX_MS = 120_000"))
    git(integration_template_repo, "commit", "-q", "-am", "backoff: longer ceiling")
    git(integration_template_repo, "tag", "v0.2.0")

    result = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--quiet"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Hand-written note: Acme's sandbox resets nightly." in readme.read_text()
    assert "DEFAULT_MAX_MS = 120_000" in (folder / "src/backoff.ts").read_text()
    assert '"https://acme.test/cb"' in (folder / "integration.yaml").read_text()  # recorded answers kept
    assert "_commit: v0.2.0" in (folder / ".copier-answers.yml").read_text()
    status = git(platform, "status", "--porcelain")
    assert sorted(line[3:] for line in status.splitlines()) == [
        "integrations/acme/.copier-answers.yml",
        "integrations/acme/src/backoff.ts",
    ]
