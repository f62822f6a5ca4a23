"""`scaffold verify --shard K/N` and `scaffold report merge`: the merged shards are the single run's report, byte
for byte, in every format; reports that are not one complete set of shards are refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.reporters import FORMATS

SERVICES = ("billing", "orders", "shipping", "ledger")


@pytest.fixture(scope="module", autouse=True)
def same_moment() -> Iterator[None]:
    """Every run of the module decides at one moment: DEPLOY-04's message names the minute it was decided at."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_NOW", "2026-12-03T09:00:00Z")
        yield


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shards") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    for name in SERVICES:
        assert main(["new", "service", name, "--repo", str(root), "--defaults", "--no-verify"]) == 0
    (root / "services/orders/src/app.ts").write_text("export const app = ;\n")  # a failure with file and line
    return root


@pytest.fixture(scope="module")
def shards(platform: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Path]]:
    folder = tmp_path_factory.mktemp("reports")
    found: dict[int, list[Path]] = {}
    for count in (1, 2, 3):
        for index in range(1, count + 1):
            report = folder / f"shard-{index}-of-{count}.json"
            status = main(["verify", str(platform), "--shard", f"{index}/{count}", "--no-cache", "-o", str(report)])
            assert status in (0, 1)
            found.setdefault(count, []).append(report)
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_merged_shards_are_the_single_run_byte_for_byte(
    platform: Path, shards: dict[int, list[Path]], tmp_path: Path, fmt: str
) -> None:
    single = tmp_path / f"single.{fmt}"
    assert main(["verify", str(platform), "--format", fmt, "--no-cache", "-o", str(single)]) == 1
    for count, reports in shards.items():
        merged = tmp_path / f"merged-{count}.{fmt}"
        # the shards in reverse order: the merge does not depend on the order it is given them
        assert main(["report", "merge", *map(str, reversed(reports)), "--format", fmt, "-o", str(merged)]) == 1
        assert merged.read_bytes() == single.read_bytes(), f"{count} shards, {fmt}"


def test_shard_reports_fit_the_published_schema(shards: dict[int, list[Path]]) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs/verify-report.schema.json").read_text())
    for report in shards[3]:
        jsonschema.validate(json.loads(report.read_text()), schema)


def test_each_subject_is_decided_by_one_shard_and_the_shares_are_split(shards: dict[int, list[Path]]) -> None:
    decided = [
        {(f["id"], f["subject"]) for f in json.loads(report.read_text())["findings"]} for report in shards[3]
    ]
    assert all(not (a & b) for i, a in enumerate(decided) for b in decided[i + 1 :])
    services = [{subject for _, subject in share if subject and subject.startswith("service:")} for share in decided]
    assert sum(bool(share) for share in services) >= 2  # four services do not all land in one of three shards
    # the repo-level items and the not_applicable rows (no subject) are shard 1's alone
    assert all(subject not in ("repo", None) for _, subject in decided[1] | decided[2])
    assert any(subject == "repo" for _, subject in decided[0]) and any(subject is None for _, subject in decided[0])


def test_a_missing_a_repeated_or_a_foreign_shard_is_refused(
    shards: dict[int, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two, three = shards[3]
    assert main(["report", "merge", str(one), str(three)]) == 2
    assert "shards 2/3 are missing" in capsys.readouterr().err
    assert main(["report", "merge", str(one), str(one), str(two), str(three)]) == 2
    assert "are both shard 1/3" in capsys.readouterr().err
    assert main(["report", "merge", str(shards[2][0]), str(two), str(three)]) == 2
    assert "shards of different runs" in capsys.readouterr().err
    forged = tmp_path / "forged.json"
    document = json.loads(two.read_text())
    document["findings"].append({**document["findings"][0], "subject": "service:nowhere"})
    forged.write_text(json.dumps(document))
    assert main(["report", "merge", str(one), str(forged), str(three)]) == 2
    assert "is not in the run's plan" in capsys.readouterr().err


def test_shard_usage_errors_are_one_line_exit_2(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--shard", "0/2"], ["--shard", "3/2"], ["--shard", "x"], ["--shard", "1/2", "--format", "sarif"]):
        assert main(["verify", str(platform), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("scaffold: error: --shard") and err.count("\n") == 1
