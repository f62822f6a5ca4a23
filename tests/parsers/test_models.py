"""The generated pydantic models must match their JSON Schemas (the one source of truth), and the platform template
must ship the same schemas."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from scaffold.parsers.models import MODELS, SERVICE_MODEL, SERVICE_SCHEMA, GeneratedModel, codegen_command
from scaffold.parsers.models.freeze_windows import FreezeCalendar
from scaffold.parsers.models.integration_manifest import IntegrationManifest
from scaffold.parsers.models.m2m_clients import M2mClients
from scaffold.parsers.models.service_catalog import ServiceCatalog
from scaffold.parsers.models.service_manifest import ServiceManifest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_SCHEMAS = REPO / "templates" / "platform" / "schemas"
VALID_MANIFEST = REPO / "tests/fixtures/checks/SVC-CODE-02/pass/repo/services/billing/service.yaml"
PLATFORM_TEMPLATE = REPO / "templates" / "platform"
# Each model's class, and a manifest it must accept: the platform template's own files where it has them.
VALID_DOCUMENTS: dict[str, tuple[type[BaseModel], Path]] = {
    "service.schema.json": (ServiceManifest, VALID_MANIFEST),
    "catalog.schema.json": (ServiceCatalog, PLATFORM_TEMPLATE / "catalog/services.yaml"),
    "m2m-clients.schema.json": (
        M2mClients,
        REPO / "tests/fixtures/checks/SVC-AUTH-01/pass/repo/identity/m2m-clients.yaml",
    ),
    "freeze-windows.schema.json": (FreezeCalendar, PLATFORM_TEMPLATE / "release/freeze-windows.yaml"),
    "integration.schema.json": (
        IntegrationManifest,
        REPO / "tests/fixtures/checks/INT-02/pass/repo/integrations/acme-crm/integration.yaml",
    ),
}


def test_every_schema_has_a_model() -> None:
    shipped = sorted(path.name for path in SERVICE_SCHEMA.parent.glob("*.schema.json"))
    assert shipped == sorted(model.schema_name for model in MODELS) == sorted(VALID_DOCUMENTS)


@pytest.mark.skipif(shutil.which("datamodel-codegen") is None, reason="datamodel-code-generator not installed")
@pytest.mark.parametrize("model", MODELS, ids=[m.module for m in MODELS])
def test_model_is_regenerated_from_the_schema(model: GeneratedModel, tmp_path: Path) -> None:
    output = tmp_path / model.output.name
    subprocess.run(codegen_command(model.schema, output, model), check=True, capture_output=True, cwd=tmp_path)
    assert output.read_text() == model.output.read_text(), "run `python -m scaffold.parsers.models`"


def test_service_model_keeps_its_old_names() -> None:
    assert (MODELS[0].schema, MODELS[0].output) == (SERVICE_SCHEMA, SERVICE_MODEL)


@pytest.mark.parametrize("model", MODELS, ids=[m.schema_name for m in MODELS])
def test_platform_template_ships_the_same_schema(model: GeneratedModel) -> None:
    copy = TEMPLATE_SCHEMAS / model.schema_name
    assert copy.is_file(), f"copy {model.schema} to {copy}"
    assert copy.read_text() == model.schema.read_text(), f"copy {model.schema} to {copy}"


@pytest.mark.parametrize("schema_name", sorted(VALID_DOCUMENTS))
def test_model_reads_a_valid_manifest(schema_name: str) -> None:
    model, document = VALID_DOCUMENTS[schema_name]
    model.model_validate(yaml.safe_load(document.read_text()))


def test_service_model_reads_a_valid_manifest() -> None:
    manifest = ServiceManifest.model_validate(yaml.safe_load(VALID_MANIFEST.read_text()))
    assert manifest.name == "billing" and manifest.brand_scope == "per-brand"


def test_model_rejects_what_the_schema_rejects() -> None:
    data = yaml.safe_load(VALID_MANIFEST.read_text())
    with pytest.raises(ValueError):
        ServiceManifest.model_validate({**data, "status": "launched"})
    with pytest.raises(ValueError):
        ServiceCatalog.model_validate({"services": [{"name": "billing", "owner": "x", "on_call": "y"}]})
    with pytest.raises(ValueError):
        M2mClients.model_validate({"clients": [{"client_id": "a", "service": "a", "calls": "billing"}]})
    with pytest.raises(ValueError):
        FreezeCalendar.model_validate({"windows": [{"start": "soon", "end": "2027-01-01", "reason": "r"}]})
    with pytest.raises(ValueError):
        IntegrationManifest.model_validate({"name": "a", "client_id": "a", "scopes": [], "redirect_uris": {"qa": []}})
