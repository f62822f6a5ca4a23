"""OpenAPI documents: load (libyaml), validate (openapi-spec-validator), and list operations with their lines.

    spec = load_openapi(text)             # ParsedOpenApi: .yaml (ParsedYaml), .errors ([SpecError]), .ok
    operations(spec)                      # [Operation(method, path, operation_id, description, scopes, ...)]

Local `$ref`s (`#/components/...`) are followed when looking for examples and responses. Nothing here knows the
platform layout.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from scaffold.parsers.manifests import ParsedYaml, load_yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class SpecError:
    message: str
    path: tuple[str | int, ...]
    line: int | None
    # "invalid": the document breaks the specification; "reference": a `$ref` the verifier will not or cannot
    # follow; "validator": the validator itself failed (the document may be fine); "limit": too deep or too large
    # to validate; "unsupported": an OpenAPI version this verifier does not validate
    kind: str = "invalid"
    file: str | None = None  # a referenced document the error is in; None for the document itself


@dataclass(frozen=True)
class ParsedOpenApi:
    yaml: ParsedYaml
    errors: tuple[SpecError, ...]
    # where the document is and the documents its relative `$ref`s name (root-relative paths, see References),
    # when it was read with References: `operations` follows those refs too
    document: str | None = None
    referenced: Mapping[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def data(self) -> Mapping[str, object]:
        return self.yaml.data if isinstance(self.yaml.data, Mapping) else {}


@dataclass(frozen=True)
class References:
    """Where a document is, so that its relative `$ref`s can be followed: `document` and `root` are paths relative
    to some root the caller knows (e.g. the repo), with forward slashes; refs may reach files below `root` only,
    read through `read` (None: missing or not to be read). Nothing else is ever read, and nothing fetched."""

    document: str
    root: str
    read: Callable[[str], ParsedYaml | None]


# The versions openapi-spec-validator 0.9 has a schema for, by `openapi:` minor version.
SUPPORTED_VERSIONS = ("3.0", "3.1", "3.2")
MAX_NESTING = 64  # dicts and lists: real documents nest ~20 deep; the validator recurses ~12 frames a level
# files a split document may reference: DigitalOcean's public API (~2,900 files) fits; MAX_VALUES bounds the rest
MAX_REFERENCED_DOCUMENTS = 4096
MAX_VALUES = 3_000_000  # mapping values and list items, all documents together: a bound on runaway input


def load_openapi(text: str, references: References | None = None) -> ParsedOpenApi:
    """Parse and validate one OpenAPI 3.0 / 3.1 / 3.2 document. YAML errors and spec violations become `errors`."""
    return validate_openapi(load_yaml(text), references)


def validate_openapi(parsed: ParsedYaml, references: References | None = None) -> ParsedOpenApi:
    """`load_openapi` for a document already read as YAML.

    `$ref`s are checked before anything is validated: a local one (`#/...`) is followed; a relative file one only
    with `references`, to a file below its root; `file://`, network and other URIs never (an error naming the
    ref). A chain of `$ref`s that comes back to itself without reaching a value is an error at its first ref, and
    the validator sees `{}` in its place. A document nesting deeper than MAX_NESTING is not validated (an error
    says so). A failure of the validator itself is an error of kind "validator" at the place it was reading."""
    if not parsed.ok:
        return ParsedOpenApi(parsed, (SpecError(f"invalid YAML: {parsed.error}", (), parsed.error_line),))
    if not isinstance(parsed.data, Mapping):
        return ParsedOpenApi(parsed, (SpecError("the document is not a mapping", (), 1),))
    version = str(parsed.data.get("openapi", ""))
    if not version.startswith("3."):
        return ParsedOpenApi(parsed, (SpecError("`openapi: 3.x` is missing", ("openapi",), 1),))
    minor = ".".join(version.split(".")[:2])
    if minor not in SUPPORTED_VERSIONS:
        message = (
            f"`openapi: {version}`: this verifier validates OpenAPI {', '.join(SUPPORTED_VERSIONS)} only, so the "
            "document's validity is not known"
        )
        return ParsedOpenApi(parsed, (SpecError(message, ("openapi",), parsed.line_of(("openapi",)), "unsupported"),))
    depth, size, refs = _scan(parsed.data)
    if depth > MAX_NESTING or size > MAX_VALUES:
        message = (
            f"the document nests more than {MAX_NESTING} levels deep"
            if depth > MAX_NESTING
            else f"the document holds more than {MAX_VALUES:,} values"
        )
        message += f"; the verifier validates documents up to {MAX_NESTING} levels and {MAX_VALUES:,} values"
        return ParsedOpenApi(parsed, (SpecError(message, (), 1, "limit"),))
    reading = _read_references(parsed, references, size, refs)
    where = references.document if references is not None else None
    if reading.errors:
        # the validator would need the documents it may not read: the refs are the finding
        return ParsedOpenApi(parsed, (*reading.cycle_errors, *reading.errors), where, reading.by_path)
    document = reading.without_cycles(parsed.data)
    from scaffold.parsers.openapi_validation import spec_validator_class  # ~0.2 s of imports: only when validating

    errors: list[SpecError] = list(reading.cycle_errors)
    validator_class = spec_validator_class(minor)
    try:
        validator = validator_class(document, base_uri=reading.base_uri, handlers=reading.handlers())
        for error in validator.iter_errors():
            location = tuple(getattr(error, "scaffold_location", ()) or ())
            at = (*location, *tuple(getattr(error, "absolute_path", ()) or ()), *_extra_key(error))
            path = _written_at(document, at)
            errors.append(SpecError(str(getattr(error, "message", error)), path, parsed.line_of(path)))
    except Exception as error:  # the validator raises assorted errors (KeyError, RecursionError, Unresolvable ...)
        path = _written_at(document, _reading_at(error))
        where = "/".join(str(p) for p in path) or "the top"
        message = (
            f"the OpenAPI validator failed while reading {where} ({type(error).__name__}: {str(error)[:200]}); "
            "the document's validity there is not known"
        )
        errors.append(SpecError(message, path, parsed.line_of(path), "validator"))
    errors += _templated_path_clashes(parsed)
    return ParsedOpenApi(parsed, tuple(errors), where, reading.by_path)


_Path = tuple[str | int, ...]


def _scan(value: object) -> tuple[int, int, list[tuple[_Path, str]]]:
    """How deep a document nests dicts and lists, how many values it holds, and its `$ref`s (the path of each
    `$ref` key and its value, in document order). One walk without recursion over containers only (most values
    are strings); each container keeps a link to its parent, and only a `$ref`'s path is spelled out. It stops a
    little past the bounds."""
    depth = size = 0
    found: list[tuple[int, str]] = []
    links: list[tuple[int, str | int]] = [(-1, "")]  # container -> (its parent container, its key there)
    stack: list[tuple[object, int, int]] = [(value, 1, 0)]  # (container, its depth, its link)
    while stack:
        item, level, link = stack.pop()
        depth = max(depth, level)
        if depth > MAX_NESTING or size > MAX_VALUES:
            break
        children: list[tuple[object, int, int]] = []
        if type(item) is dict:
            size += len(item)
            reference = item.get("$ref")
            if type(reference) is str:
                found.append((link, reference))
            pairs: Iterable[tuple[str | int, object]] = item.items()
        elif type(item) is list:
            size += len(item)
            pairs = enumerate(item)
        else:
            continue
        for key, child in pairs:
            if type(child) is dict or type(child) is list:
                links.append((link, key))
                children.append((child, level + 1, len(links) - 1))
        stack.extend(reversed(children))
    refs = []
    for link, reference in found:
        path: list[str | int] = ["$ref"]
        while link > 0:
            link, key = links[link]
            path.append(key)
        refs.append((tuple(reversed(path)), reference))
    return depth, size, refs


def with_references(parsed: ParsedYaml, references: References) -> ParsedOpenApi:
    """The document read for its structure, with the files its relative `$ref`s name (read as `validate_openapi`
    reads them), but not validated: for checks that need what the document declares, not whether it is valid."""
    if not parsed.ok or not isinstance(parsed.data, Mapping):
        return ParsedOpenApi(parsed, ())
    depth, size, refs = _scan(parsed.data)
    if depth > MAX_NESTING or size > MAX_VALUES:
        return ParsedOpenApi(parsed, (), references.document)
    reading = _read_references(parsed, references, size, refs)
    return ParsedOpenApi(parsed, (), references.document, reading.by_path)


def _written_at(document: Mapping[str, object], path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Where a path the validator walked (through `$ref`s) is written in the document: each local `$ref` on the
    way is followed to its target (a chain of at most MAX_NESTING), so that an error points at the value itself."""
    written: tuple[str | int, ...] = ()
    node: object = document
    hops = 0
    for part in path:
        while (
            isinstance(node, Mapping)
            and isinstance(node.get("$ref"), str)
            and str(node["$ref"]).startswith("#")
            and part not in node
            and hops < MAX_NESTING
        ):
            written, hops = _local_path(str(node["$ref"])), hops + 1
            node = _at(document, written)
        node = _at(node, (part,))
        written = (*written, part)
    return written


