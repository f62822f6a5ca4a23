"""Round-trip edits of a service's openapi.yaml (ruamel.yaml): add an operation or a component schema while every
comment, key order and quoting of the rest of the document survives."""

from __future__ import annotations

from typing import Any

import yaml as pyyaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from scaffold.edits.yaml_lists import dump, load
from scaffold.errors import ScaffoldError

FLOW = "__flow__"  # a list given as {FLOW: [...]} is written in flow style: `["jobs:run"]`
_SPECIAL_STARTS = tuple("#*&!|>'\"%@`{[,?-:")


def _needs_quotes(value: str) -> bool:
    try:
        plain = pyyaml.safe_load(value)
    except pyyaml.YAMLError:
        return True
    return plain != value or value.startswith(_SPECIAL_STARTS) or ":" in value or " #" in value


def _node(value: Any) -> Any:
    """Plain data → ruamel nodes; strings YAML would misread are double-quoted, as in the service template."""
    if isinstance(value, dict):
        if set(value) == {FLOW}:
            seq = CommentedSeq(_node(item) for item in value[FLOW])
            seq.fa.set_flow_style()
            return seq
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[DoubleQuotedScalarString(key) if _needs_quotes(str(key)) else key] = _node(item)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_node(item) for item in value)
    if isinstance(value, str) and _needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _mapping(document: Any, keys: tuple[str, ...], path: str) -> Any:
    node = document
    for key in keys:
        if not isinstance(node, dict):
            raise ScaffoldError(f"{path}: expected a mapping at {'.'.join(keys)}")
        if key not in node:
            node[key] = CommentedMap()
        node = node[key]
    if not isinstance(node, dict):
        raise ScaffoldError(f"{path}: expected a mapping at {'.'.join(keys)}")
    return node


def add_operation(text: str, path: str, api_path: str, method: str, operation: dict[str, Any]) -> str:
    """Add `method` under `paths.<api_path>`; unchanged when that operation exists. The operationId must be new."""
    document = load(text, path)
    paths = _mapping(document, ("paths",), path)
    existing = paths.get(api_path)
    if isinstance(existing, dict) and method in existing:
        return text
    wanted_id = operation.get("operationId")
    for item in paths.values():
        for other in item.values() if isinstance(item, dict) else ():
            if isinstance(other, dict) and wanted_id is not None and other.get("operationId") == wanted_id:
                raise ScaffoldError(f"{path}: operationId {wanted_id!r} is already used by another operation")
    if existing is None:
        paths[api_path] = CommentedMap()
    _mapping(paths, (api_path,), path)[method] = _node(operation)
    return dump(document)


def add_component_schema(text: str, path: str, name: str, schema: dict[str, Any]) -> str:
    """Add `components.schemas.<name>`; unchanged when a schema of that name exists."""
    document = load(text, path)
    schemas = _mapping(document, ("components", "schemas"), path)
    if name in schemas:
        return text
    schemas[name] = _node(schema)
    return dump(document)


def remove_operation(text: str, path: str, api_path: str, method: str) -> str:
    """The inverse of add_operation: drop `paths.<api_path>.<method>`, and the path once no method is left;
    unchanged when the operation is absent."""
    document = load(text, path)
    paths = document.get("paths") if isinstance(document, dict) else None
    item = paths.get(api_path) if isinstance(paths, dict) else None
    if not isinstance(paths, dict) or not isinstance(item, dict) or method not in item:
        return text
    del item[method]
    if not item:
        del paths[api_path]
    return dump(document)


def remove_component_schema(text: str, path: str, name: str) -> str:
    """The inverse of add_component_schema; unchanged when there is no such schema."""
    document = load(text, path)
    components = document.get("components") if isinstance(document, dict) else None
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if not isinstance(schemas, dict) or name not in schemas:
        return text
    del schemas[name]
    return dump(document)
