"""Validating OpenAPI documents fast with openapi-spec-validator's own verdicts and messages (kept apart from
scaffold.parsers.openapi because its imports cost ~0.2 s, which reading operations does not need)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any, ClassVar, cast

import jsonschema_rs
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from jsonschema_path import SchemaPath
from jsonschema_path._referencing_compat import rebind_resolved
from jsonschema_path.accessors import SchemaAccessor
from jsonschema_path.nodes import SchemaNode
from jsonschema_path.paths import SPEC_SEPARATOR
from jsonschema_path.utils import is_ref
from jsonschema_specifications import REGISTRY as JSON_SCHEMA_SPECIFICATIONS
from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS31Validator, oas31_format_checker
from openapi_schema_validator._specifications import REGISTRY as OPENAPI_SCHEMA_SPECIFICATIONS
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator, OpenAPIV32SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31, schema_v32
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.validation.registries import KeywordValidatorRegistry
from openapi_spec_validator.validation.validators import SpecValidator
from pathable.types import LookupKey, LookupNode
from referencing._core import Resolved, Resolver
from referencing.jsonschema import specification_with


class _PrefilteredValidator:
    """The document against the OpenAPI JSON Schema: jsonschema-rs decides whether it is valid (a fraction of a
    millisecond); only a document it finds invalid, or cannot read (e.g. non-string keys, dates), goes through
    jsonschema, so the errors and their messages are jsonschema's."""

    def __init__(self, fast: Any, full: Validator) -> None:
        self._fast = fast
        self._full = full

    def iter_errors(self, instance: object) -> Iterator[ValidationError]:
        try:
            if self._fast.is_valid(instance):
                return iter(())
        except Exception:  # a value jsonschema-rs cannot take: let jsonschema decide
            pass
        return self._full.iter_errors(instance)


class _OncePerPathAccessor(SchemaAccessor):
    """jsonschema-path's view of one document, resolving each path once, from its parent's resolution.

    As shipped, the accessor keeps only the last 128 paths it resolved, and every step of a resolution asks
    `isinstance(node, Subscriptable)` of a runtime-checkable Protocol, which Python 3.11 answers by recomputing the
    protocol's members (a quarter of the validation time). Here a dict or a list is indexed directly (the Protocol
    accepts both), and each step is the library's (`SchemaNode._resolve_node`): index the parent, then follow `$ref`s
    from the resolver reached so far. As shipped, a result whose registry has since grown (a remote `$ref` was
    retrieved) is rebound to it."""

    def __init__(self, schema: Any, resolver: Resolver[Any], resolved_cache_maxsize: int = 0) -> None:
        super().__init__(schema, resolver, resolved_cache_maxsize)
        self._resolved: dict[tuple[LookupKey, ...], Resolved[LookupNode]] = {}
        self._lookups: dict[tuple[str, str, Any], Resolved[Any]] = {}
        self._lookups_registry: object = None

    def get_resolved(self, parts: Sequence[LookupKey]) -> Resolved[LookupNode]:
        key = tuple(parts)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolve(key)
            self._path_resolver._sync_registry(resolved.resolver._registry)
        elif resolved.resolver._registry is not self._path_resolver.resolver._registry:
            resolved = cast(Resolved[LookupNode], rebind_resolved(resolved, self._path_resolver.resolver._registry))
        self._resolved[key] = resolved
        return resolved

    def _resolve(self, key: tuple[LookupKey, ...]) -> Resolved[LookupNode]:
        if not key:
            return self._follow_refs(self.node, self._path_resolver.resolver)
        parent = self.get_resolved(key[:-1])
        return self._follow_refs(self._get_subnode(parent.contents, key[-1]), parent.resolver)

    def _follow_refs(self, node: Any, resolver: Resolver[Any], hops: int = 0) -> Resolved[LookupNode]:
        """`SchemaNode._resolve_node`. A chain of `_REF_HOPS` `$ref`s is most likely a cycle: the library's own
        function takes it from there, so a cycle ends in its RecursionError, with its message."""
        if not is_ref(node):
            return Resolved(node, resolver)  # type: ignore[call-arg]
        if hops == _REF_HOPS:
            return cast(Resolved[LookupNode], SchemaNode._resolve_node(node, resolver))
        resolved = self._lookup(resolver, node["$ref"])
        return self._follow_refs(resolved.contents, resolved.resolver, hops + 1)

    def _lookup(self, resolver: Resolver[Any], ref: str) -> Resolved[Any]:
        """`resolver.lookup(ref)`, remembered when it retrieved nothing: then its answer depends only on the
        resolver's fields (base URI, dynamic scope, registry) and `ref`. Services point many paths at the same
        `#/components/...` entries."""
        registry = resolver._registry
        if registry is not self._lookups_registry:
            self._lookups, self._lookups_registry = {}, registry
        key = (ref, resolver._base_uri, resolver._previous)
        resolved = self._lookups.get(key)
        if resolved is None:
            resolved = resolver.lookup(ref)
            if resolved.resolver._registry is registry:
                self._lookups[key] = resolved
        return resolved

    @classmethod
    def _get_subnode(cls, node: Any, part: LookupKey) -> Any:
        """The library's step (`SubscriptableAccessor._get_subnode`) without its Protocol check for a dict or list."""
        if type(node) is dict or type(node) is list:
            try:
                return node[part]  # type: ignore[index]
            except (KeyError, IndexError, TypeError) as error:
                raise KeyError(part) from error
        return super()._get_subnode(node, part)


