"""RepoView: the files it lists, and parses shared between files with the same text (never different texts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffold import platform
from scaffold.parsers import typescript as ts
from scaffold.verify.listing import scan
from scaffold.verify.repo import RepoView

TELEMETRY = 'import { startTelemetry } from "@platform/service-kit";\nstartTelemetry("a");\n'


def _repo(tmp_path: Path, files: dict[str, str]) -> RepoView:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return RepoView(tmp_path)


def test_files_with_the_same_text_share_one_parse(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a/telemetry.ts": TELEMETRY, "b/telemetry.ts": TELEMETRY})
    first, second = repo.typescript("a/telemetry.ts"), repo.typescript("b/telemetry.ts")
    assert first is not None and first is second
    assert [call.line for call in ts.calls(first, "startTelemetry")] == [2]


def test_files_with_different_texts_are_parsed_apart(tmp_path: Path) -> None:
    other = TELEMETRY.replace('"a"', '"b"')
    repo = _repo(tmp_path, {"a/telemetry.ts": TELEMETRY, "b/telemetry.ts": other})
    first, second = repo.typescript("a/telemetry.ts"), repo.typescript("b/telemetry.ts")
    assert first is not None and second is not None and first is not second
    assert ts.calls(second, "startTelemetry")[0].first_string() == "b"


def test_yaml_is_not_shared_between_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a/service.yaml": "name: a\n", "b/service.yaml": "name: a\n"})
    first, second = repo.yaml("a/service.yaml"), repo.yaml("b/service.yaml")
    assert first is not None and second is not None
    assert first.data == second.data and first.data is not second.data


def _walked(root: Path) -> list[str]:
    """The listing as os.walk gives it (top down, names sorted), minus what the verifier skips."""
    found = []
    for directory, subdirs, names in os.walk(root):
        relative = os.path.relpath(directory, root)
        subdirs[:] = sorted(d for d in subdirs if d not in platform.IGNORED_DIRS)
        if relative == platform.VERIFY_CACHE_DIR:
            subdirs[:] = []
            continue
        found += [name if relative == "." else f"{relative}/{name}" for name in sorted(names)]
    return found


def test_the_listing_is_os_walks_minus_what_the_verifier_skips(tmp_path: Path) -> None:
    files = {
        "b.ts": "",
        "a/z.ts": "",
        "a/b/c.ts": "",
        "a/m.ts": "",
        "node_modules/x/index.js": "",
        ".scaffold/cache/verify.key": "",
        ".scaffold/platform.yaml": "",
        "services/x/dist/app.js": "",
        "services/x/src/app.ts": "",
    }
    _repo(tmp_path, files)
    (tmp_path / "linked").symlink_to(tmp_path / "a", target_is_directory=True)
    listed = scan(tmp_path).paths
    assert listed == _walked(tmp_path)
    assert listed == ["b.ts", ".scaffold/platform.yaml", "a/m.ts", "a/z.ts", "a/b/c.ts", "services/x/src/app.ts"]
    assert RepoView(tmp_path).files == listed


def test_a_view_takes_a_listing_instead_of_walking(tmp_path: Path) -> None:
    _repo(tmp_path, {"a.ts": "", "b.ts": ""})
    assert RepoView(tmp_path, listing=["a.ts"]).files == ["a.ts"]


RISKY = (
    "CREATE TABLE items (id uuid PRIMARY KEY);\n"
    "CREATE INDEX items_id ON items (id);\n"
    "ALTER TABLE items ADD COLUMN n int NOT NULL;\n"
)


def test_linting_ahead_gives_what_linting_on_demand_gives_with_one_squawk_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.parsers import sql as sql_parser

    files = {"services/a/service.yaml": "name: a\n", "services/a/migrations/0001_items.sql": RISKY}
    on_demand = _repo(tmp_path / "one", files).squawk(["services/a/migrations/0001_items.sql"])
    assert on_demand  # squawk has something to say about RISKY

    runs: list[int] = []
    real_run = sql_parser.run_squawk

    def counted(*args: object, **kwargs: object) -> list[sql_parser.SquawkFinding]:
        runs.append(1)
        return real_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sql_parser, "run_squawk", counted)
    ahead = _repo(tmp_path / "two", files)
    ahead.lint_ahead()
    ahead.settle()
    assert runs == [1]
    assert ahead.squawk(["services/a/migrations/0001_items.sql"]) == on_demand
    assert runs == [1]  # answered from the run started ahead
