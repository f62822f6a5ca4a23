"""Generated service pages: docs/services/<name>.md (SVC-DOC-03) and docs/sdk/<name>.md (SVC-SDK-03).

Pure functions from parsed service.yaml / openapi.yaml data to the exact text of the page; no reading, no writing.
The service generator writes what these return, and the drift checks compare the committed page with a fresh
rendering, so a format change here changes both at once. Output is deterministic and ends with one newline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

_OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_FIX_HINT = "Do not edit: run `scaffold verify --fix` after changing them."


# --- small helpers over plain data -------------------------------------------------------------------------
def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped, `—` when empty."""
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    return text.replace("|", "\\|") or "—"


def _code_list(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) if items else "—"


def _resolve(document: Mapping[str, object], value: object) -> object:
    """Follow local `$ref`s (`#/components/...`), at most 20 deep."""
    for _ in range(20):
        reference = value.get("$ref") if isinstance(value, Mapping) else None
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return value
        target: object = document
        for part in reference[2:].split("/"):
            target = _mapping(target).get(part.replace("~1", "/").replace("~0", "~"))
        value = target
    return value


def _operations(openapi: Mapping[str, object]) -> list[tuple[str, str, Mapping[str, object]]]:
    """(path, method, operation) in document path order, methods in OpenAPI's order."""
    found = []
    for path, item in _mapping(openapi.get("paths")).items():
        item = _mapping(item)
        for method in _OPERATION_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                found.append((str(path), method, operation))
    return found


def _scopes(openapi: Mapping[str, object], operation: Mapping[str, object]) -> list[str]:
    scopes: list[str] = []
    for requirement in _requirements(openapi, operation):
        for names in _mapping(requirement).values():
            scopes.extend(name for name in _strings(names) if name not in scopes)
    return scopes


def _requirements(openapi: Mapping[str, object], operation: Mapping[str, object]) -> list[object]:
    """The operation's effective security requirements (its own `security`, else the document's)."""
    security = operation["security"] if "security" in operation else openapi.get("security")
    return list(security) if isinstance(security, list) else []


def _access(openapi: Mapping[str, object], operation: Mapping[str, object]) -> str:
    """`billing:read` scopes, "token, no scope" for a requirement naming none, or "public"."""
    scopes = _scopes(openapi, operation)
    if scopes:
        return _code_list(scopes)
    return "token, no scope" if _requirements(openapi, operation) else "public"


def _schema_label(document: Mapping[str, object], schema: object) -> str:
    """`Item` for a `$ref` to a named schema, `Item[]` for an array of one, else the JSON type."""
    schema_map = _mapping(schema)
    reference = schema_map.get("$ref")
    if isinstance(reference, str):
        return reference.rsplit("/", 1)[-1]
    if schema_map.get("type") == "array":
        return f"{_schema_label(document, schema_map.get('items'))}[]"
    kind = schema_map.get("type")
    if isinstance(kind, list):
        return " \\| ".join(str(k) for k in kind)
    return str(kind) if kind else "object" if "properties" in schema_map else "any"


def _example(media: Mapping[str, object]) -> object:
    if "example" in media:
        return media["example"]
    examples = _mapping(media.get("examples"))
    for name in sorted(examples):
        example = _mapping(examples[name])
        if "value" in example:
            return example["value"]
    return None


def _json_block(value: object) -> list[str]:
    return ["```json", json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str), "```"]


# --- docs/services/<name>.md ---------------------------------------------------------------------------------
def render_service_page(manifest: object, openapi: object) -> str:
    """The service detail page from service.yaml and openapi.yaml (both as loaded YAML data)."""
    service = _mapping(manifest)
    document = _mapping(openapi)
    name = str(service.get("name") or "")
    contracts = _mapping(service.get("contracts"))
    lines = [
        f"# {name}",
        "",
        f"<!-- Generated from services/{name}/service.yaml and openapi.yaml. {_FIX_HINT} -->",
        "",
        " ".join(str(service.get("description") or "").split()) or "No description.",
        "",
        "| | |",
        "|---|---|",
        f"| Owner | {_cell(service.get('owner'))} |",
        f"| On-call | {_cell(service.get('on_call'))} |",
        f"| Status | {_cell(service.get('status'))} |",
        f"| Brand scope | {_cell(service.get('brand_scope'))} |",
        f"| SDK | `@platform/sdk-{name}` |",
        "",
        "## Routes",
        "",
    ]
    operations = _operations(document)
    if operations:
        lines += ["| Method | Path | Operation | Scopes | Summary |", "|---|---|---|---|---|"]
        for path, method, operation in operations:
            lines.append(
                f"| {method.upper()} | `{_cell(path)}` | {_cell(operation.get('operationId'))} | "
                f"{_access(document, operation)} | {_cell(operation.get('summary'))} |"
            )
    else:
        lines.append("No routes in openapi.yaml.")
    lines += [
        "",
        "## Events",
        "",
        f"Published: {_code_list(sorted(_strings(contracts.get('events_published'))))}",
        "",
        f"Subscribed: {_code_list(sorted(_strings(contracts.get('events_subscribed'))))}",
        "",
        "## Scopes and callers",
        "",
        f"Scopes defined: {_code_list(sorted(_strings(service.get('scopes'))))}",
        "",
        f"Called by: {_code_list(sorted(_strings(service.get('callers'))))}",
        "",
    ]
    return "\n".join(lines)


