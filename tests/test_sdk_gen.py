"""sdk_gen.render_schema runs the service's openapi-typescript on untrusted input: bounded in time, and its failures
name the document they were about (the one service.yaml declares)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from scaffold import sdk_gen
from scaffold.errors import ScaffoldError


def _fake(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "openapi-typescript"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_generator_that_hangs_is_stopped_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_gen, "openapi_typescript", lambda root, service: _fake(tmp_path, "exec sleep 30"))
    monkeypatch.setattr(sdk_gen, "GENERATE_TIMEOUT_SECONDS", 1)
    with pytest.raises(ScaffoldError, match=r"did not finish on services/billing/api/openapi.yaml within 1 s"):
        sdk_gen.render_schema(tmp_path, "billing", "openapi: 3.1.0\n", "services/billing/api/openapi.yaml")


def test_a_failure_names_the_declared_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_gen, "openapi_typescript", lambda root, service: _fake(tmp_path, "echo broken >&2; exit 1"))
    with pytest.raises(ScaffoldError, match=r"failed on services/billing/api/openapi.yaml: broken"):
        sdk_gen.render_schema(tmp_path, "billing", "openapi: 3.1.0\n", "services/billing/api/openapi.yaml")
