"""OpenAPI loading, validation with lines, and operations."""

from __future__ import annotations

from scaffold.parsers.openapi import hono_path, load_openapi, operations

SPEC = """openapi: 3.1.0
info:
  title: billing
  version: 0.1.0
security:
  - bearer: ["billing:read"]
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getItem
      description: One item.
      responses:
        "200":
          $ref: "#/components/responses/Item"
        "404":
          description: Not found.
    delete:
      operationId: deleteItem
      security: []
      responses:
        "204":
          description: Deleted.
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  responses:
    Item:
      description: The item.
      content:
        application/json:
          example: {id: "1"}
"""


def test_operations() -> None:
    spec = load_openapi(SPEC)
    assert spec.ok, spec.errors
    get, delete = operations(spec)
    assert (get.method, get.path, get.operation_id, get.line) == ("get", "/items/{id}", "getItem", 11)
    assert get.scopes == ("billing:read",) and not get.security_declared and not get.public
    assert get.has_example  # through the $ref
    assert get.error_statuses == (404,)
    assert delete.public and delete.security_declared and delete.description is None and not delete.has_example


def test_validation_errors_have_lines() -> None:
    spec = load_openapi(SPEC.replace("  version: 0.1.0\n", ""))
    assert not spec.ok
    assert [(e.line, "version" in e.message) for e in spec.errors] == [(2, True)]
    broken = load_openapi("openapi: 3.1.0\npaths: [\n")
    assert not broken.ok and broken.errors[0].line == 3
    assert not load_openapi("swagger: '2.0'\n").ok


def test_hono_path() -> None:
    assert hono_path("/items/{id}/notes/{noteId}") == "/items/:id/notes/:noteId"