# --- docs/sdk/<name>.md --------------------------------------------------------------------------------------
def _parameters(
    document: Mapping[str, object], item: Mapping[str, object], operation: Mapping[str, object]
) -> dict[tuple[str, str], Mapping[str, object]]:
    """(in, name) → parameter, path-level first, the operation's overriding them (as OpenAPI says)."""
    parameters: dict[tuple[str, str], Mapping[str, object]] = {}
    for raw in [*_list(item.get("parameters")), *_list(operation.get("parameters"))]:
        parameter = _mapping(_resolve(document, raw))
        parameters[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
    return parameters


def _parameter_rows(
    document: Mapping[str, object], parameters: Mapping[tuple[str, str], Mapping[str, object]]
) -> list[str]:
    return [
        f"| `{_cell(name)}` | {_cell(location)} | {'yes' if parameter.get('required') else 'no'} | "
        f"{_cell(_schema_label(document, parameter.get('schema')))} | {_cell(parameter.get('description'))} |"
        for (location, name), parameter in parameters.items()
    ]


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _sdk_call(
    path: str, method: str, parameters: Mapping[tuple[str, str], Mapping[str, object]], has_body: bool
) -> str:
    """The openapi-fetch call of one operation, e.g. `client.GET("/items/{id}", { params: { path: { id: … } } })`."""
    by_location: dict[str, list[str]] = {}
    for location, name in parameters:
        key = name if name.isidentifier() else json.dumps(name)
        by_location.setdefault(location, []).append(f"{key}: …")
    options = [f"{location}: {{ {', '.join(names)} }}" for location, names in by_location.items()]
    parts = ([f"params: {{ {', '.join(options)} }}"] if options else []) + (["body: …"] if has_body else [])
    argument = f", {{ {', '.join(parts)} }}" if parts else ""
    return f'const {{ data, error }} = await client.{method.upper()}("{path}"{argument});'


def _operation_section(
    document: Mapping[str, object], path: str, method: str, item: Mapping[str, object], operation: Mapping[str, object]
) -> list[str]:
    operation_id = str(operation.get("operationId") or f"{method} {path}")
    parameters = _parameters(document, item, operation)
    body = _mapping(_resolve(document, operation.get("requestBody")))
    body_content = _mapping(body.get("content"))
    lines = [
        f"## `{operation_id}`",
        "",
        f"`{method.upper()} {path}` — {' '.join(str(operation.get('summary') or '').split()) or 'no summary'}",
        "",
        " ".join(str(operation.get("description") or "").split()) or "No description.",
        "",
        f"Access: {_access(document, operation)}",
        "",
        "```ts",
        _sdk_call(path, method, parameters, bool(body_content)),
        "```",
        "",
    ]
    if parameters:
        lines += ["### Parameters", "", "| Name | In | Required | Type | Description |", "|---|---|---|---|---|"]
        lines += [*_parameter_rows(document, parameters), ""]
    if body_content:
        lines += ["### Request body", ""]
        for media_type, media in body_content.items():
            media = _mapping(media)
            required = "required" if body.get("required") else "optional"
            lines += [f"`{media_type}` ({required}): `{_schema_label(document, media.get('schema'))}`", ""]
            example = _example(media)
            if example is not None:
                lines += [*_json_block(example), ""]
    responses = _mapping(operation.get("responses"))
    if responses:
        lines += ["### Responses", "", "| Status | Description | Body |", "|---|---|---|"]
        examples: list[str] = []
        for status, raw in responses.items():
            response = _mapping(_resolve(document, raw))
            content = _mapping(response.get("content"))
            bodies = [
                f"`{media_type}` {_schema_label(document, _mapping(media).get('schema'))}"
                for media_type, media in content.items()
            ]
            lines.append(f"| {_cell(status)} | {_cell(response.get('description'))} | {_cell(', '.join(bodies))} |")
            first = next(iter(content.values()), None)
            example = _example(_mapping(first))
            if example is not None and str(status).startswith("2"):
                examples += [f"Example `{status}` response:", "", *_json_block(example), ""]
        lines += ["", *examples]
    return lines


def render_sdk_page(name: str, openapi: object) -> str:
    """The SDK reference page of `@platform/sdk-<name>`: one section per operation, headed by its operationId."""
    document = _mapping(openapi)
    pascal = "".join(word.capitalize() for word in name.replace(".", "-").split("-"))
    lines = [
        f"# `@platform/sdk-{name}`",
        "",
        f"<!-- Generated from services/{name}/openapi.yaml. {_FIX_HINT} -->",
        "",
        f"The typed client of the {name} service, generated from `services/{name}/openapi.yaml` by `pnpm sdk:gen`.",
        "",
        "```ts",
        f'import {{ create{pascal}Client }} from "@platform/sdk-{name}";',
        "",
        f'const client = create{pascal}Client("https://{name}.platform.loop.health", {{ token }});',
        "```",
        "",
    ]
    operations = _operations(document)
    if not operations:
        lines += ["No operations in openapi.yaml.", ""]
    paths = _mapping(document.get("paths"))
    for path, method, operation in operations:
        lines += _operation_section(document, path, method, _mapping(paths.get(path)), operation)
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
