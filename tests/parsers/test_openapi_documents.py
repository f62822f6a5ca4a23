"""OpenAPI validity on documents other tools write: extensions, 3.2, `$ref`s across files and in cycles, templated
paths, and validator failures reported as what they are, where they are (issue 10, point 4)."""

from __future__ import annotations

import pytest

from scaffold.parsers.manifests import ParsedYaml, load_yaml
from scaffold.parsers.openapi import References, SpecError, load_openapi, operations

BASE = """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Node"}
components:
  schemas:
    Node:
      type: object
      properties:
        children:
          type: array
          items: {$ref: "#/components/schemas/Node"}
"""


def _errors(text: str, references: References | None = None) -> list[SpecError]:
    return list(load_openapi(text, references).errors)


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize("extension", ["x-foo: 1", "x-tags: [a, b]", "x-foo:", "x-foo: {bar: 1}"])
def test_an_extension_inside_paths_is_legal(version: str, extension: str) -> None:
    # OpenAPI 3.0.3 / 3.1.0, Paths Object: "This object MAY be extended with Specification Extensions."
    text = BASE.replace("3.1.0", version).replace("paths:\n", f"paths:\n  {extension}\n")
    assert _errors(text) == []


def test_an_extension_inside_responses_is_legal() -> None:
    text = BASE.replace('        "200":\n', '        x-owner: team\n        "200":\n')
    assert _errors(text) == []


def test_openapi_3_2_is_validated_as_3_2() -> None:
    assert _errors(BASE.replace("3.1.0", "3.2.0")) == []
    query = BASE.replace("3.1.0", "3.2.0").replace("    get:\n", "    query:\n")  # QUERY is new in 3.2
    assert _errors(query) == []
    (error,) = _errors(BASE.replace("3.1.0", "3.2.0").replace("info: {title: t, ", "info: {"))
    assert "'title' is a required property" in error.message and error.kind == "invalid"


def test_an_unknown_minor_version_is_not_validated_as_another() -> None:
    (error,) = _errors(BASE.replace("3.1.0", "3.9.0"))
    assert error.kind == "unsupported" and "3.9.0" in error.message and error.line == 1


def test_templated_paths_that_differ_only_in_parameter_names_are_invalid() -> None:
    text = BASE.replace(
        "paths:\n",
        "paths:\n"
        "  /b/{id}:\n    get: {responses: {'200': {description: ok}}, parameters: [{name: id, in: path,"
        " required: true, schema: {type: string}}]}\n"
        "  /b/{name}:\n    get: {responses: {'200': {description: ok}}, parameters: [{name: name, in: path,"
        " required: true, schema: {type: string}}]}\n",
    )
    (error,) = _errors(text)
    assert error.kind == "invalid" and error.line == 6 and "/b/{id}" in error.message and "MUST NOT" in error.message


def test_a_recursive_schema_is_valid() -> None:
    assert _errors(BASE) == []


def test_a_ref_cycle_that_never_reaches_a_schema_is_reported_at_its_line() -> None:
    text = BASE.replace(
        "    Node:\n", '    A: {$ref: "#/components/schemas/B"}\n    B: {$ref: "#/components/schemas/A"}\n    Node:\n'
    )
    errors = _errors(text)
    assert [(e.kind, e.line) for e in errors] == [("reference", 14)]
    assert "RecursionError" not in errors[0].message and "#/components/schemas/A" in errors[0].message


def test_a_validator_failure_is_reported_as_such_where_it_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    from openapi_spec_validator.validation import keywords

    def broken(self: object, url: str, path_item: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(keywords.PathValidator, "__call__", broken)
    (error,) = _errors(BASE)
    assert error.kind == "validator" and "KeyError" in error.message and "not valid" not in error.message
    assert error.path[:2] == ("paths", "/a") and error.line == 4


def test_errors_about_default_values_point_at_the_default() -> None:
    text = BASE.replace("      type: object\n", "      type: object\n      default: 5\n", 1)
    (error,) = _errors(text)
    assert "is not of type 'object'" in error.message and error.line == 16


def test_errors_about_an_operation_point_at_the_operation() -> None:
    text = BASE.replace("  /a:\n", "  /a/{id}:\n")
    (error,) = _errors(text)
    assert "Path parameter 'id'" in error.message and error.line == 5


def _repo(files: dict[str, str]) -> References:
    def read(path: str) -> ParsedYaml | None:
        return load_yaml(files[path]) if path in files else None

    return References(document="services/billing/openapi.yaml", root="services/billing", read=read)


def test_a_relative_ref_inside_the_service_is_followed() -> None:
    text = BASE.replace('"#/components/schemas/Node"}\ncomponents', '"./schemas/node.yaml#/Node"}\ncomponents')
    references = _repo({"services/billing/schemas/node.yaml": "Node:\n  type: object\n"})
    assert _errors(text, references) == []
    bad = _repo({"services/billing/schemas/node.yaml": "Node:\n  type: 5\n"})
    assert _errors(text, bad), "an invalid schema in the referenced file is still an error"


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("../other/openapi.yaml#/X", "outside services/billing"),
        ("./missing.yaml", "no such file"),
        ("file:///etc/passwd", "file://"),
        ("https://example.com/schema.yaml", "network"),
        ("//example.com/schema.yaml", "network"),
    ],
)
def test_a_ref_the_verifier_must_not_follow_is_named(ref: str, why: str) -> None:
    text = BASE.replace('"#/components/schemas/Node"}\ncomponents', f'"{ref}"}}\ncomponents')
    errors = _errors(text, _repo({"services/other/openapi.yaml": "X: {type: object}\n"}))
    assert [(e.kind, e.line) for e in errors] == [("reference", 11)]
    assert ref in errors[0].message and why in errors[0].message