def _at(document: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        if isinstance(document, Mapping):
            document = document.get(part)
        elif isinstance(document, list) and str(part).isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def _reading_at(error: BaseException) -> tuple[str | int, ...]:
    """The document path the validator was reading when it raised: its innermost frame holding a SchemaPath."""
    from jsonschema_path import SchemaPath

    traceback = error.__traceback__
    frames = []
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    for frame in reversed(frames[-400:]):
        for value in frame.f_locals.values():
            if isinstance(value, SchemaPath):
                return tuple(part for part in value.parts if isinstance(part, str | int))
    return ()


def _templated_path_clashes(parsed: ParsedYaml) -> list[SpecError]:
    """OpenAPI 3.x, Paths Object: "Templated paths with the same hierarchy but different templated names MUST NOT
    exist as they are identical." (openapi-spec-validator does not check this; Spectral's `path-params` does.)"""
    paths = parsed.data.get("paths") if isinstance(parsed.data, Mapping) else None
    if not isinstance(paths, Mapping):
        return []
    seen: dict[str, str] = {}
    errors: list[SpecError] = []
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        if shape in seen and seen[shape] != path:
            message = (
                f"`{path}` and `{seen[shape]}` differ only in the names of their path parameters: templated paths "
                "with the same hierarchy but different templated names MUST NOT exist (OpenAPI, Paths Object)"
            )
            errors.append(SpecError(message, ("paths", path), parsed.line_of(("paths", path))))
        seen.setdefault(shape, path)
    return errors


# --- $refs -------------------------------------------------------------------------------------------------
_VIRTUAL_ROOT = "file:///scaffold-document-root/"  # the base URI the validator sees; no file is ever opened there


@dataclass
class _ReferenceReading:
    base_uri: str
    documents: dict[str, object]  # URI (no fragment) -> contents, for every document the validator may read
    by_path: dict[str, object]  # the referenced documents by root-relative path
    errors: list[SpecError]  # refs not followed
    cycles: list[tuple[tuple[str | int, ...], ...]]  # each: the paths of the refs of one cycle, in the document
    cycle_errors: list[SpecError]

    def handlers(self) -> Mapping[str, Callable[[str], object]]:
        """Retrieval for every URI scheme: the documents read already, and an error for anything else."""
        return _OnlyKnownDocuments(self.documents)

    def without_cycles(self, data: Mapping[str, object]) -> Mapping[str, object]:
        if not self.cycles:
            return data
        document = copy.deepcopy(dict(data))
        for cycle in self.cycles:
            for path in cycle:
                holder: object = document
                for part in path[:-1]:
                    holder = holder[part]  # type: ignore[index]
                holder[path[-1]] = {}  # type: ignore[index]
        return document


class _OnlyKnownDocuments(dict[str, Callable[[str], object]]):
    """A handler for every scheme (jsonschema-path fetches with urllib any scheme it has no handler for) that
    serves only documents read beforehand and raises for any other URI."""

    def __init__(self, documents: Mapping[str, object]) -> None:
        super().__init__()
        # by unquoted URI: a ref written `paths/menu_{id}.yaml` reaches the handler as written, while the document
        # was filed under its quoted name (`menu_%7Bid%7D`)
        self._documents = {unquote(uri): document for uri, document in documents.items()}

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Callable[[str], object]:
        return self._serve

    def _serve(self, uri: str) -> object:
        if unquote(uri) in self._documents:
            return self._documents[unquote(uri)]
        raise LookupError(f"{uri} is not a document the verifier may read")


def _read_references(
    parsed: ParsedYaml, references: References | None, size: int, refs: list[tuple[_Path, str]]
) -> _ReferenceReading:
    """Classify every `$ref` of the document and of the documents it reaches, reading allowed files only."""
    document_path = references.document if references is not None else "openapi.yaml"
    base_uri = _VIRTUAL_ROOT + quote(document_path)
    reading = _ReferenceReading(base_uri, {base_uri: parsed.data}, {}, [], [], [])
    reading.cycles = _ref_cycles(refs)
    for cycle in reading.cycles:
        pointers = " → ".join(_pointer_of(path) for path in cycle)
        message = (
            f"the `$ref` chain {pointers} → {_pointer_of(cycle[0])} comes back to itself without reaching a value "
            "(JSON Schema: behaviour undefined); the validator reads `{}` there"
        )
        line = parsed.line_of((*cycle[0], "$ref"))
        reading.cycle_errors.append(SpecError(message, (*cycle[0], "$ref"), line, "reference"))
    queue: list[tuple[str, ParsedYaml, list[tuple[_Path, str]]]] = [(document_path, parsed, refs)]
    done = {document_path}
    over_bound = False
    while queue:
        here, current, found = queue.pop(0)
        file = None if here == document_path else here
        for path, reference in found:
            target, problem = _reference_target(here, reference, references)
            if problem is None and target is not None and target not in done:
                if len(done) >= MAX_REFERENCED_DOCUMENTS:
                    if over_bound:
                        continue  # one finding says it; the document is already not decided valid
                    over_bound = True
                    problem = (
                        f"more than {MAX_REFERENCED_DOCUMENTS} documents are referenced; this one and the rest are not "
                        "read, so the document's validity is not known"
                    )
                else:
                    assert references is not None
                    loaded = references.read(target)
                    if loaded is None:
                        problem = f"there is no such file below {references.root} (or it is a link leading out)"
                    elif not loaded.ok:
                        problem = f"{target} is not valid YAML: {loaded.error}"
                    elif (shape := _scan(loaded.data))[0] > MAX_NESTING:
                        problem = f"{target} nests deeper than {MAX_NESTING} levels, past what the verifier validates"
                    elif (size := size + shape[1]) > MAX_VALUES:
                        problem = f"the documents hold more than {MAX_VALUES:,} values, past what is validated"
                    else:
                        done.add(target)
                        reading.documents[_VIRTUAL_ROOT + quote(target)] = loaded.data
                        reading.by_path[target] = loaded.data
                        queue.append((target, loaded, shape[2]))
            if problem is not None:
                message = f"`$ref: {reference}` is not followed: {problem}"
                reading.errors.append(SpecError(message, path, current.line_of(path), "reference", file))
    return reading


def _extra_key(error: object) -> tuple[str, ...]:
    """The one key an `additionalProperties` / `unevaluatedProperties: false` error is about, so the finding points at
    that key's line (as Spectral does) rather than at the object holding it; () when the error is another kind or
    may be about several keys. The keys outside the schema's own `properties` and `patternProperties` include every
    offending key, so when they are one, it is the one."""
    instance, schema = getattr(error, "instance", None), getattr(error, "schema", None)
    if getattr(error, "validator", None) not in ("additionalProperties", "unevaluatedProperties"):
        return ()
    if not isinstance(instance, Mapping):
        return ()
    if not isinstance(schema, Mapping):
        return ()
    known, patterns = schema.get("properties") or {}, schema.get("patternProperties") or {}
    extra = [
        key for key in instance if key not in known and not any(re.search(pattern, str(key)) for pattern in patterns)
    ]
    return (extra[0],) if len(extra) == 1 and isinstance(extra[0], str) else ()


def _reference_target(here: str, reference: str, references: References | None) -> tuple[str | None, str | None]:
    """The file a `$ref` names (root-relative), or None for a local ref; or why it is not to be followed."""
    address = reference.split("#", 1)[0]
    if not address:
        return None, None
    parts = urlsplit(address)
    if parts.scheme == "file":
        return None, "a file:// URI is never read (refs must be relative paths to files inside the service)"
    if parts.scheme or parts.netloc:
        return None, "it points at the network or another scheme, and the verifier never fetches anything"
    if references is None:
        return None, "the document's location is not known, so relative files cannot be followed"
    target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(parts.path)))
    root = references.root.strip("/")
    if target.startswith("../") or target == ".." or (root and not target.startswith(root + "/")):
        return None, f"it resolves outside {references.root}"
    return target, None


