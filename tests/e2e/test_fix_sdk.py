"""`scaffold verify --fix` regenerates a stale SDK schema (SVC-SDK-01) once `pnpm install` has put the platform's
openapi-typescript in node_modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

pytestmark = pytest.mark.e2e


def test_fix_regenerates_the_sdk_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    pnpm.run(["install"], root)
    schema = root / "services/billing/sdk/src/schema.ts"
    schema.unlink()

    def sdk_failures() -> list[str]:
        findings = run_checks(root, Selection(only=("SVC-SDK-01",)))
        return [f.message for f in findings if f.status is Status.FAIL]

    assert sdk_failures()
    capsys.readouterr()
    assert main(["verify", str(root), "--fix", "--only", "SVC-SDK-01", "--format", "json"]) == 0
    assert "cannot fix" not in capsys.readouterr().err
    assert schema.is_file() and sdk_failures() == []
