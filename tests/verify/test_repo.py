"""RepoView: parsed files are shared between files with the same text, never between different texts."""

from __future__ import annotations

from pathlib import Path

from scaffold.parsers import typescript as ts
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