def _pointer_of(path: tuple[str | int, ...]) -> str:
    return "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _ref_cycles(refs: list[tuple[_Path, str]]) -> list[tuple[_Path, ...]]:
    """Chains of local `$ref`s, each pointing straight at the next, that come back to where they started."""
    pointing: dict[_Path, _Path | None] = {}
    for path, reference in refs:
        holder = path[:-1]
        pointing[holder] = _local_path(reference) if reference.startswith("#") else None
    cycles: list[tuple[tuple[str | int, ...], ...]] = []
    seen: set[tuple[str | int, ...]] = set()
    for start in pointing:
        chain: list[tuple[str | int, ...]] = []
        current: tuple[str | int, ...] | None = start
        while current is not None and current in pointing and current not in seen and current not in chain:
            chain.append(current)
            current = pointing[current]
        if current is not None and current in chain:
            cycles.append(tuple(chain[chain.index(current) :]))
        seen.update(chain)
    return cycles


def _local_path(reference: str) -> tuple[str | int, ...]:
    pointer = unquote(reference[1:]).strip("/")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")) if pointer else ()


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

    @property
    def error_ranges(self) -> tuple[tuple[int, int, str], ...]:
        """Error responses declared as a range (`4XX`, `5XX`) or as `default` (any status not declared, errors
        included): (lowest, highest, as written)."""
        found: list[tuple[int, int, str]] = []
        for status in self.statuses:
            if len(status) == 3 and status[0] in "45" and status[1:].upper() == "XX":
                found.append((int(status[0]) * 100, int(status[0]) * 100 + 99, status))
            elif status == "default":
                found.append((400, 599, status))
        return tuple(found)


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


