"""scaffold/zod_gen.py: openapi.yaml -> src/api.generated.ts, the routes' validators (issue 9, point 6). What the
rendered zod accepts is tested against a JSON Schema validator in tests/e2e/test_zod_gen_agrees.py; here, the
rendering itself: every keyword of the subset, the order, the request parts, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from scaffold import zod_gen


def _document(schemas: dict[str, Any] | None = None, paths: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths or {}, "components": {"schemas": schemas or {}}}


def _expression(schema: dict[str, Any]) -> str:
    """The rendered expression of one component schema named S."""
    text = zod_gen.render(_document({"S": schema}))
    start = text.index("export const S = ") + len("export const S = ")
    return text[start : text.index(";\nexport type S")]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "z.string()"),
        ({"type": "string", "format": "uuid"}, "z.uuid()"),
        ({"type": "string", "format": "date-time"}, "z.iso.datetime({ offset: true })"),
        ({"type": "string", "format": "date"}, "z.iso.date()"),
        ({"type": "string", "format": "email"}, "z.email()"),
        ({"type": "string", "format": "uri"}, "z.url()"),
        ({"type": "string", "format": "hostname"}, "z.string()"),  # formats zod has no validator for annotate only
        (
            {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
            'z.string().min(1).max(200).regex(new RegExp("\\\\S", "u"))',
        ),
        ({"type": "integer", "minimum": 1, "maximum": 100}, "z.int().min(1).max(100)"),
        ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "z.number().gt(0).lt(1)"),
        ({"type": "number", "multipleOf": 0.5}, "z.number().multipleOf(0.5)"),
        ({"type": "boolean"}, "z.boolean()"),
        ({"type": "string", "enum": ["a", "b"]}, 'z.enum(["a", "b"])'),
        ({"enum": [1, 2]}, "z.union([z.literal(1), z.literal(2)])"),
        ({"const": "ok"}, 'z.literal("ok")'),
        ({"type": ["string", "null"]}, "z.string().nullable()"),
        ({"type": "string", "nullable": True}, "z.string().nullable()"),
        ({"type": ["string", "number", "null"], "maxLength": 3}, "z.union([z.string().max(3), z.number()]).nullable()"),
        (
            {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
            "z.array(z.int()).min(1).max(3)",
        ),
        ({"type": "object"}, "z.record(z.string(), z.unknown())"),
        ({"type": "object", "additionalProperties": {"type": "string"}}, "z.record(z.string(), z.string())"),
        ({"type": "object", "additionalProperties": False}, "z.strictObject({})"),
        ({"type": "null"}, "z.null()"),
        ({"type": "object", "properties": {"gone": False}}, "z.object({\n  gone: z.never().optional(),\n})"),
        ({}, "z.unknown()"),
        ({"description": "anything", "example": 3}, "z.unknown()"),
    ],
)
def test_each_keyword_of_the_subset_renders_to_its_zod(schema: dict[str, Any], expected: str) -> None:
    assert _expression(schema) == expected


def test_objects_say_which_properties_are_optional_defaulted_and_whether_others_are_refused() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "only described"},
            "count": {"type": "integer", "default": 1},
            "tag": {"type": "string"},
            "content-type": {"type": "string"},
        },
    }
    assert _expression(schema) == (
        "z.strictObject({\n"
        "  name: z.string(),\n"
        "  count: z.int().default(1),\n"
        "  tag: z.string().optional(),\n"
        '  "content-type": z.string().optional(),\n'
        "})"
    )
    assert _expression({**schema, "additionalProperties": True}).startswith("z.object({")


def test_schemas_come_after_the_schemas_they_name_and_otherwise_keep_the_document_order() -> None:
    text = zod_gen.render(
        _document(
            {
                "List": {
                    "type": "object",
                    "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}},
                },
                "Other": {"type": "string"},
                "Item": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        )
    )
    order = [line.split()[2] for line in text.splitlines() if line.startswith("export const ")]
    assert order == ["Item", "List", "Other", "requests"]
    assert "  data: z.array(Item).optional()," in text


def test_request_parts_take_path_item_parameters_overridden_by_the_operations_and_coerce_strings() -> None:
    document = _document(
        {"New": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        {
            "/things/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                ],
                "post": {
                    "operationId": "updateThing",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                        {"$ref": "#/components/parameters/Limit"},
                        {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}},
                },
                "get": {"operationId": "getThing"},
            },
            "/healthz": {"get": {"operationId": "getHealth"}},
        },
    )
    document["components"]["parameters"] = {
        "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100, "default": 50}}
    }
    text = zod_gen.render(document)
    expected = (
        "export const requests = {\n"
        "  getThing: {\n"
        "    param: z.object({\n"
        "      id: z.string(),\n"
        "    }),\n"
        "    query: z.object({\n"
        "      verbose: z.stringbool().optional(),\n"
        "    }),\n"
        "  },\n"
        "  updateThing: {\n"
        "    param: z.object({\n"
        "      id: z.uuid(),\n"
        "    }),\n"
        "    query: z.object({\n"
        "      verbose: z.stringbool().optional(),\n"
        "      limit: z.coerce.number().int().max(100).default(50),\n"
        "    }),\n"
        "    json: New,\n"
        "  },\n"
        "} as const;\n"
    )
    assert text.endswith(expected), text  # headers are the middleware's (idempotency), getHealth takes nothing


def test_path_items_kept_in_components_are_followed_and_operations_that_take_nothing_need_no_name() -> None:
    document = _document(
        paths={"/a": {"$ref": "#/components/pathItems/A"}, "/healthz": {"get": {"responses": {}}}},
    )
    document["components"]["pathItems"] = {
        "A": {"post": {"operationId": "makeA", "requestBody": {"content": {"application/json": {"schema": {}}}}}}
    }
    assert "  makeA: {\n    json: z.unknown(),\n  }," in zod_gen.render(document)
    document["paths"]["/b"] = {"$ref": "paths/b.yaml"}
    with pytest.raises(zod_gen.Unsupported) as raised:
        zod_gen.render(document)
    assert raised.value.where == ("paths", "/b") and "not local" in raised.value.reason


def test_a_document_without_request_parts_exports_an_empty_requests() -> None:
    assert zod_gen.render(_document()).endswith("export const requests = {} as const;\n")


def test_rendering_is_deterministic() -> None:
    document = _document({"A": {"type": "string"}, "B": {"$ref": "#/components/schemas/A"}})
    assert zod_gen.render(document) == zod_gen.render(document)
    assert "export const B = A;" in zod_gen.render(document)


@pytest.mark.parametrize(
    ("document", "where", "reason"),
    [
        (
            _document({"S": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}),
            ("components", "schemas", "S"),
            "`oneOf`",
        ),
        (
            _document({"S": {"type": "object", "properties": {"x": {"allOf": []}}}}),
            ("components", "schemas", "S", "properties", "x"),
            "`allOf`",
        ),
        (
            _document({"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}),
            ("components", "schemas", "Node"),
            "recursive schemas (Node -> Node)",
        ),
        (
            _document({"S": {"$ref": "./other.yaml#/S"}}),
            ("components", "schemas", "S"),
            "is not local to this document",
        ),
        (_document({"S": {"$ref": "#/components/schemas/Missing"}}), ("components", "schemas", "S"), "names no schema"),
        (
            _document({"S": {"$ref": "#/components/schemas/T", "maxLength": 3}, "T": {"type": "string"}}),
            ("components", "schemas", "S"),
            "keywords beside a $ref",
        ),
        (_document({"not-a-name": {"type": "string"}}), ("components", "schemas", "not-a-name"), "TypeScript constant"),
        (_document({"requests": {"type": "string"}}), ("components", "schemas", "requests"), "TypeScript constant"),
        (
            _document({"S": {"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "string"}}}),
            ("components", "schemas", "S"),
            "additionalProperties with a schema",
        ),
        (
            _document(
                paths={"/x": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}]}}}
            ),
            ("paths", "/x", "get"),
            "needs an operationId",
        ),
        (
            _document(
                paths={
                    "/x": {
                        "get": {
                            "operationId": "x",
                            "parameters": [
                                {"name": "q", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                            ],
                        }
                    }
                }
            ),
            ("paths", "/x", "get", "parameters", 0, "schema"),
            "an array in a query",
        ),
        (
            _document(
                paths={
                    "/x": {
                        "get": {
                            "operationId": "x",
                            "parameters": [{"name": "q", "in": "query", "content": {"application/json": {}}}],
                        }
                    }
                }
            ),
            ("paths", "/x", "get", "parameters", 0),
            "described by `content`",
        ),
    ],
)
def test_what_is_outside_the_subset_is_refused_with_where_it_is(
    document: dict[str, Any], where: tuple[object, ...], reason: str
) -> None:
    with pytest.raises(zod_gen.Unsupported) as raised:
        zod_gen.render(document)
    assert raised.value.where == where and reason in raised.value.reason


def test_nesting_past_the_bound_is_refused_not_recursed_into() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(zod_gen.MAX_DEPTH + 5):
        schema = {"type": "array", "items": schema}
    with pytest.raises(zod_gen.Unsupported, match="nested more than"):
        zod_gen.render(_document({"Deep": schema}))


def test_refs_into_other_files_the_verifier_read_are_rendered_in_place() -> None:
    document = _document(
        {"Name": {"type": "string", "minLength": 1}, "Item": {"$ref": "./schemas/item.yaml"}},
        {"/items": {"$ref": "./paths/items.yaml"}},
    )
    referenced = {
        "svc/schemas/item.yaml": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"$ref": "../openapi.yaml#/components/schemas/Name"},
                "tag": {"$ref": "#/$defs/Tag"},
            },
            "$defs": {"Tag": {"type": "string", "maxLength": 3}},
        },
        "svc/paths/items.yaml": {
            "post": {
                "operationId": "createItem",
                "parameters": [{"$ref": "../parameters.yaml#/Limit"}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "../schemas/item.yaml"}}}},
            }
        },
        "svc/parameters.yaml": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}},
    }
    text = zod_gen.render(document, path="svc/openapi.yaml", referenced=referenced)
    item = "z.object({\n  name: z.string().min(1),\n  tag: z.string().max(3).optional(),\n})"
    assert f"export const Item = {item};" in text
    assert "    query: z.object({\n      limit: z.coerce.number().int().optional(),\n    })," in text
    assert "    json: " + item.replace("\n", "\n    ") + ",\n" in text


def test_a_ref_to_a_file_not_read_or_back_to_itself_is_refused() -> None:
    document = _document({"A": {"$ref": "./a.yaml"}})
    with pytest.raises(zod_gen.Unsupported, match="names a document the verifier did not read"):
        zod_gen.render(document, path="svc/openapi.yaml", referenced={})
    looping = {"svc/a.yaml": {"type": "object", "properties": {"next": {"$ref": "#"}}}}
    with pytest.raises(zod_gen.Unsupported, match="leads back to itself"):
        zod_gen.render(document, path="svc/openapi.yaml", referenced=looping)
