"""Where things live in a platform repo — the one module that knows the layout (docs/LAYOUT.md)."""

from __future__ import annotations

from pathlib import Path

MARKER = ".scaffold/platform.yaml"
SERVICES_DIR = "services"
INTEGRATIONS_DIR = "integrations"
SERVICE_MANIFEST = "service.yaml"
SERVICE_OPENAPI = "openapi.yaml"
SERVICE_SHAPE = "services/_template/shape.yaml"
SERVICE_SCHEMA = "schemas/service.schema.json"
SST_CONFIG = "sst.config.ts"
CATALOG = "catalog/services.yaml"
M2M_CLIENTS = "identity/m2m-clients.yaml"
FREEZE_WINDOWS = "release/freeze-windows.yaml"
CHANGESET_DIR = ".changeset"
CONTRACTS_EVENTS_DIR = "packages/contracts/src/events"
EVENT_REGISTRY = "packages/contracts/src/events/registry.ts"
EVENT_NAMES = "packages/contracts/src/events/names.generated.ts"
ERROR_CODES = "packages/contracts/src/errors.ts"
WEBHOOK_FILTERS = "packages/contracts/src/webhooks.ts"
SCOPES_REGISTRY = "packages/scopes/src/registry.ts"
JOBS_REGISTRY = "services/jobs/src/jobs/registry.ts"
JOBS_RUNBOOK = "services/jobs/RUNBOOK.md"
DOCS_SERVICES = "docs/services"
DOCS_SDK = "docs/sdk"
DOCS_EVENTS = "docs/events"
DOCS_API = "docs/api"
DOCS_CONNECT = "docs/connect/capabilities.md"
ATTESTATIONS = ".scaffold/attestations.yaml"
RESERVED_SERVICE_NAMES = frozenset({"_template", "jobs", "sdk", "shared", "platform", "node_modules"})


def service_dir(name: str) -> str:
    return f"{SERVICES_DIR}/{name}"


def event_family_file(family: str) -> str:
    return f"{CONTRACTS_EVENTS_DIR}/{family}.ts"


def find_platform_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds the platform marker."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / MARKER).is_file():
            return folder
    return None
