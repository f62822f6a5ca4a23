"""An event's payload: fields from `--field name:type[?]` flags or a JSON Schema file, rendered as a Zod object and
as a sample payload for the contracts test.

Field types (flags): string, number, integer, boolean, date-time, uuid, enum(a|b|c), and `T[]` for an array of any
of those, e.g. `--field amount:number --field note:string? --field tags:string[] --field status:enum(open|paid)`.

JSON Schema (a documented subset): the root is `{"type": "object", "properties": {...}, "required": [...]}`;
a property is `type` string (optionally `format` date-time or uuid, or `enum` of strings), number, integer,
boolean, array (`items` one of these) or object (`properties`/`required`, nested). `title`, `description`,
`$schema`, `$id` and `additionalProperties: false` are accepted and ignored; anything else is refused with one
line naming the construct and where it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import ScaffoldError
from scaffold.generators import free_text

if TYPE_CHECKING:
    from tree_sitter import Node

FIELD_NAME = re.compile(r"^[a-z][A-Za-z0-9_]*$")
SCALARS = ("string", "number", "integer", "boolean", "date-time", "uuid")
_ENUM = re.compile(r"^enum\(([a-z0-9_|-]+)\)$")
_ENUM_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_IGNORED_KEYWORDS = frozenset({"title", "description", "$schema", "$id", "$comment"})
_SAMPLE_UUID = "0b6f7c1e-5a4e-4d43-9a51-1f1e0f6b9d2a"
_SAMPLE_TIME = "2025-01-15T09:30:00.000Z"


@dataclass(frozen=True)
class PayloadField:
    name: str
    type: str  # one of SCALARS, "enum", "array" or "object"
    optional: bool = False
    values: tuple[str, ...] = ()  # enum values
    items: PayloadField | None = None  # array items (their name is unused)
    fields: tuple[PayloadField, ...] = field(default_factory=tuple)  # object properties

    def spec(self) -> str:
        """The `--field` spelling of this field (objects have none: they come from a schema file)."""
        return f"{self.name}:{_type_spec(self)}{'?' if self.optional else ''}"


def _type_spec(item: PayloadField) -> str:
    if item.type == "enum":
        return f"enum({'|'.join(item.values)})"
    if item.type == "array" and item.items is not None:
        return f"{_type_spec(item.items)}[]"
    return item.type


DEFAULT_FIELDS = (PayloadField("id", "uuid"), PayloadField("occurred_at", "date-time"))


# --- from flags ----------------------------------------------------------------------------------------------
def _type_from_spec(name: str, spec: str, flag: str) -> PayloadField:
    if spec.endswith("[]"):
        return PayloadField(name, "array", items=_type_from_spec("item", spec[:-2], flag))
    enum = _ENUM.match(spec)
    if enum:
        values = tuple(enum.group(1).split("|"))
        if not all(_ENUM_VALUE.match(v) for v in values) or len(set(values)) != len(values):
            raise ScaffoldError(
                f"--field {flag!r}: enum values must be distinct lower-case words, e.g. enum(open|paid)"
            )
        return PayloadField(name, "enum", values=values)
    if spec not in SCALARS:
        raise ScaffoldError(
            f"--field {flag!r}: unknown type {spec!r}; use one of {', '.join(SCALARS)}, enum(a|b) or TYPE[]"
        )
    return PayloadField(name, spec)


def parse_field_flag(flag: str) -> PayloadField:
    """`amount:number`, `note:string?`, `tags:string[]`, `status:enum(open|paid)`."""
    name, sep, spec = flag.partition(":")
    if not sep or not spec:
        raise ScaffoldError(f"--field {flag!r}: expected NAME:TYPE, e.g. amount:number or note:string?")
    _check_name(name, f"--field {flag!r}")
    optional = spec.endswith("?")
    parsed = _type_from_spec(name, spec.removesuffix("?"), flag)
    return PayloadField(parsed.name, parsed.type, optional, parsed.values, parsed.items, parsed.fields)


def _check_name(name: str, where: str) -> None:
    if not FIELD_NAME.match(name):
        raise ScaffoldError(f"{where}: field name {name!r} is not valid (a letter, then letters, digits or _)")


def check_unique(fields: tuple[PayloadField, ...], where: str) -> None:
    seen: set[str] = set()
    for item in fields:
        if item.name in seen:
            raise ScaffoldError(f"{where}: field {item.name!r} is given twice")
        seen.add(item.name)
        check_unique(item.fields, f"{where}, {item.name}")


# --- from a JSON Schema file ---------------------------------------------------------------------------------
def fields_from_schema_file(path: Path) -> tuple[PayloadField, ...]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScaffoldError(f"--schema-file {path}: cannot read it ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise ScaffoldError(f"--schema-file {path}:{error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(document, dict) or document.get("type") != "object":
        raise ScaffoldError(f'--schema-file {path}: the root must be a JSON Schema with "type": "object"')
    return _object_fields(document, f"{path}: #")


def _object_fields(schema: dict[str, object], where: str) -> tuple[PayloadField, ...]:
    _refuse_unknown(schema, {"type", "properties", "required", "additionalProperties"}, where)
    if schema.get("additionalProperties", False) is not False:
        raise ScaffoldError(f"{where}: unsupported JSON Schema construct `additionalProperties` (only false)")
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if not isinstance(properties, dict):
        raise ScaffoldError(f"{where}/properties: expected an object")
    if not isinstance(required, list) or not all(isinstance(r, str) and r in properties for r in required):
        raise ScaffoldError(f"{where}/required: expected a list of property names")
    fields = []
    for name, definition in properties.items():
        here = f"{where}/properties/{name}"
        _check_name(str(name), here)
        if not isinstance(definition, dict):
            raise ScaffoldError(f"{here}: expected a schema object")
        fields.append(_schema_field(str(name), definition, name not in required, here))
    return tuple(fields)


def _refuse_unknown(schema: dict[str, object], allowed: set[str], where: str) -> None:
    for keyword in schema:
        if keyword not in allowed and keyword not in _IGNORED_KEYWORDS:
            raise ScaffoldError(f"{where}: unsupported JSON Schema construct `{keyword}`")


def _schema_field(name: str, schema: dict[str, object], optional: bool, where: str) -> PayloadField:
    kind = schema.get("type")
    if "enum" in schema:
        _refuse_unknown(schema, {"type", "enum"}, where)
        values = schema["enum"]
        if kind not in (None, "string") or not isinstance(values, list) or not values:
            raise ScaffoldError(f"{where}: only a non-empty `enum` of strings is supported")
        if not all(isinstance(v, str) for v in values) or len(set(values)) != len(values):
            raise ScaffoldError(f"{where}: only a non-empty `enum` of distinct strings is supported")
        for value in values:
            free_text.check_line(f"{where}: enum value", value)
        return PayloadField(name, "enum", optional, values=tuple(str(v) for v in values))
    if kind == "string":
        _refuse_unknown(schema, {"type", "format"}, where)
        form = schema.get("format")
        if form is None:
            return PayloadField(name, "string", optional)
        if form not in ("date-time", "uuid"):
            raise ScaffoldError(f"{where}: unsupported JSON Schema construct `format: {form}` (date-time or uuid)")
        return PayloadField(name, str(form), optional)
    if kind in ("number", "integer", "boolean"):
        _refuse_unknown(schema, {"type"}, where)
        return PayloadField(name, str(kind), optional)
    if kind == "array":
        _refuse_unknown(schema, {"type", "items"}, where)
        items = schema.get("items")
        if not isinstance(items, dict):
            raise ScaffoldError(f"{where}: an array needs `items` (one schema)")
        return PayloadField(name, "array", optional, items=_schema_field("item", items, False, f"{where}/items"))
    if kind == "object":
        return PayloadField(name, "object", optional, fields=_object_fields(schema, where))
    if isinstance(kind, list):
        raise ScaffoldError(f"{where}: unsupported JSON Schema construct `type: [...]` (one type per property)")
    for keyword in ("$ref", "oneOf", "anyOf", "allOf", "not", "const"):
        if keyword in schema:
            raise ScaffoldError(f"{where}: unsupported JSON Schema construct `{keyword}`")
    raise ScaffoldError(f"{where}: unsupported or missing `type` {kind!r}")


# --- reading a schema back ------------------------------------------------------------------------------------
_ZOD_SCALARS = {
    "z.string": "string",
    "z.number": "number",
    "z.int": "integer",
    "z.boolean": "boolean",
    "z.iso.datetime": "date-time",
    "z.uuid": "uuid",
}


def fields_from_zod(node: Node) -> tuple[PayloadField, ...] | str:
    """The fields of a `z.object({...})` written in the vocabulary this module renders (the scalars, `z.enum`,
    `z.array`, nested `z.object`, `.optional()`), or what in it is outside that vocabulary."""
    from scaffold.parsers import typescript as ts

    node = ts.unwrap(node)
    if node.type != "call_expression" or ts.callee_of(node) != "z.object":
        return f"`{ts.quoted_text(node)}` is not a plain z.object({{...}})"
    arguments = ts.arguments_of(node)
    if len(arguments) != 1 or ts.unwrap(arguments[0]).type != "object":
        return f"`{ts.quoted_text(node)}` is not z.object({{...}}) with an object literal"
    fields = []
    for pair in ts.unwrap(arguments[0]).named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            return f"`{ts.quoted_text(pair)}` is not a `name: z.type()` property"
        name = ts.string_value(key) if key.type == "string" else ts.text_of(key)
        field_or_reason = _field_from_zod(name or "", value)
        if isinstance(field_or_reason, str):
            return field_or_reason
        fields.append(field_or_reason)
    return tuple(fields)


def _field_from_zod(name: str, node: Node, optional: bool = False) -> PayloadField | str:
    from scaffold.parsers import typescript as ts

    node = ts.unwrap(node)
    callee = ts.callee_of(node) if node.type == "call_expression" else ""
    arguments = ts.arguments_of(node) if node.type == "call_expression" else []
    if callee.endswith(".optional") and not arguments:
        receiver = node.child_by_field_name("function")
        inner = receiver.child_by_field_name("object") if receiver is not None else None
        return _field_from_zod(name, inner, True) if inner is not None else f"`{name}` is not readable"
    if callee in _ZOD_SCALARS and not arguments:
        return PayloadField(name, _ZOD_SCALARS[callee], optional)
    if callee == "z.enum" and len(arguments) == 1 and ts.unwrap(arguments[0]).type == "array":
        values = [ts.string_value(v) for v in ts.unwrap(arguments[0]).named_children]
        if values and all(isinstance(v, str) for v in values):
            return PayloadField(name, "enum", optional, values=tuple(v for v in values if v is not None))
    if callee == "z.array" and len(arguments) == 1:
        items = _field_from_zod(name, arguments[0])
        return items if isinstance(items, str) else PayloadField(name, "array", optional, items=items)
    if callee == "z.object":
        nested = fields_from_zod(node)
        return nested if isinstance(nested, str) else PayloadField(name, "object", optional, fields=nested)
    return f"`{name}: {ts.quoted_text(node)}` is outside what scaffold reads (its own --field types)"


def json_schema(fields: tuple[PayloadField, ...]) -> dict[str, object]:
    """The JSON Schema of an object with these fields (for an OpenAPI request body)."""
    schema: dict[str, object] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {item.name: _json_type(item) for item in fields},
    }
    required = [item.name for item in fields if not item.optional]
    if required:
        schema["required"] = required
    return schema


def _json_type(item: PayloadField) -> dict[str, object]:
    if item.type in ("string", "number", "integer", "boolean"):
        return {"type": item.type}
    if item.type in ("date-time", "uuid"):
        return {"type": "string", "format": item.type}
    if item.type == "enum":
        return {"type": "string", "enum": list(item.values)}
    if item.type == "array" and item.items is not None:
        return {"type": "array", "items": _json_type(item.items)}
    return json_schema(item.fields)


# --- rendering -----------------------------------------------------------------------------------------------
def _zod_type(item: PayloadField, indent: str) -> str:
    if item.type == "string":
        return "z.string()"
    if item.type == "number":
        return "z.number()"
    if item.type == "integer":
        return "z.int()"
    if item.type == "boolean":
        return "z.boolean()"
    if item.type == "date-time":
        return "z.iso.datetime()"
    if item.type == "uuid":
        return "z.uuid()"
    if item.type == "enum":
        return f"z.enum([{', '.join(free_text.ts_string(v) for v in item.values)}])"
    if item.type == "array" and item.items is not None:
        return f"z.array({_zod_type(item.items, indent)})"
    return f"z.object({zod_object_body(item.fields, indent + '  ')})"


def zod_object_body(fields: tuple[PayloadField, ...], indent: str = "  ") -> str:
    """`{ ... }` of a z.object call, one property per line at `indent`."""
    if not fields:
        return "{}"
    lines = [
        f"{indent}{item.name}: {_zod_type(item, indent)}{'.optional()' if item.optional else ''}," for item in fields
    ]
    return "{\n" + "\n".join(lines) + "\n" + indent[:-2] + "}"


def _sample(item: PayloadField) -> object:
    if item.type == "string":
        return f"example {item.name.replace('_', ' ')}"
    if item.type == "number":
        return 42.5
    if item.type == "integer":
        return 42
    if item.type == "boolean":
        return True
    if item.type == "date-time":
        return _SAMPLE_TIME
    if item.type == "uuid":
        return _SAMPLE_UUID
    if item.type == "enum":
        return item.values[0]
    if item.type == "array" and item.items is not None:
        return [_sample(item.items)]
    return sample_payload(item.fields, with_optional=True)


def sample_payload(fields: tuple[PayloadField, ...], *, with_optional: bool) -> dict[str, object]:
    return {item.name: _sample(item) for item in fields if with_optional or not item.optional}


def ts_literal(value: object, indent: str = "") -> str:
    """A TypeScript object literal for JSON-like `value`, formatted over lines like prettier would."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        body = "\n".join(f"{inner}{key}: {ts_literal(item, inner)}," for key, item in value.items())
        return "{\n" + body + "\n" + indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(ts_literal(item, indent) for item in value) + "]"
    return free_text.ts_string(value) if isinstance(value, str) else json.dumps(value)


FIELD_FLAG_HELP = (
    "a payload field NAME:TYPE, `?` for optional; TYPE is string, number, integer, boolean, date-time, uuid, "
    "enum(a|b) or TYPE[] (repeat the flag; default: id:uuid and occurred_at:date-time)"
)
