from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.templates import template_dir, templates_root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` with its bytes: two equal snapshots mean nothing was written."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def pristine_empty_platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine-empty") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture(scope="session")
def pristine_billing_platform(pristine_empty_platform: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine-billing") / "platform"
    shutil.copytree(pristine_empty_platform, root)
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine_billing_platform: Path, tmp_path: Path) -> Path:
    """A platform holding one service, billing, copied fresh for each test."""
    root = tmp_path / "platform"
    shutil.copytree(pristine_billing_platform, root)
    return root


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
    shutil.copy2(templates_root() / "copier.yml", repo / "copier.yml")
    for kind in ("platform", "service"):
        shutil.copytree(template_dir(kind), repo / "templates" / kind)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "templates v0.1.0")
    git(repo, "tag", "v0.1.0")
    return repo
