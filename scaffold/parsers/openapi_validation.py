"""Validating OpenAPI documents fast with openapi-spec-validator's own verdicts and messages (kept apart from
scaffold.parsers.openapi because its imports cost ~0.2 s, which reading operations does not need)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, ClassVar, cast

import jsonschema_rs
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from jsonschema_path import SchemaPath
from jsonschema_specifications import REGISTRY as JSON_SCHEMA_SPECIFICATIONS
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.validation.validators import SpecValidator
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


def _remembering_passes(base: type[keywords.SchemaValidator]) -> type[keywords.SchemaValidator]:
    """`base` (the library's check of each schema in a document against its JSON Schema dialect) remembering, for
    the whole process, the schemas that passed: services repeat the same schemas, and each check costs ~1.5 ms.
    A schema that fails is checked again every time, so each failure gets its own error object."""

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
            error = super()._validate_schema_meta(schema, schema_value)
            if error is None:
                if len(self._passed) >= _REMEMBERED_SCHEMAS:
                    self._passed.clear()
                self._passed.add(key)
            return error

    return RememberingPasses


_REMEMBERED_SCHEMAS = 4096


@lru_cache(maxsize=2)
def spec_validator_class(version: str) -> type[SpecValidator]:
    """openapi-spec-validator's validator for OpenAPI `3.0` or `3.1`, made fast with the same verdicts and errors:

    - the document is checked against the OpenAPI JSON Schema by jsonschema-rs first (see `_PrefilteredValidator`);
    - jsonschema, for documents that fail, has that schema's references crawled once per process: as shipped, every
      `$dynamicRef` lookup of the 3.1 schema (about 30 a document) re-crawls the whole schema registry;
    - each schema in the document that passed the dialect check once is not checked again (`_remembering_passes`).
    The library's other checks (operation IDs, parameters, defaults, ...) run as shipped."""
    base, schema = (OpenAPIV30SpecValidator, schema_v30) if version == "3.0" else (OpenAPIV31SpecValidator, schema_v31)
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
    }
    return type(
        f"Fast{base.__name__}",
        (base,),
        {"schema_validator": _PrefilteredValidator(fast, full), "keyword_validators": keyword_validators},
    )