class _Documents:
    """The document and those its relative `$ref`s name: a `$ref` followed from where it is written."""

    def __init__(self, spec: ParsedOpenApi) -> None:
        self.main = spec.data
        self.here = spec.document or ""
        self.referenced = spec.referenced

    def follow(self, value: object, here: str) -> tuple[object, str]:
        """`value`, or what its chain of `$ref`s (at most 20) leads to, and the document that is in; a ref the
        reader has no document for comes back as it is."""
        for _ in range(20):
            reference = value.get("$ref") if isinstance(value, Mapping) else None
            if not isinstance(reference, str):
                break
            address, _, fragment = reference.partition("#")
            if address:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(address)))
                if target != self.here and target not in self.referenced:
                    break
                here = target
            document = self.referenced.get(here) if here != self.here else self.main
            value = _at(document, _local_path("#" + fragment))
        return value, here


def _media_has_example(documents: _Documents, holder: object, here: str) -> bool:
    """Whether a request body, response or parameter carries an example: on itself, on a media type, or anywhere
    in a schema (a schema's properties and items count: documents often give each property its example)."""
    holder, here = documents.follow(holder, here)
    if not isinstance(holder, Mapping):
        return False
    if holder.get("example") is not None or holder.get("examples"):
        return True
    if _schema_has_example(documents, holder.get("schema"), here):
        return True
    content = holder.get("content")
    if isinstance(content, Mapping):
        for media in content.values():
            media, at = documents.follow(media, here)
            if isinstance(media, Mapping) and (media.get("example") is not None or media.get("examples")):
                return True
            if isinstance(media, Mapping) and _schema_has_example(documents, media.get("schema"), at):
                return True
    return False