_REF_HOPS = 50


class _OncePerPathDocument(SpecValidator):
    """A spec validator whose document is read through `_OncePerPathAccessor` (and without re-reading the library's
    settings, whose only use here is the size of the cache that accessor replaces)."""

    def __init__(
        self, schema: Any, base_uri: str = "", spec_url: str | None = None, handlers: Mapping[str, Any] | None = None
    ) -> None:
        """`handlers`: how each URI scheme is retrieved (as shipped: files and the network, through urllib)."""
        if handlers is not None:
            self.resolver_handlers = handlers  # type: ignore[assignment]
        if isinstance(schema, SchemaPath) or spec_url is not None:
            super().__init__(schema, base_uri, spec_url)
            return
        self.base_uri = base_uri
        self.schema = schema
        accessor = _OncePerPathAccessor.from_schema(schema, base_uri=base_uri, handlers=self.resolver_handlers)
        self.schema_path = SchemaPath(accessor, separator=SPEC_SEPARATOR)
        self.keyword_validators_registry = KeywordValidatorRegistry(self.keyword_validators)


def _remembering_passes(base: type[keywords.SchemaValidator]) -> type[keywords.SchemaValidator]:
    """`base` (the library's check of each schema in a document against its JSON Schema dialect) remembering, for
    the whole process, the schemas that passed: services repeat the same schemas, and each check costs ~1.5 ms.
    A schema that fails is checked again every time, so each failure gets its own error object. A schema not seen
    before is first offered to jsonschema-rs when it is in the OAS 3.1 base dialect (`_passes_oas31_dialect`) and
    nests at most `_RS_NESTING` dicts and lists deep (jsonschema takes up to 12 stack frames a level: deeper, it may run
    out of stack where jsonschema-rs does not, and that RecursionError is the library's verdict)."""

    class RememberingPasses(base):  # type: ignore[misc,valid-type]
        _passed: ClassVar[set[tuple[str | None, str]]] = set()

        def _validate_schema_meta(self, schema: SchemaPath, schema_value: Any) -> OpenAPIValidationError | None:
            try:
                dialect = (
                    self._get_schema_dialect_id(schema, schema_value)
                    if isinstance(self, keywords.OpenAPIV31SchemaValidator)
                    else None
                )
            except ValueError:
                return super()._validate_schema_meta(schema, schema_value)
            text = repr(schema_value)
            if "{...}" in text or "[...]" in text:  # a self-referencing value: its repr does not tell it apart
                return super()._validate_schema_meta(schema, schema_value)
            key = (dialect, text)
            if key in self._passed:
                return None
            if (
                self._in_oas31_base_dialect(dialect)
                and _nests_at_most(schema_value, _RS_NESTING)
                and _passes_oas31_dialect(schema_value)
            ):
                error = None
            else:
                error = super()._validate_schema_meta(schema, schema_value)
            if error is None:
                if len(self._passed) >= _REMEMBERED_SCHEMAS:
                    self._passed.clear()
                self._passed.add(key)
            return error

        def _in_oas31_base_dialect(self, dialect: str | None) -> bool:
            """Whether the library would check against the OAS 3.1 base dialect with `oas31_format_checker`."""
            return (
                dialect == OAS31_BASE_DIALECT_ID
                and isinstance(self, keywords.OpenAPIV31SchemaValidator)
                and self.schema_validator_format_checker is oas31_format_checker
                and self._get_validator_class_for_dialect(dialect) is OAS31Validator
            )

    return RememberingPasses


