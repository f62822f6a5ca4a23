"""OpenAPI documents written by others, vendored with their licence and source commit
(tests/fixtures/corpora/openapi/redocly-*/): a document split over 38 files by relative `$ref` (file names holding
`{}`), and a single-file 3.1 document with webhooks. Each is valid by the specification; scaffold must follow the
split document's files below its folder and agree. Also what reading them showed: a bound on referenced files that
says so once, and an unexpected key reported at its own line (as Spectral does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers.manifests import ParsedYaml, load_yaml
from scaffold.parsers.openapi import References, load_openapi

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpora" / "openapi"
STARTER = CORPUS / "redocly-starter"


def _from_disk(root: Path, document: str, folder: str) -> tuple[str, References]:
    def read(relative: str) -> ParsedYaml | None:
        path = root / relative
        return load_yaml(path.read_text(encoding="utf-8")) if path.is_file() else None

    return (root / document).read_text(encoding="utf-8"), References(document, folder, read)


def test_the_vendored_documents_carry_licence_and_source() -> None:
    for folder in ("redocly-starter", "redocly-museum"):
        assert (CORPUS / folder / "LICENSE").is_file() and "commit" in (CORPUS / folder / "SOURCE").read_text()


def test_a_document_split_over_files_with_braces_in_their_names_is_valid() -> None:
    text, references = _from_disk(STARTER, "openapi/openapi.yaml", "openapi")
    parsed = load_openapi(text, references)
    assert parsed.errors == ()
    assert len(parsed.referenced) >= 30, "the path items, components and webhooks in other files were read"


def test_a_single_file_31_document_with_webhooks_is_valid() -> None:
    assert load_openapi((CORPUS / "redocly-museum" / "openapi.yaml").read_text(encoding="utf-8")).errors == ()


def test_more_referenced_files_than_the_bound_is_one_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openapi_parser, "MAX_REFERENCED_DOCUMENTS", 5)
    text, references = _from_disk(STARTER, "openapi/openapi.yaml", "openapi")
    errors = load_openapi(text, references).errors
    bound = [e for e in errors if "documents are referenced" in e.message]
    assert len(bound) == 1 and "validity is not known" in bound[0].message
    assert errors, "a document not read whole is never decided valid"


def test_a_ref_where_the_specification_allows_none_is_reported_at_the_ref() -> None:
    # DigitalOcean's public API writes operations as `$ref`s to other files, which only a bundler resolves: the
    # specification allows a Reference Object in a Path Item, not in place of an Operation Object
    text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      $ref: './op.yaml'\n"
    errors = load_openapi(text, References("openapi.yaml", "", lambda _: load_yaml("responses: {}\n"))).errors
    unexpected = [e for e in errors if "$ref" in e.message]
    assert [(e.path, e.line) for e in unexpected] == [(("paths", "/a", "get", "$ref"), 6)]
