"""Round-trip openapi.yaml edits (scaffold/edits/openapi.py) and the list-append comment fix in yaml_lists."""

from __future__ import annotations

import pytest

from scaffold.edits import openapi, yaml_lists
from scaffold.errors import ScaffoldError

DOCUMENT = """openapi: 3.1.0
paths:
  # the items
  /items:
    get:
      operationId: listItems
      security:
        - bearer: ["svc:read"]
components:
  schemas:
    Item:
      type: object
"""


def test_add_operation_keeps_the_rest_and_quotes_like_the_template() -> None:
    operation = {
        "operationId": "runJobX",
        "security": [{"bearer": {openapi.FLOW: ["jobs:run"]}}],
        "responses": {"202": {"$ref": "#/components/responses/Ok"}},
    }
    edited = openapi.add_operation(DOCUMENT, "openapi.yaml", "/admin/jobs/x", "post", operation)
    assert edited.startswith(DOCUMENT.split("components:")[0])
    assert (
        '  /admin/jobs/x:\n    post:\n      operationId: runJobX\n      security:\n        - bearer: ["jobs:run"]\n'
        '      responses:\n        "202":\n          $ref: "#/components/responses/Ok"\ncomponents:\n'
    ) in edited
    assert openapi.add_operation(edited, "openapi.yaml", "/admin/jobs/x", "post", operation) == edited


def test_operation_ids_stay_unique() -> None:
    with pytest.raises(ScaffoldError, match="already used"):
        openapi.add_operation(DOCUMENT, "openapi.yaml", "/other", "get", {"operationId": "listItems"})


def test_add_component_schema_once() -> None:
    edited = openapi.add_component_schema(DOCUMENT, "openapi.yaml", "JobRun", {"type": "object"})
    assert edited.endswith("    Item:\n      type: object\n    JobRun:\n      type: object\n")
    assert openapi.add_component_schema(edited, "openapi.yaml", "JobRun", {"type": "string"}) == edited


def test_appending_to_a_list_keeps_the_comment_below_it() -> None:
    text = "contracts:\n  published:\n    - a.b\n  # about the next key\n  subscribed: []\n"
    edited = yaml_lists.add_to_string_list(text, "service.yaml", ["contracts", "published"], "a.c")
    assert edited == "contracts:\n  published:\n    - a.b\n    - a.c\n  # about the next key\n  subscribed: []\n"
