"""`scaffold init`: a fresh platform, idempotent re-runs, and refusals that write nothing."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from scaffold.cli import build_parser, main
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


def _scaffold_commands(run: str) -> list[list[str]]:
    return [shlex.split(line.split("||")[0])[1:] for line in run.splitlines() if line.strip().startswith("scaffold ")]


def test_platform_ci_workflow_uploads_sarif_to_code_scanning_and_junit(pristine_empty_platform: Path) -> None:
    workflow = yaml.safe_load(
        (pristine_empty_platform / ".github" / "workflows" / "scaffold-verify.yml").read_text()
    )
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    commands = [command for step in steps for command in _scaffold_commands(step.get("run", ""))]
    formats = {command[command.index("--format") + 1]: command[command.index("--output") + 1] for command in commands}
    assert set(formats) == {"sarif", "junit"}
    for command in commands:  # the flags are scaffold's own
        args = build_parser().parse_args(command)
        assert args.command == "verify"
    uploads = {step["uses"].split("@")[0]: step.get("with", {}) for step in steps if "uses" in step}
    assert uploads["github/codeql-action/upload-sarif"]["sarif_file"] == formats["sarif"]
    assert uploads["mikepenz/action-junit-report"]["report_paths"] == formats["junit"]
    # a failing item fails the job, after both reports were uploaded
    verify_step = next(step for step in steps if "--format sarif" in step.get("run", ""))
    assert verify_step["continue-on-error"] is True
    assert steps[-1]["if"] == f"steps.{verify_step['id']}.outcome == 'failure'"

