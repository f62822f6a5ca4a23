"""Platform manifests against their schemas (scaffold/checks/_schemas.py): which check reports which error, and
the platform's own copy of a schema before scaffold's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Finding, Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "checks"


def _repo(tmp_path: Path, fixture: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / fixture / "repo", root)
    return root


def _fails(root: Path, check_id: str) -> list[Finding]:
    findings = run_checks(root, Selection(only=(check_id,)))
    return [f for f in findings if f.check_id == check_id and f.status is Status.FAIL]


def test_a_bad_catalog_entry_fails_only_its_own_service(tmp_path: Path) -> None:
    root = _repo(tmp_path, "SVC-DOC-05/pass")
    ledger = (root / "services/billing/service.yaml").read_text().replace("billing", "ledger")
    (root / "services/ledger").mkdir()
    (root / "services/ledger/service.yaml").write_text(ledger)
    catalog = root / "catalog/services.yaml"
    catalog.write_text(catalog.read_text() + "  - name: ledger\n    owner: ledger-team\n    oncall: ledger-oncall\n")
    fails = _fails(root, "SVC-DOC-05")
    assert {f.subject for f in fails} == {"service:ledger"}
    assert {(f.line, f.message.split(" (per")[0]) for f in fails} == {
        (6, "services/1: 'on_call' is a required property"),
        (6, "services/1: 'status' is a required property"),
        (6, "services/1: Additional properties are not allowed ('oncall' was unexpected)"),
    }
    assert all(f.message.endswith("(per scaffold's bundled catalog.schema.json)") for f in fails)


def test_an_orphan_catalog_entry_and_the_top_level_concern_every_service(tmp_path: Path) -> None:
    root = _repo(tmp_path, "SVC-DOC-05/pass")
    catalog = root / "catalog/services.yaml"
    catalog.write_text(catalog.read_text() + "  - name: gone\n    owner: x\n    on_call: y\n    status: dead\n")
    assert [f.line for f in _fails(root, "SVC-DOC-05")] == [9]
    catalog.write_text(catalog.read_text() + "teams: []\n")
    assert [f.line for f in _fails(root, "SVC-DOC-05")] == [1, 9]


def test_the_platforms_own_schema_comes_first(tmp_path: Path) -> None:
    root = _repo(tmp_path, "DEPLOY-04/pass")
    windows = root / "release/freeze-windows.yaml"
    windows.write_text(windows.read_text() + "owner: release-team\n")
    assert "Additional properties are not allowed" in _fails(root, "DEPLOY-04")[0].message
    bundled = json.loads((Path(__file__).parents[2] / "scaffold/schemas/freeze-windows.schema.json").read_text())
    bundled["properties"]["owner"] = {"type": "string"}
    (root / "schemas").mkdir()
    (root / "schemas/freeze-windows.schema.json").write_text(json.dumps(bundled))
    assert _fails(root, "DEPLOY-04") == []


def test_an_m2m_client_of_an_unrelated_service_is_not_this_services_failure(tmp_path: Path) -> None:
    root = _repo(tmp_path, "SVC-AUTH-01/pass")
    clients = root / "identity/m2m-clients.yaml"
    clients.write_text(clients.read_text() + "  - client_id: other-service\n    service: other\n    calls: nope\n")
    assert _fails(root, "SVC-AUTH-01") == []
    clients.write_text(clients.read_text().replace("calls: [billing]", "calls: billing"))
    assert [(f.line, f.message.split(" (per")[0]) for f in _fails(root, "SVC-AUTH-01")] == [
        (4, "clients/0/calls: 'billing' is not of type 'array'")
    ]
