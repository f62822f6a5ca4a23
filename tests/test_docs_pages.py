"""scaffold.docs_pages: the generated service and SDK pages are pure, deterministic and complete."""

from __future__ import annotations

import copy

from scaffold.docs_pages import render_sdk_page, render_service_page

MANIFEST = {
    "name": "billing",
    "description": "Invoices and payments of each brand.",
    "owner": "billing-team",
    "on_call": "billing-oncall",
    "status": "beta",
    "brand_scope": "per-brand",
    "contracts": {"openapi": "openapi.yaml", "events_published": ["billing.item_created"], "events_subscribed": []},
    "callers": ["ledger"],
    "scopes": ["billing:write", "billing:read"],
}
OPENAPI = {
    "openapi": "3.1.0",
    "security": [{"bearer": []}],
    "paths": {
        "/healthz": {"get": {"operationId": "getHealth", "summary": "Liveness", "security": [], "responses": {}}},
        "/items/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "get": {
                "operationId": "getItem",
                "summary": "Get | an item",
                "description": "Returns one item.",
                "security": [{"bearer": ["billing:read"]}],
                "responses": {
                    "200": {
                        "description": "The item.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Item"},
                                "example": {"id": "1"},
                            }
                        },
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
            "post": {
                "operationId": "replaceItem",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}, "example": {"name": "x"}}},
                },
                "responses": {"201": {"description": "Replaced."}},
            },
        },
    },
    "components": {
        "parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}},
        "responses": {"NotFound": {"description": "No such item."}},
    },
}


def test_service_page_shows_the_manifest_routes_and_events() -> None:
    page = render_service_page(MANIFEST, OPENAPI)
    assert page.startswith("# billing\n") and page.endswith("\n") and not page.endswith("\n\n")
    assert "| Owner | billing-team |" in page and "| On-call | billing-oncall |" in page and "| Status | beta |" in page
    assert "| GET | `/healthz` | getHealth | public | Liveness |" in page
    assert "| GET | `/items/{id}` | getItem | `billing:read` | Get \\| an item |" in page  # pipes escaped
    assert "| POST | `/items/{id}` | replaceItem | token, no scope |" in page  # top-level `security: [{bearer: []}]`
    assert "Published: `billing.item_created`" in page and "Called by: `ledger`" in page
    assert "Scopes defined: `billing:read`, `billing:write`" in page  # sorted


def test_sdk_page_has_one_section_per_operation_with_its_call() -> None:
    page = render_sdk_page("billing", OPENAPI)
    assert page.startswith("# `@platform/sdk-billing`\n") and page.endswith("\n") and not page.endswith("\n\n")
    assert [line for line in page.splitlines() if line.startswith("## ")] == [
        "## `getHealth`",
        "## `getItem`",
        "## `replaceItem`",
    ]
    assert 'await client.GET("/items/{id}", { params: { path: { id: … } } });' in page  # path-level parameter
    assert 'await client.POST("/items/{id}", { params: { path: { id: … } }, body: … });' in page
    assert "| 404 | No such item. | — |" in page  # $ref response followed
    assert '"id": "1"' in page and '"name": "x"' in page


def test_pages_are_pure_and_deterministic() -> None:
    manifest, openapi = copy.deepcopy(MANIFEST), copy.deepcopy(OPENAPI)
    assert render_service_page(MANIFEST, OPENAPI) == render_service_page(manifest, openapi)
    assert render_sdk_page("billing", OPENAPI) == render_sdk_page("billing", openapi)
    assert manifest == MANIFEST and openapi == OPENAPI


def test_pages_tolerate_missing_or_malformed_data() -> None:
    assert render_service_page(None, None).endswith("No routes in openapi.yaml.\n\n## Events\n\nPublished: —\n\n"
                                                    "Subscribed: —\n\n## Scopes and callers\n\nScopes defined: —\n\n"
                                                    "Called by: —\n")  # fmt: skip
    assert "No operations in openapi.yaml." in render_sdk_page("billing", {"paths": "nope"})
