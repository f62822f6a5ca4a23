"""`scaffold new service`: dry run, idempotence, registry edits, and one-line errors for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.generators.conftest import snapshot
from tests.generators.schema_valid import schema_errors


@pytest.fixture
def platform(pristine_empty_platform: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine_empty_platform, root)
    return root


def new_service(platform: Path, *args: str) -> int:
    return main(["new", "service", *args, "--repo", str(platform), "--defaults", "--no-verify"])


def test_dry_run_prints_the_diff_and_writes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(platform)
    assert new_service(platform, "billing", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+++ b/services/billing/service.yaml" in out
    assert '+      await import("./services/billing/infra"),' in out
    assert '+  "billing:write": {' in out
    assert snapshot(platform) == before


def test_generates_and_registers_everywhere(platform: Path) -> None:
    assert new_service(platform, "billing") == 0
    assert (platform / "services/billing/src/app.ts").is_file()
    assert 'await import("./services/billing/infra")' in (platform / "sst.config.ts").read_text()
    assert (
        '"billing.item_created": billing.itemCreated'
        in (platform / "packages/contracts/src/events/registry.ts").read_text()
    )
    assert '"billing.item_created",' in (platform / "packages/contracts/src/events/names.generated.ts").read_text()
    assert '"billing:read"' in (platform / "packages/scopes/src/registry.ts").read_text()
    assert "- name: billing" in (platform / "catalog/services.yaml").read_text()
    assert schema_errors(platform, "catalog/services.yaml") == []
    assert (platform / "docs/services/billing.md").is_file() and (platform / "docs/sdk/billing.md").is_file()
    assert (platform / "docs/events/billing.item_created.md").is_file()


def test_second_run_with_same_answers_changes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_service(platform, "billing", "--owner", "money-team") == 0
    after_first = snapshot(platform)
    capsys.readouterr()
    assert new_service(platform, "billing", "--owner", "money-team") == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(platform) == after_first


def test_two_services_keep_registries_sorted_and_ports_distinct(platform: Path) -> None:
    assert new_service(platform, "zeta") == 0
    assert new_service(platform, "alpha") == 0
    config = (platform / "sst.config.ts").read_text()
    assert (
        config.index("services/alpha/infra") < config.index("services/jobs/infra") < config.index("services/zeta/infra")
    )
    assert "port: 3001" in (platform / "services/alpha/.copier-answers.yml").read_text()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Billing", "not valid"),
        ("bill ing", "not valid"),
        ("../x", "not valid"),
        ("/etc/passwd", "not valid"),
        ("a;rm -rf ~", "not valid"),
        ("$(whoami)", "not valid"),
        ("_template", "reserved"),
        ("jobs", "reserved"),
        ("x" * 31, "too long"),
        ("lead-", "not valid"),
        ("caf\u00e9", "not valid"),
    ],
)
def test_bad_names_are_one_line_errors_and_write_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    before = snapshot(platform)
    assert new_service(platform, name) == 2
    err = capsys.readouterr().err
    assert err.startswith("scaffold: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(platform) == before


def test_existing_service_with_other_answers_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_service(platform, "billing") == 0
    before = snapshot(platform)
    capsys.readouterr()
    assert new_service(platform, "billing", "--owner", "someone-else") == 2
    assert "already exists" in capsys.readouterr().err
    assert snapshot(platform) == before


def test_not_a_platform_repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_service(tmp_path, "billing") == 2
    assert "is not inside a platform repo" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("catalog/services.yaml", "services:\n  - name: jobs\n  bad: [\n", "catalog/services.yaml:3: not valid YAML"),
        ("sst.config.ts", "export default $config({\n  async run() {\n    const services = [\n", "sst.config.ts"),
        ("packages/scopes/src/registry.ts", "export const NOT_SCOPES = {\n};\n", "no `SCOPES"),
        (".scaffold/platform.yaml", "kind: [platform\n", "not valid YAML"),
    ],
)
def test_malformed_manifest_is_a_one_line_error_and_nothing_is_written(
    platform: Path, capsys: pytest.CaptureFixture[str], path: str, content: str, message: str
) -> None:
    (platform / path).write_text(content)
    before = snapshot(platform)
    assert new_service(platform, "billing") == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert snapshot(platform) == before


def test_no_name_without_a_terminal_is_an_error(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "service", "--repo", str(platform)]) == 2
    assert "a service name is required" in capsys.readouterr().err


def test_answers_with_yaml_and_code_metacharacters_survive(platform: Path) -> None:
    import yaml

    description = 'Says "hi": #1 */ ${x} `y`'
    assert new_service(platform, "odd", "--description", description, "--owner", "team: a", "--on-call", "#rota") == 0
    manifest = yaml.safe_load((platform / "services/odd/service.yaml").read_text())
    assert (manifest["description"], manifest["owner"], manifest["on_call"]) == (description, "team: a", "#rota")
    catalog = yaml.safe_load((platform / "catalog/services.yaml").read_text())
    assert {"name": "odd", "owner": "team: a", "on_call": "#rota", "status": "experimental"} in catalog["services"]


def test_init_and_new_service_say_when_to_run_pnpm_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert "pnpm install" in capsys.readouterr().err
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert "next: pnpm install" in capsys.readouterr().err
