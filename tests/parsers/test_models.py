"""The generated pydantic model of service.yaml must match its JSON Schema (the one source of truth)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffold.parsers.models import SERVICE_MODEL, SERVICE_SCHEMA, codegen_command
from scaffold.parsers.models.service_manifest import ServiceManifest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_SCHEMA = REPO / "templates" / "platform" / "schemas" / "service.schema.json"
VALID_MANIFEST = REPO / "tests/fixtures/checks/SVC-CODE-02/pass/repo/services/billing/service.yaml"


@pytest.mark.skipif(shutil.which("datamodel-codegen") is None, reason="datamodel-code-generator not installed")
def test_model_is_regenerated_from_the_schema(tmp_path: Path) -> None:
    output = tmp_path / "service_manifest.py"
    subprocess.run(codegen_command(SERVICE_SCHEMA, output), check=True, capture_output=True, cwd=tmp_path)
    assert output.read_text() == SERVICE_MODEL.read_text(), "run `python -m scaffold.parsers.models`"


def test_platform_template_ships_the_same_schema() -> None:
    if not TEMPLATE_SCHEMA.exists():
        pytest.skip("the platform template renders the schema from scaffold/schemas")
    assert TEMPLATE_SCHEMA.read_text() == SERVICE_SCHEMA.read_text()


def test_model_reads_a_valid_manifest() -> None:
    manifest = ServiceManifest.model_validate(yaml.safe_load(VALID_MANIFEST.read_text()))
    assert manifest.name == "billing" and manifest.brand_scope == "per-brand"


def test_model_rejects_what_the_schema_rejects() -> None:
    data = yaml.safe_load(VALID_MANIFEST.read_text())
    with pytest.raises(ValueError):
        ServiceManifest.model_validate({**data, "status": "launched"})
