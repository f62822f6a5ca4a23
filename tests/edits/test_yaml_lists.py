from __future__ import annotations

import pytest

from scaffold.edits.yaml_lists import add_to_string_list, upsert_list_item
from scaffold.errors import ScaffoldError

CATALOG = """# The service catalog. Keep entries in the order services were added.
services:
  - name: jobs  # the job runner
    owner: platform-team
    on_call: platform-oncall
    status: ga
"""


def test_upsert_appends_and_keeps_comments() -> None:
    edited = upsert_list_item(
        CATALOG,
        "catalog.yaml",
        "services",
        {"name": "billing", "owner": "t", "on_call": "o", "status": "experimental"},
        "name",
    )
    assert edited.startswith(CATALOG)
    assert edited[len(CATALOG) :] == "  - name: billing\n    owner: t\n    on_call: o\n    status: experimental\n"


def test_upsert_is_idempotent() -> None:
    entry = {"name": "jobs", "owner": "x", "on_call": "y", "status": "ga"}
    assert upsert_list_item(CATALOG, "catalog.yaml", "services", entry, "name") == CATALOG


def test_string_list_add_once() -> None:
    manifest = "name: billing\ncontracts:\n  openapi: openapi.yaml\n  events_published:\n    - billing.item_created\n"
    edited = add_to_string_list(manifest, "service.yaml", ["contracts", "events_published"], "billing.item_paid")
    assert edited.endswith("    - billing.item_created\n    - billing.item_paid\n")
    assert add_to_string_list(edited, "service.yaml", ["contracts", "events_published"], "billing.item_paid") == edited


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(ScaffoldError, match=r"catalog.yaml:3: not valid YAML"):
        upsert_list_item("services:\n  - name: a\n  bad: [\n", "catalog.yaml", "services", {"name": "b"}, "name")


SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/service.schema.json\n"


def test_edits_keep_the_editor_schema_line_first() -> None:
    """Editors complete a manifest from its first-line `$schema` comment: edits must leave it where it is."""
    manifest = SCHEMA_LINE + "name: billing\nscopes:\n  - billing:read\ncallers: []\n"
    edited = add_to_string_list(manifest, "services/billing/service.yaml", ["scopes"], "billing:write")
    edited = add_to_string_list(edited, "services/billing/service.yaml", ["callers"], "jobs")
    assert edited.startswith(SCHEMA_LINE)
    clients = SCHEMA_LINE + "clients:\n  - service: jobs\n"
    upserted = upsert_list_item(clients, "identity/m2m-clients.yaml", "clients", {"service": "billing"}, "service")
    assert upserted.startswith(SCHEMA_LINE) and "service: billing" in upserted


def test_removing_the_last_string_keeps_the_comment_below_the_list() -> None:
    from scaffold.edits.yaml_lists import remove_from_string_list

    text = "contracts:\n  events_published:\n    - a.one\n    - a.two\n  # about the next key\n  other: 1\n"
    added = add_to_string_list(text, "s.yaml", ["contracts", "events_published"], "a.three")
    assert "    - a.three\n  # about the next key\n" in added
    assert remove_from_string_list(added, "s.yaml", ["contracts", "events_published"], "a.three") == text
    assert remove_from_string_list(text, "s.yaml", ["contracts", "events_published"], "a.none") == text


def test_remove_list_item_is_the_inverse_of_upsert() -> None:
    from scaffold.edits.yaml_lists import remove_list_item

    text = "# services\nservices:\n  - name: a # first\n    owner: x\n"
    added = upsert_list_item(text, "c.yaml", "services", {"name": "b", "owner": "y"}, "name")
    assert remove_list_item(added, "c.yaml", "services", "name", "b") == text
