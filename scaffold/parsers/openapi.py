"""OpenAPI documents: load (libyaml), validate (openapi-spec-validator), and list operations with their lines.

    spec = load_openapi(text)             # ParsedOpenApi: .yaml (ParsedYaml), .errors ([SpecError]), .ok
    operations(spec)                      # [Operation(method, path, operation_id, description, scopes, ...)]

Local `$ref`s (`#/components/...`) are followed when looking for examples and responses. Nothing here knows the
platform layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scaffold.parsers.manifests import ParsedYaml, load_yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class SpecError:
    message: str
    path: tuple[str | int, ...]
    line: int | None


@dataclass(frozen=True)
class ParsedOpenApi:
    yaml: ParsedYaml
    errors: tuple[SpecError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def data(self) -> Mapping[str, object]:
        return self.yaml.data if isinstance(self.yaml.data, Mapping) else {}


def load_openapi(text: str) -> ParsedOpenApi:
    """Parse and validate one OpenAPI 3.0 / 3.1 document. YAML errors and spec violations become `errors`."""
    return validate_openapi(load_yaml(text))


def validate_openapi(parsed: ParsedYaml) -> ParsedOpenApi:
    """`load_openapi` for a document already read as YAML."""
    if not parsed.ok:
        return ParsedOpenApi(parsed, (SpecError(f"invalid YAML: {parsed.error}", (), parsed.error_line),))
    if not isinstance(parsed.data, Mapping):
        return ParsedOpenApi(parsed, (SpecError("the document is not a mapping", (), 1),))
    version = str(parsed.data.get("openapi", ""))
    if not version.startswith("3."):
        return ParsedOpenApi(parsed, (SpecError("`openapi: 3.x` is missing", ("openapi",), 1),))
    from scaffold.parsers.openapi_validation import spec_validator_class  # ~0.2 s of imports: only when validating

    validator_class = spec_validator_class("3.0" if version.startswith("3.0") else "3.1")
    errors: list[SpecError] = []
    try:
        for error in validator_class(parsed.data).iter_errors():
            path = tuple(getattr(error, "absolute_path", ()) or ())
            errors.append(SpecError(str(getattr(error, "message", error)), path, parsed.line_of(path)))
    except Exception as error:  # the validator raises assorted errors (e.g. unresolvable $ref)
        errors.append(SpecError(f"{type(error).__name__}: {error}", (), 1))
    return ParsedOpenApi(parsed, tuple(errors))


@dataclass(frozen=True)
class Operation:
    method: str  # lower case
    path: str
    operation_id: str | None
    summary: str | None
    description: str | None
    scopes: tuple[str, ...]  # every scope named by the effective security requirements
    security_declared: bool  # the operation itself has a `security` key (an empty list means "public")
    public: bool  # the effective security is empty (`security: []`) or absent everywhere
    has_example: bool  # a request body, parameter or response media type carries example(s)
    statuses: tuple[str, ...]  # response status codes as written ("200", "4XX", "default")
    line: int | None  # line of the method key

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """Explicit 4xx / 5xx statuses declared in `responses`."""
        return tuple(int(s) for s in self.statuses if s.isdigit() and int(s) >= 400)


def resolve(document: Mapping[str, object], value: object, depth: int = 0) -> object:
    """Follow a local `$ref` (`#/components/...`); other values come back as they are."""
    while isinstance(value, Mapping) and isinstance(value.get("$ref"), str) and depth < 20:
        reference = str(value["$ref"])
        if not reference.startswith("#/"):
            return value
        target: object = document
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, Mapping) else None
        value, depth = target, depth + 1
    return value


def _media_has_example(document: Mapping[str, object], holder: object) -> bool:
    holder = resolve(document, holder)
    if not isinstance(holder, Mapping):
        return False
    if holder.get("example") is not None or holder.get("examples"):
        return True
    content = holder.get("content")
    if isinstance(content, Mapping):
        for media in content.values():
            media = resolve(document, media)
            if isinstance(media, Mapping) and (media.get("example") is not None or media.get("examples")):
                return True
            schema = resolve(document, media.get("schema")) if isinstance(media, Mapping) else None
            if isinstance(schema, Mapping) and (schema.get("example") is not None or schema.get("examples")):
                return True
    return False


def _has_example(document: Mapping[str, object], operation: Mapping[str, object]) -> bool:
    if _media_has_example(document, operation.get("requestBody")):
        return True
    responses = operation.get("responses")
    if isinstance(responses, Mapping) and any(_media_has_example(document, r) for r in responses.values()):
        return True
    parameters = operation.get("parameters")
    return isinstance(parameters, list) and any(_media_has_example(document, p) for p in parameters)


def _scopes(requirements: object) -> tuple[str, ...]:
    found: list[str] = []
    if isinstance(requirements, list):
        for requirement in requirements:
            if isinstance(requirement, Mapping):
                for scopes in requirement.values():
                    if isinstance(scopes, list):
                        found.extend(str(s) for s in scopes)
    return tuple(found)


def operations(spec: ParsedOpenApi) -> list[Operation]:
    """Every operation under `paths`, in document order. Works on an invalid document as far as its shape allows."""
    document = spec.data
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return []
    top_security = document.get("security")
    found: list[Operation] = []
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, Mapping):
                continue
            declared = "security" in operation
            security = operation.get("security") if declared else top_security
            responses = operation.get("responses")
            statuses = tuple(str(s) for s in responses) if isinstance(responses, Mapping) else ()
            found.append(
                Operation(
                    method=method,
                    path=str(path),
                    operation_id=_text(operation.get("operationId")),
                    summary=_text(operation.get("summary")),
                    description=_text(operation.get("description")),
                    scopes=_scopes(security),
                    security_declared=declared,
                    public=not security,
                    has_example=_has_example(document, operation),
                    statuses=statuses,
                    line=spec.yaml.line_of(("paths", str(path), method)),
                )
            )
    return found


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def hono_path(openapi_path: str) -> str:
    """`/items/{id}` → `/items/:id`, the form Hono routes use."""
    out, depth = [], 0
    for char in openapi_path:
        if char == "{":
            depth += 1
            out.append(":")
        elif char == "}":
            depth = max(depth - 1, 0)
        else:
            out.append(char)
    return "".join(out)