_RS_NESTING = 32


def _nests_at_most(value: object, levels: int) -> bool:
    """Whether `value` nests dicts and lists at most `levels` deep (walked level by level: no recursion)."""
    frontier = [value]
    for _ in range(levels + 1):
        containers = [item for item in frontier if isinstance(item, dict | list)]
        if not containers:
            return True
        frontier = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return False


def _passes_oas31_dialect(schema_value: Any) -> bool:
    """Whether jsonschema-rs finds a schema valid in the OAS 3.1 base dialect (microseconds, where the library's
    `OAS31Validator.check_schema` takes 4–8 ms in jsonschema). It then passes there too: same meta-schema and
    registry, `$dynamicRef` followed alike, and the format checks are the library's own Python functions. A value
    jsonschema-rs cannot read (dates, bytes, sets) counts as a no, so jsonschema decides. Two caveats the caller
    and the input keep out: jsonschema-rs accepts a self-referencing value that jsonschema recurses on forever, and
    takes a tuple for an array (YAML gives no tuples)."""
    try:
        return bool(_oas31_dialect_validator().is_valid(schema_value))
    except Exception:  # a value jsonschema-rs cannot take: let jsonschema decide
        return False


@lru_cache(maxsize=1)
def _oas31_dialect_validator() -> Any:
    """jsonschema-rs for what `check_openapi_schema` validates a 3.1 schema with: the dialect's meta-schema, the
    library's registry (offline), and every format `oas31_format_checker` checks, checked by it (formats it does not
    check, such as `uri-reference`, jsonschema-rs may still check: a stricter no only costs the slow path)."""
    registry = jsonschema_rs.Registry(
        [(uri, OPENAPI_SCHEMA_SPECIFICATIONS.contents(uri)) for uri in OPENAPI_SCHEMA_SPECIFICATIONS]
    )
    formats: dict[str, Callable[..., bool]] = {name: partial(_conforms, name) for name in oas31_format_checker.checkers}
    return jsonschema_rs.validator_for(
        OAS31Validator.META_SCHEMA, registry=registry, validate_formats=True, formats=formats, offline=True
    )


def _conforms(format_name: str, value: object) -> bool:
    return bool(oas31_format_checker.conforms(value, format_name))


_REMEMBERED_SCHEMAS = 4096


class _PathsWithExtensions(keywords.PathsValidator):
    """The library's Paths check, skipping Specification Extensions: OpenAPI lets `x-` keys sit among the paths
    with any value ("This object MAY be extended with Specification Extensions"); as shipped each is read as a
    Path Item, and a scalar or list there raises KeyError / AssertionError instead of validating."""

    def __call__(self, paths: SchemaPath) -> Iterator[ValidationError]:
        for url, path_item in paths.items():
            if str(url).startswith("x-"):
                continue
            yield from self.path_validator(str(url), path_item)


class _ResponsesWithExtensions(keywords.ResponsesValidator):
    """The library's Responses check, skipping Specification Extensions (the Responses Object MAY be extended)."""

    def __call__(self, responses: SchemaPath) -> Iterator[ValidationError]:
        for code, response in responses.items():
            if str(code).startswith("x-"):
                continue
            yield from self.response_validator(str(code), response)


