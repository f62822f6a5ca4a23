"""The validators scaffold renders from openapi.yaml (scaffold/zod_gen.py) accept exactly what the document's JSON
Schema accepts: every keyword of the rendered subset, on values either side of each bound, judged by jsonschema
in Python and by the rendered zod in a generated service's vitest, and the rendered module type-checks (issue 9,
point 6). Formats are left out where jsonschema only annotates them (date-time without rfc3339-validator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scaffold import pnpm, zod_gen
from scaffold.cli import main
from tests.e2e.vitest_runs import run_vitest

pytestmark = pytest.mark.e2e

UUID = "0b6f7c1e-5a4e-4d43-9a51-1f1e0f6b9d2a"
SCHEMAS: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "Name": (
        {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "\\S"},
        ["a", "", "   ", "abcdef", " b ", 3, None],
    ),
    "Count": ({"type": "integer", "minimum": 1, "maximum": 100}, [1, 100, 0, 101, 1.5, "3", True, None]),
    "Ratio": (
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
        [0.25, 0.75, 0, 1, 0.3, "0.5"],
    ),
    "Kind": ({"type": "string", "enum": ["a", "b"]}, ["a", "b", "c", 1, None]),
    "Level": ({"enum": [1, 2]}, [1, 2, 3, "1"]),
    "Ok": ({"const": "ok"}, ["ok", "no", None]),
    "Flag": ({"type": "boolean"}, [True, False, "true", 0]),
    "MaybeText": ({"type": ["string", "null"], "maxLength": 3}, ["abc", None, "abcd", 1]),
    "Mixed": ({"type": ["string", "number", "null"], "maxLength": 2}, ["ab", 3, 2.5, None, "abc", True, []]),
    "Tags": (
        {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2, "uniqueItems": True},
        [["a"], ["a", "b"], [], ["a", "b", "c"], ["a", "a"], [1], "a"],
    ),
    "Id": ({"type": "string", "format": "uuid"}, [UUID, "not-a-uuid", 7]),
    "Strict": (
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"$ref": "#/components/schemas/Name"},
                "count": {"$ref": "#/components/schemas/Count"},
                "tags": {"$ref": "#/components/schemas/Tags"},
                "size": {"type": "integer", "default": 1},
            },
        },
        [
            {"name": "x"},
            {"name": "x", "count": 5, "tags": ["t"], "size": 2},
            {"name": "x", "extra": 1},
            {},
            {"name": "x", "count": 0},
            {"name": "x", "tags": []},
            {"name": ""},
            [],
            None,
            "x",
        ],
    ),
    "Open": ({"type": "object", "properties": {"a": {"type": "integer"}}}, [{"a": 1, "b": 2}, {}, {"a": "1"}, [], 1]),
    "Map": ({"type": "object", "additionalProperties": {"type": "integer"}}, [{"x": 1}, {}, {"x": "1"}, [1]]),
    "Anything": ({}, [1, "x", None, [], {"a": 1}]),
    "Nested": (
        {"type": "array", "items": {"$ref": "#/components/schemas/Strict"}, "maxItems": 2},
        [[], [{"name": "x"}], [{"name": "x"}, {"name": ""}], [{"name": "a"}, {"name": "b"}, {"name": "c"}]],
    ),
}


def _verdicts() -> list[dict[str, Any]]:
    components = {name: schema for name, (schema, _) in SCHEMAS.items()}
    cases = []
    for name, (_, samples) in SCHEMAS.items():
        root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
        validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        cases += [{"schema": name, "value": sample, "valid": validator.is_valid(sample)} for sample in samples]
    return cases


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zod") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    pnpm.run(["install"], root)
    return root


def test_the_rendered_validators_accept_what_the_json_schema_accepts(service: Path) -> None:
    document = {"openapi": "3.1.0", "paths": {}, "components": {"schemas": {n: s for n, (s, _) in SCHEMAS.items()}}}
    cases = _verdicts()
    assert {case["valid"] for case in cases} == {True, False}  # both verdicts are exercised
    folder = service / "services/billing/test/zod-agrees"
    folder.mkdir()
    (folder / "api.generated.ts").write_text(zod_gen.render(document), encoding="utf-8")
    (folder / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    (folder / "agrees.test.ts").write_text(
        """import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import * as api from "./api.generated";

type Case = { schema: string; value: unknown; valid: boolean };
const cases: Case[] = JSON.parse(readFileSync(new URL("./cases.json", import.meta.url), "utf8"));
const schemas = api as unknown as Record<string, { safeParse(value: unknown): { success: boolean } }>;

it.each(cases.map((c) => [`${c.schema} ${JSON.stringify(c.value)}`, c] as const))("%s", (_, c) => {
  expect(schemas[c.schema].safeParse(c.value).success).toBe(c.valid);
});
""",
        encoding="utf-8",
    )
    pnpm.run(["--filter", "@platform/billing-service", "typecheck"], service)
    output = run_vitest(service, ["--filter", "@platform/billing-service"], "test/zod-agrees/agrees.test.ts")
    assert output.count("✓") >= len(cases), output
