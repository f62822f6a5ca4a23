from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.templates import TEMPLATES_ROOT


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A git repo holding this checkout's templates, tagged v0.1.0 — what `copier update` fetches from."""
    repo = tmp_path / "templates-src"
    (repo / "templates").mkdir(parents=True)
    shutil.copy2(TEMPLATES_ROOT / "copier.yml", repo / "copier.yml")
    for kind in ("platform", "service"):
        shutil.copytree(TEMPLATES_ROOT / "templates" / kind, repo / "templates" / kind)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "templates v0.1.0")
    git(repo, "tag", "v0.1.0")
    return repo
