"""`scaffold verify --format json` over a generated platform, as a separate process: what the e2e tests assert on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def verify_findings(root: Path) -> tuple[int, list[dict[str, Any]]]:
    """The exit status and the findings of `scaffold verify ROOT --format json`."""
    result = subprocess.run(
        [sys.executable, "-m", "scaffold.cli", "verify", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, json.loads(result.stdout)["findings"]


def failing(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["status"] == "fail"]