def _mark(error: ValidationError, location: tuple[Any, ...]) -> OpenAPIValidationError:
    """`error` as the library hands it out (it wraps each so on its way out, `wraps_errors`), marked with where in
    the document it is (`scaffold_location`, an extra attribute) unless a deeper check marked it already."""
    wrapped = error if isinstance(error, OpenAPIValidationError) else OpenAPIValidationError.create_from(error)
    if getattr(wrapped, "scaffold_location", None) is None:
        wrapped.scaffold_location = location  # type: ignore[attr-defined]
    return wrapped


def _locating_defaults(base: type[keywords.ValueValidator]) -> type[keywords.ValueValidator]:
    """`base` (the check of a schema's `default` against the schema) marking each error with where that default
    is: the library's errors carry only the path inside the value, so every one would point at the top of the
    document. The errors are otherwise the library's."""

    class LocatingDefaults(base):  # type: ignore[misc,valid-type]
        def __call__(self, schema: SchemaPath, value: Any) -> Iterator[ValidationError]:
            location = (*tuple(schema.parts), "default")
            for error in super().__call__(schema, value):
                yield _mark(error, location)

    return LocatingDefaults


def _locating_operations(base: type[keywords.OperationValidator]) -> type[keywords.OperationValidator]:
    """`base` (the checks of one operation: its id, its path parameters ...) marking errors that carry no path of
    their own with the operation's place, so that they do not all point at the top of the document."""

    class LocatingOperations(base):  # type: ignore[misc,valid-type]
        def __call__(
            self, url: str, name: str, operation: SchemaPath, path_parameters: SchemaPath | None
        ) -> Iterator[ValidationError]:
            location = tuple(operation.parts)
            for error in super().__call__(url, name, operation, path_parameters):
                yield error if tuple(error.absolute_path) else _mark(error, location)

    return LocatingOperations


@lru_cache(maxsize=3)
def spec_validator_class(version: str) -> type[_OncePerPathDocument]:
    """openapi-spec-validator's validator for OpenAPI `3.0`, `3.1` or `3.2`, made fast with the same verdicts and
    errors (but for `x-` keys among paths and responses, which it skips: see `_PathsWithExtensions`):

    - the document is checked against the OpenAPI JSON Schema by jsonschema-rs first (see `_PrefilteredValidator`);
    - jsonschema, for documents that fail, has that schema's references crawled once per process: as shipped, every
      `$dynamicRef` lookup of the 3.1 schema (about 30 a document) re-crawls the whole schema registry;
    - each schema in the document that passed the dialect check once is not checked again, and a new one is offered
      to jsonschema-rs first (`_remembering_passes`);
    - the document is read through `_OncePerPathAccessor`, which resolves each path and each `$ref` once.
    The library's other checks (operation IDs, parameters, defaults, ...) run as shipped."""
    base, schema = {
        "3.0": (OpenAPIV30SpecValidator, schema_v30),
        "3.1": (OpenAPIV31SpecValidator, schema_v31),
        "3.2": (OpenAPIV32SpecValidator, schema_v32),
    }[version]
    contents: dict[str, Any] = dict(schema)
    resource = specification_with(str(contents.get("$schema", ""))).create_resource(contents)
    uri = resource.id() or ""
    registry = JSON_SCHEMA_SPECIFICATIONS.with_resource(uri, resource).crawl()
    # `_resolver` is the attrs field jsonschema's own `evolve` passes; the public `registry=` argument would
    # re-add the root resource uncrawled.
    full = validator_for(contents)(contents, _resolver=registry.resolver(base_uri=uri))
    fast = jsonschema_rs.validator_for(contents)
    keyword_validators = {
        **base.keyword_validators,
        "schema": _remembering_passes(cast(type[keywords.SchemaValidator], base.keyword_validators["schema"])),
        "paths": _PathsWithExtensions,
        "responses": _ResponsesWithExtensions,
        "default": _locating_defaults(cast(type[keywords.ValueValidator], base.keyword_validators["default"])),
        "operation": _locating_operations(
            cast(type[keywords.OperationValidator], base.keyword_validators["operation"])
        ),
    }
    return type(
        f"Fast{base.__name__}",
        (_OncePerPathDocument, base),
        {"schema_validator": _PrefilteredValidator(fast, full), "keyword_validators": keyword_validators},
    )
