"""What the generators write must stay valid against the platform's schemas (the copies `scaffold init` renders)."""

from __future__ import annotations

import json
from pathlib import Path

from scaffold import platform
from scaffold.parsers import manifests

SCHEMA_OF = {
    platform.CATALOG: platform.CATALOG_SCHEMA,
    platform.M2M_CLIENTS: platform.M2M_CLIENTS_SCHEMA,
    platform.FREEZE_WINDOWS: platform.FREEZE_WINDOWS_SCHEMA,
    platform.INTEGRATION_MANIFEST: platform.INTEGRATION_SCHEMA,
    platform.SERVICE_MANIFEST: platform.SERVICE_SCHEMA,
}


def schema_errors(root: Path, relative: str) -> list[str]:
    """`relative`'s errors against its schema under root/schemas/ (by file name), as `line: where: message`."""
    schema_path = SCHEMA_OF[relative] if relative in SCHEMA_OF else SCHEMA_OF[relative.rsplit("/", 1)[-1]]
    schema = json.loads((root / schema_path).read_text())
    parsed = manifests.load_yaml((root / relative).read_text())
    assert parsed.ok, parsed.error
    return [f"{e.line}: {e.where}: {e.message}" for e in manifests.validate(parsed, schema)]
