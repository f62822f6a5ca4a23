"""The fast OpenAPI validator classes give openapi-spec-validator's own errors. Each document here passes the
OpenAPI JSON Schema (which the library may check with jsonschema-rs, whose messages differ) and fails, or not, in a
part the fast classes take other routes through: a schema's dialect check (jsonschema-rs first, jsonschema when it
says no or the schema is too deep), or `$ref`s followed through `_OncePerPathAccessor`."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation.validators import SpecValidator

from scaffold.parsers.openapi_validation import spec_validator_class

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "billing", "version": "0.1.0"},
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "responses": {"200": {"$ref": "#/components/responses/Item"}},
            }
        }
    },
    "components": {
        "parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}},
        "responses": {
            "Item": {
                "description": "The item.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
            }
        },
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
            }
        },
    },
}


def _errors(validator_class: type[SpecValidator], document: dict[str, Any]) -> list[tuple[str, str, tuple[Any, ...]]]:
    """Type, message and path of each error, or of the exception that ended validation."""
    try:
        return [
            (type(error).__name__, str(error.message), tuple(error.absolute_path))
            for error in validator_class(document).iter_errors()
        ]
    except Exception as error:
        return [(type(error).__name__, str(error), ())]


def _same_as_library(document: dict[str, Any]) -> list[tuple[str, str, tuple[Any, ...]]]:
    library = OpenAPIV30SpecValidator if str(document["openapi"]).startswith("3.0") else OpenAPIV31SpecValidator
    expected = _errors(library, document)
    assert _errors(spec_validator_class(str(document["openapi"])[:3]), document) == expected
    return expected


def _document(**schemas: Any) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    document["components"]["schemas"].update(schemas)
    return document


def _nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


def test_valid_document() -> None:
    assert _same_as_library(_document()) == []


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        # the OAS base vocabulary reached through the 2020-12 meta-schema's `$dynamicRef`
        ({"type": "object", "properties": {"a": {"items": {"discriminator": 5}}}}, "5 is not of type 'object'"),
        # valid for jsonschema-rs's own (ECMA 262) `regex` format, not for the library's (Python's `re`)
        ({"type": "string", "pattern": "(?<name>x)"}, "'(?<name>x)' is not a 'regex'"),
        ({"type": "object", "required": ["a", "a"]}, "['a', 'a'] has non-unique elements"),
    ],
)
def test_schema_outside_the_dialect(schema: dict[str, Any], message: str) -> None:
    assert [error[1] for error in _same_as_library(_document(Bad=schema))] == [message]


def test_schema_too_deep_for_jsonschema() -> None:
    """jsonschema runs out of stack checking this schema's dialect (jsonschema-rs would not): the library's verdict."""
    errors = _same_as_library(_document(Deep=_nested(200)))
    assert [error[0] for error in errors] == ["RecursionError"]
    assert _same_as_library(_document(Deep=_nested(30))) == []


def test_ref_cycle_ends_as_in_the_library() -> None:
    document = _document()
    document["components"]["parameters"].update(
        {"Loop": {"$ref": "#/components/parameters/Back"}, "Back": {"$ref": "#/components/parameters/Loop"}}
    )
    document["paths"]["/items/{id}"]["get"]["parameters"].append({"$ref": "#/components/parameters/Loop"})
    assert [error[0] for error in _same_as_library(document)] == ["RecursionError"]


@pytest.mark.parametrize("hops", [2, 80])
def test_ref_chains(hops: int) -> None:
    """A duplicate parameter reached through a chain of `$ref`s (a long one is followed by the library's code)."""
    document = _document()
    parameters = document["components"]["parameters"]
    for hop in range(hops):
        parameters[f"Hop{hop}"] = {"$ref": f"#/components/parameters/Hop{hop + 1}"}
    parameters[f"Hop{hops}"] = {"$ref": "#/components/parameters/Id"}
    document["paths"]["/items/{id}"]["get"]["parameters"].append({"$ref": "#/components/parameters/Hop0"})
    assert [error[1] for error in _same_as_library(document)] == ["Duplicate parameter 'id'"]


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_bad_default_and_unresolvable_ref(version: str) -> None:
    document = _document(Item={"type": "string", "default": 5})
    document["openapi"] = version
    assert [error[1] for error in _same_as_library(document)] == ["5 is not of type 'string'"]
    document["paths"]["/items/{id}"]["get"]["parameters"].append({"$ref": "#/components/parameters/Nope"})
    assert [error[0] for error in _same_as_library(document)] == ["PointerToNowhere"]