_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMAS = ("items", "additionalProperties", "not")


def _schema_has_example(documents: _Documents, schema: object, here: str) -> bool:
    """Whether a schema or one it contains (properties, items, compositions; `$ref`s followed, each schema once,
    so cycles end) has `example` or `examples`."""
    pending: list[tuple[object, str]] = [(schema, here)]
    visited: set[int] = set()
    while pending and len(visited) < 10_000:
        current, at = documents.follow(*pending.pop())
        if not isinstance(current, Mapping) or id(current) in visited:
            continue
        visited.add(id(current))
        if current.get("example") is not None or current.get("examples"):
            return True
        properties = current.get("properties")
        if isinstance(properties, Mapping):
            pending.extend((value, at) for value in properties.values())
        pending.extend((current.get(key), at) for key in _SUBSCHEMAS)
        for key in _SUBSCHEMA_LISTS:
            items = current.get(key)
            if isinstance(items, list):
                pending.extend((item, at) for item in items)
    return False


def _has_example(documents: _Documents, operation: Mapping[str, object], path_parameters: object, here: str) -> bool:
    if _media_has_example(documents, operation.get("requestBody"), here):
        return True
    responses = operation.get("responses")
    if isinstance(responses, Mapping) and any(_media_has_example(documents, r, here) for r in responses.values()):
        return True
    own = operation.get("parameters")
    shared = path_parameters if isinstance(path_parameters, list) else []
    parameters = [*(own if isinstance(own, list) else []), *shared]
    return any(_media_has_example(documents, p, here) for p in parameters)


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
    documents = _Documents(spec)
    found: list[Operation] = []
    for path, written in paths.items():
        item, here = documents.follow(written, documents.here)  # a Path Item may be a `$ref` (to another file)
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
                    has_example=_has_example(documents, operation, item.get("parameters"), here),
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
