"""End to end: scaffold as a team installs it. Build the sdist and, from it, the wheel (`python -m build`); install
the wheel into a fresh venv; run `<venv>/bin/scaffold` by its absolute path (as pipx and `uv tool` installs are run)
with a PATH that lacks the venv, from a folder outside this checkout: the templates must come from the package and
squawk from beside the venv's interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHECKOUT = Path(__file__).resolve().parents[2]
# Reachable without the venv: git and the system's basics, never the venv's bin folder or this checkout's .tools.
BARE_PATH = "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(CHECKOUT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel and its dependencies; returns its `scaffold` executable."""
    venv = tmp_path_factory.mktemp("tool") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (wheel,) = dist.glob("scaffold-*.whl")
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return venv / "bin" / "scaffold"


def bare_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=BARE_PATH, CI="true")
    return env


def scaffold(executable: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), *args],
        cwd=cwd,
        env=bare_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_sdist_and_the_wheel_carry_the_templates(dist: Path) -> None:
    expected = {
        path.relative_to(CHECKOUT).as_posix()
        for path in [CHECKOUT / "copier.yml", *(CHECKOUT / "templates").rglob("*")]
        if path.is_file()
    }
    assert "templates/platform/.gitignore" in expected and "templates/service/copier.yml" not in expected
    (sdist,) = dist.glob("scaffold-*.tar.gz")
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert expected <= in_sdist, sorted(expected - in_sdist)[:5]
    (wheel,) = dist.glob("scaffold-*.whl")
    in_wheel = {name.removeprefix("scaffold/_templates/") for name in zipfile.ZipFile(wheel).namelist()}
    assert expected <= in_wheel, sorted(expected - in_wheel)[:5]


def test_an_installed_wheel_inits_generates_and_verifies_without_the_venv_on_path(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run(
        [str(installed.parent / "python"), "-c", "from scaffold import templates; print(templates.templates_root())"],
        cwd=tmp_path,
        env=bare_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in where.stdout and str(CHECKOUT) not in where.stdout, where.stdout

    steps = [
        ("init", "platform", "--defaults", "--no-verify"),
        ("new", "service", "billing", "--defaults", "--no-verify"),
        ("new", "event", "invoice.paid", "--publisher", "billing", "--defaults", "--no-verify"),
        ("new", "job", "nightly-cleanup", "--target", "billing", "--defaults", "--no-verify", "--no-sdk"),
        ("new", "endpoint", "item-summary", "--service", "billing", "--defaults", "--no-verify", "--no-sdk"),
        ("new", "integration", "acme-crm", "--scope", "billing:read", "--defaults", "--no-verify"),
    ]
    for step in steps:
        cwd = tmp_path if step[0] == "init" else tmp_path / "platform"
        result = scaffold(installed, cwd, *step)
        assert result.returncode == 0, (step, result.stderr[-2000:])
        assert "internal error" not in result.stderr, (step, result.stderr[-2000:])

    verified = scaffold(installed, tmp_path / "platform", "verify", "--no-cache")
    output = verified.stdout + verified.stderr
    assert "internal error" not in output, output[-3000:]
    assert "squawk is not installed" not in output, output[-3000:]
    assert "SVC-DB-03" in output, output[-3000:]
