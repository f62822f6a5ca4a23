"""`scaffold init`: a fresh platform, idempotent re-runs, and refusals that write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from tests.generators.conftest import snapshot
from tests.generators.schema_valid import schema_errors


def test_init_twice_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    first = snapshot(root)
    assert ".scaffold/platform.yaml" in first and "packages/service-kit/src/index.ts" in first
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(root) == first


def test_init_refuses_to_overwrite_a_platform_that_moved_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    before = snapshot(root)
    capsys.readouterr()
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 2
    assert "copier update" in capsys.readouterr().err
    assert snapshot(root) == before


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--dry-run"]) == 0
    assert "+++ b/packages/service-kit/package.json" in capsys.readouterr().out
    assert not root.exists()


@pytest.mark.parametrize(
    ("setup", "name", "message"),
    [
        ("nonempty", None, "is not empty"),
        ("file", None, "is not a folder"),
        (None, "Bad Name", "not valid"),
    ],
)
def test_bad_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str | None, name: str | None, message: str
) -> None:
    target = tmp_path / "target"
    if setup == "nonempty":
        target.mkdir()
        (target / "keep.txt").write_text("mine\n")
    elif setup == "file":
        target.write_text("a file\n")
    argv = ["init", str(target), "--defaults", "--no-verify", *(["--name", name] if name else [])]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    if setup == "nonempty":
        assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_platform_manifests_are_valid_against_the_schemas_it_ships(pristine_billing_platform: Path) -> None:
    for manifest in ("catalog/services.yaml", "identity/m2m-clients.yaml", "release/freeze-windows.yaml"):
        assert schema_errors(pristine_billing_platform, manifest) == [], manifest
        first_line = (pristine_billing_platform / manifest).read_text().splitlines()[0]
        schema = first_line.removeprefix("# yaml-language-server: $schema=")
        assert (pristine_billing_platform / manifest).parent.joinpath(schema).resolve().is_file(), first_line