def test_without_a_location_relative_refs_are_named_not_guessed() -> None:
    text = BASE.replace('"#/components/schemas/Node"}\ncomponents', '"./schemas/node.yaml"}\ncomponents')
    (error,) = _errors(text)
    assert error.kind == "reference" and "./schemas/node.yaml" in error.message


def test_nesting_beyond_the_bound_is_reported_not_fatal() -> None:
    deep = "x: " + "[" * 100 + "]" * 100 + "\n"
    text = BASE.replace("components:\n", "x-deep:\n  " + deep + "components:\n")
    (error,) = _errors(text)
    assert error.kind == "limit" and "levels" in error.message


EXAMPLES = """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /nested:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  account: {$ref: "#/components/schemas/Account"}
  /path-level/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}, example: "acc_1"}
    get:
      responses: {"204": {description: gone}}
  /parameter-schema:
    get:
      parameters:
        - {name: q, in: query, schema: {type: string, example: "shoes"}}
      responses: {"204": {description: none}}
  /none:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
        "4XX": {description: client error}
        default: {description: error}
components:
  schemas:
    Account:
      type: object
      properties:
        id: {type: string, example: "acc_1"}
        self: {$ref: "#/components/schemas/Account"}
"""


def test_examples_on_nested_properties_path_level_parameters_and_parameter_schemas_count() -> None:
    spec = load_openapi(EXAMPLES)
    assert spec.errors == ()
    found = {op.path: op.has_example for op in operations(spec)}
    assert found == {"/nested": True, "/path-level/{id}": True, "/parameter-schema": True, "/none": False}


def test_ranges_and_default_count_as_declared_error_responses() -> None:
    (none,) = [op for op in operations(load_openapi(EXAMPLES)) if op.path == "/none"]
    assert none.error_statuses == ()
    assert none.error_ranges == ((400, 499, "4XX"), (400, 599, "default"))


def test_a_referenced_document_nesting_beyond_the_bound_is_named() -> None:
    text = BASE.replace('"#/components/schemas/Node"}\ncomponents', '"./deep.yaml"}\ncomponents')
    (error,) = _errors(text, _repo({"services/billing/deep.yaml": "x: " + "[" * 100 + "]" * 100 + "\n"}))
    assert error.kind == "reference" and "levels" in error.message and "./deep.yaml" in error.message


def test_size_beyond_the_bound_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.parsers import openapi

    monkeypatch.setattr(openapi, "MAX_VALUES", 40)
    (error,) = _errors(BASE.replace("components:\n", "x-list: [" + ", ".join(["1"] * 50) + "]\ncomponents:\n"))
    assert error.kind == "limit" and "values" in error.message
    text = BASE.replace('"#/components/schemas/Node"}\ncomponents', '"./big.yaml"}\ncomponents')
    (error,) = _errors(text, _repo({"services/billing/big.yaml": "x: [" + ", ".join(["1"] * 50) + "]\n"}))
    assert error.kind == "reference" and "values" in error.message


def test_examples_and_operations_in_referenced_files_are_found() -> None:
    text = """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /items:
    $ref: "./paths/items.yaml"
  /local:
    get:
      responses:
        "200": {$ref: "./responses.yaml#/Item"}
"""
    references = _repo(
        {
            "services/billing/paths/items.yaml": (
                "get:\n  responses:\n    '200':\n      description: ok\n"
                "      content: {application/json: {schema: {$ref: '../schemas.yaml#/Item'}}}\n"
            ),
            "services/billing/schemas.yaml": (
                "Item:\n  type: object\n  properties: {id: {$ref: '#/Id'}}\nId: {example: x}\n"
            ),
            "services/billing/responses.yaml": (
                "Item:\n  description: ok\n  content: {application/json: {example: {}}}\n"
            ),
        }
    )
    spec = load_openapi(text, references)
    assert spec.errors == ()
    assert [(op.method, op.path, op.has_example) for op in operations(spec)] == [
        ("get", "/items", True),
        ("get", "/local", True),
    ]
    assert [op.has_example for op in operations(load_openapi(text))] == [False]  # no files: /items is unseen
