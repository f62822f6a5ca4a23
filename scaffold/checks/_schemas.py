"""Platform manifests against their JSON Schemas (catalog, M2M clients, freeze calendar, integration.yaml, ...).

The schema is the platform's own copy under schemas/ (what editors validate against through the file's
`# yaml-language-server: $schema=` line), or the one scaffold ships when the platform has none. Each manifest is
validated once per RepoView; every check that reads it reports the errors that concern it before trusting the data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scaffold.checks._cache import memo
from scaffold.parsers import manifests as manifest_parser
from scaffold.parsers.manifests import PathKey, SchemaError
from scaffold.parsers.models import bundled_schema
from scaffold.verify.model import Finding, Status
from scaffold.verify.repo import RepoView


def manifest_schema(repo: RepoView, schema_path: str) -> tuple[Mapping[str, object], str]:
    """The platform's schema at `schema_path` (e.g. schemas/catalog.schema.json), or scaffold's bundled copy of
    it, with the name findings cite."""
    schema = repo.json(schema_path)
    if isinstance(schema, Mapping):
        return schema, schema_path
    name = schema_path.rsplit("/", 1)[-1]
    return bundled_schema(name), f"scaffold's bundled {name}"


def schema_errors(repo: RepoView, path: str, schema_path: str) -> tuple[list[SchemaError], str]:
    """The schema errors of the YAML manifest at `path` (none when it is missing or not valid YAML: the checks
    report that themselves), and the schema's name."""

    def compute() -> tuple[list[SchemaError], str]:
        schema, schema_name = manifest_schema(repo, schema_path)
        parsed = repo.yaml(path)
        if parsed is None or not parsed.ok:
            return [], schema_name
        return manifest_parser.validate(parsed, schema), schema_name

    return memo(repo, ("schema errors", path, schema_path), compute)


def schema_failures(
    check_id: str,
    repo: RepoView,
    path: str,
    schema_path: str,
    fix: str,
    concerns: Callable[[PathKey], bool] = lambda _: True,
) -> list[Finding]:
    """A fail per schema error of `path` whose location `concerns` this check (by default, every error), naming
    the line, the place in the document and the schema."""
    errors, schema_name = schema_errors(repo, path, schema_path)
    return [
        Finding(
            check_id,
            Status.FAIL,
            f"{error.where}: {error.message} (per {schema_name})",
            file=path,
            line=error.line or 1,
            fix=fix,
        )
        for error in errors
        if concerns(error.path)
    ]
