"""`--data-file answers.yaml` for every generator (issue 11, point 4): the same answers as flags give the same tree
byte for byte; a flag on the command line wins over the file; a bad file is a one-line error and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.generators.conftest import (  # noqa: F401  (fixtures)
    pristine_billing_platform,
    pristine_empty_platform,
    snapshot,
)

# kind, its flags, and the same answers as a data file
CASES = [
    (
        ("new", "service", "care-plans"),
        ["--description", "Care plans.", "--owner", "care-team", "--on-call", "care-oncall", "--resource",
         "care_plan", "--returns-phi", "--port", "3300"],
        {"description": "Care plans.", "owner": "care-team", "on-call": "care-oncall", "resource": "care_plan",
         "returns-phi": True, "port": 3300},
    ),
    (
        ("new", "event", "invoice.paid"),
        ["--publisher", "billing", "--field", "amount:number", "--field", "status:enum(open|paid)", "--subscriber",
         "billing", "--no-user-facing"],
        {"publisher": "billing", "field": ["amount:number", "status:enum(open|paid)"], "subscriber": ["billing"],
         "user-facing": False},
    ),
    (
        ("new", "job", "nightly-cleanup"),
        ["--schedule", "0 3 * * *", "--target", "billing", "--description", "Purges drafts.", "--alarm-after", "5",
         "--no-sdk"],
        {"schedule": "0 3 * * *", "target": "billing", "description": "Purges drafts.", "alarm-after": 5,
         "no-sdk": True},
    ),
    (
        ("new", "endpoint", "item-export"),
        ["--method", "post", "--scope", "billing:export", "--scope-description", "Export items", "--rate-limit",
         "10/minute", "--no-sdk"],
        {"method": "post", "scope": "billing:export", "scope-description": "Export items", "rate-limit": "10/minute",
         "no-sdk": True},
    ),
    (
        ("new", "integration", "acme-crm"),
        ["--partner", "Acme CRM", "--scope", "billing:read", "--redirect-uri", "prod=https://acme.example/cb"],
        {"partner": "Acme CRM", "scope": ["billing:read"], "redirect-uri": ["prod=https://acme.example/cb"]},
    ),
]


@pytest.fixture
def two_platforms(pristine_billing_platform: Path, tmp_path: Path) -> tuple[Path, Path]:  # noqa: F811
    first, second = tmp_path / "flags" / "platform", tmp_path / "file" / "platform"
    shutil.copytree(pristine_billing_platform, first)
    shutil.copytree(pristine_billing_platform, second)
    return first, second


def _run(command: tuple[str, ...], root: Path, *extra: str) -> int:
    return main([*command, "--repo", str(root), "--defaults", "--no-verify", *extra])


@pytest.mark.parametrize(("command", "flags", "answers"), CASES, ids=[c[0][1] for c in CASES])
def test_a_data_file_gives_what_the_same_flags_give(
    command: tuple[str, ...], flags: list[str], answers: dict[str, object], two_platforms: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    with_flags, with_file = two_platforms
    data_file = tmp_path / "answers.yaml"
    data_file.write_text(yaml.safe_dump(answers), encoding="utf-8")
    assert _run(command, with_flags, *flags) == 0
    assert _run(command, with_file, "--data-file", str(data_file)) == 0
    assert snapshot(with_file) == snapshot(with_flags)


def test_the_name_can_come_from_the_file_and_a_flag_wins(
    two_platforms: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = two_platforms
    data_file = tmp_path / "answers.yaml"
    data_file.write_text("name: care-plans\nowner: file-team\non-call: file-oncall\n", encoding="utf-8")
    assert main(["new", "service", "--repo", str(root), "--defaults", "--no-verify", "--data-file", str(data_file),
                 "--owner", "flag-team"]) == 0
    manifest = yaml.safe_load((root / "services/care-plans/service.yaml").read_text())
    assert (manifest["owner"], manifest["on_call"]) == ("flag-team", "file-oncall")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("colour: red\n", "unknown answer 'colour'"),
        ("no-returns-phi: true\n", "unknown answer 'no-returns-phi'"),
        ("owner: true\n", "owner: expected a single value"),
        ("owner: [a, b]\n", "owner: expected a single value"),
        ("returns-phi: yes please\n", "returns-phi: expected true or false"),
        ("port: many\n", "port: 'many' is not valid"),
        ("- owner\n", "expected a mapping of answers"),
        ("owner: a\nowner: b\n", "answers.yaml:2: duplicate key 'owner'"),
        ("port: [1\n", "answers.yaml:2: did not find expected"),
        (None, "answers.yaml: No such file or directory"),
    ],
)
def test_a_bad_data_file_is_one_line_and_writes_nothing(
    content: str | None, message: str, two_platforms: tuple[Path, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = two_platforms
    data_file = tmp_path / "answers.yaml"
    if content is not None:
        data_file.write_text(content, encoding="utf-8")
    before = snapshot(root)
    capsys.readouterr()
    assert _run(("new", "service", "care-plans"), root, "--data-file", str(data_file)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert snapshot(root) == before
