"""End to end: a platform and a service made by the previous release of scaffold (the commit that landed at the
last stop before this work) take today's templates with `scaffold update --all` — plain `copier update` from a
template repo tagged with both releases — and the updated service installs, type-checks, passes its own tests
(the ones the update brought included) and verifies with nothing failing."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from scaffold.templates import templates_root
from tests.e2e.verified import failing, verify_findings
from tests.e2e.vitest_runs import run_vitest
from tests.generators.conftest import git

pytestmark = pytest.mark.e2e

# The commit that landed at stop 15 (session 4's end): services it made have neither the kit's body limit nor
# ItemService.update/remove nor the rate limiter's per-caller window.
PREVIOUS_RELEASE = "f96f0f8"
CHECKOUT = Path(__file__).resolve().parents[2]


def _previous_release(into: Path) -> Path:
    """The previous release's source tree (scaffold/, templates/, copier.yml), from this checkout's history."""
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", PREVIOUS_RELEASE, "scaffold", "templates", "copier.yml"],
            cwd=CHECKOUT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"not a git checkout holding {PREVIOUS_RELEASE} (an installed copy has no history)")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _publish(repo: Path, source: Path, tag: str) -> None:
    """Make the template repo hold `source`'s copier.yml and templates/, committed and tagged."""
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copy2(source / "copier.yml", repo / "copier.yml")
    shutil.copytree(source / "templates", repo / "templates")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"templates {tag}")
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("e2e-update")
    old = _previous_release(work / "previous")
    templates = work / "templates-src"
    templates.mkdir()
    git(templates, "init", "-q", "-b", "main")
    _publish(templates, old, "v0.1.0")

    # the previous release's own code makes the platform and the service
    root = work / "platform"
    env = {**os.environ, "PYTHONPATH": str(old), "NO_COLOR": "1"}

    def previous(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "scaffold.cli", *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr

    previous("init", str(root), "--defaults", "--no-verify", "--templates-url", str(templates))
    previous("new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify")
    service = root / "services/billing"
    assert "update(" not in (service / "src/services/item-service.ts").read_text()  # made before it existed
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "platform made by the previous release")

    # today's templates are the newest release; today's scaffold updates every generated folder to it
    _publish(templates, templates_root(), "v0.2.0")
    assert main(["update", "--all", "--repo", str(root), "--no-verify"]) == 0
    pnpm.run(["install"], root)
    pnpm.run(["--filter", "@platform/billing-service", "sdk:gen"], root)  # the update changed openapi.yaml
    return root


def test_the_update_brought_todays_templates(updated: Path) -> None:
    service = updated / "services/billing"
    assert "async update(brandId: string" in (service / "src/services/item-service.ts").read_text()
    assert 'app.use("*", limitBody());' in (service / "src/app.ts").read_text()
    assert "_commit: v0.2.0" in (service / ".copier-answers.yml").read_text()
    assert "_commit: v0.2.0" in (updated / ".copier-answers.yml").read_text()
    assert (updated / "packages/service-kit/src/body-limit.ts").is_file()


def test_the_updated_service_type_checks_and_passes_its_tests(updated: Path) -> None:
    for package in ("@platform/service-kit", "@platform/contracts", "@platform/billing-service"):
        pnpm.run(["--filter", package, "typecheck"], updated)
    output = run_vitest(updated, ["--filter", "@platform/billing-service"], shuffle=True)
    assert "refuses a body over MAX_BODY_BYTES with 413 payload_too_large, and writes nothing" in output
    assert "renames and deletes within its brand only" in output


def test_verify_reports_no_failure_after_the_update(updated: Path) -> None:
    _, findings = verify_findings(updated)
    assert failing(findings) == [], json.dumps(failing(findings), indent=1)
