"""A service's OpenAPI document split into files (`$ref: ./paths/healthz.yaml`, the usual way to keep a large
document readable) is read whole by the checks: valid for SVC-CODE-03, its operations and examples seen by
SVC-CODE-03 and SVC-DOC-04 (issue 10, point 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

HEALTHZ = """get:
  operationId: getHealth
  description: Returns 200 while the process can serve requests.
  security: []
  responses:
    "200":
      description: The service is up.
      content:
        application/json:
          schema: {$ref: "../openapi.yaml#/components/schemas/Health"}
          example: {status: ok}
"""


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("split") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    service = root / "services/billing"
    text = (service / "openapi.yaml").read_text()
    start = text.index("  /healthz:\n")
    end = text.index("\n  /", start + 1) + 1
    (service / "openapi.yaml").write_text(text[:start] + '  /healthz:\n    $ref: "./paths/healthz.yaml"\n' + text[end:])
    (service / "paths").mkdir()
    (service / "paths/healthz.yaml").write_text(HEALTHZ)
    return root


@pytest.mark.parametrize("check_id", ["SVC-CODE-03", "SVC-DOC-04"])
def test_a_split_document_passes(split: Path, check_id: str) -> None:
    findings = run_checks(split, Selection(only=(check_id,)), apply_attestations=False)
    mine = [f for f in findings if f.subject == "service:billing"]
    assert [f.status for f in mine] == [Status.PASS], mine
