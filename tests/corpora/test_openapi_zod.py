"""scaffold/zod_gen.py on OpenAPI documents we did not write: the OpenAPI Initiative's examples and two real-world
APIs (tests/fixtures/corpora/openapi/, vendored with their licences). Each document is either rendered or refused
with where and why (`Unsupported`) — never another exception, and never rendered as a document that takes nothing
when part of it lies in another file. The outcome of each is listed: a change in what is rendered shows here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaffold import zod_gen
from scaffold.parsers.openapi import load_openapi
from tests.corpora.test_openapi_spectral import DOCUMENTS
from tests.parsers.test_openapi_realworld import _from_disk

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpora" / "openapi"

# document -> the key path the renderer stops at (None: rendered); the reason is asserted loosely, by its words
REFUSED = {
    "oai/v3.0/pass/callback-example.yaml": (("paths", "/streams", "post"), "needs an operationId"),
    "oai/v3.0/pass/petstore-expanded.yaml": (("components", "schemas", "Pet"), "`allOf`"),
    "oai/v3.1/fail/invalid_schema_types.yaml": (("components", "schemas", "invalid_null"), "must be an object"),
    "oai/v3.1/pass/json_schema_dialect.yaml": (("components", "schemas", "WithDollarSchema"), "`$id`"),
    "oai/v3.1/pass/link-object-examples.yaml": (("paths", "/users/{id}", "get"), "needs an operationId"),
    "oai/v3.1/pass/media-type-examples.yaml": (("paths", "/something", "put"), "needs an operationId"),
    "oai/v3.1/pass/path-item-object-example.yaml": (
        ("paths", "/pets/{id}", "parameters", 0, "schema"),
        "an array in a query or path",
    ),
    "oai/v3.1/pass/path_item_servers_parameters.yaml": (("paths", "/things", "post"), "needs an operationId"),
    "oai/v3.1/pass/request-body-examples.yaml": (("paths", "/something", "put"), "needs an operationId"),
    "oai/v3.1/pass/schema.yaml": (("components", "schemas", "model", "properties", "six"), "no `type`"),
    "oai/v3.1/pass/valid_schema_types.yaml": (("components", "schemas", "nothing_object"), "`not`"),
    "oai/v3.1/pass/webhook-example.yaml": (("components", "schemas", "Pet"), "no `type`"),
    "redocly-museum/openapi.yaml": (("components", "schemas", "BuyMuseumTickets"), "`allOf`"),
    # its paths are `$ref`s to files beside it: rendering the root alone would claim they take nothing
    "redocly-starter/openapi/openapi.yaml": (("paths", "/menu"), "not local to this document"),
}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_document_is_rendered_or_refused_with_where_and_why(document: str) -> None:
    data = yaml.safe_load((CORPUS / document).read_text(encoding="utf-8"))
    if document in REFUSED:
        where, words = REFUSED[document]
        with pytest.raises(zod_gen.Unsupported) as raised:
            zod_gen.render(data)
        assert (raised.value.where, words in raised.value.reason) == (where, True), raised.value
    else:
        text = zod_gen.render(data)
        assert text.startswith(zod_gen.HEADER) and text.endswith("} as const;\n")


def test_the_petstore_renders_its_schemas_and_what_each_operation_takes() -> None:
    text = zod_gen.render(yaml.safe_load((CORPUS / "oai/v3.0/pass/petstore.yaml").read_text(encoding="utf-8")))
    pet = "export const Pet = z.object({\n  id: z.int(),\n  name: z.string(),\n  tag: z.string().optional(),\n});"
    assert pet in text
    assert "  listPets: {\n    query: z.object({\n      limit: z.coerce.number().int().max(100).optional(),\n" in text
    assert "  showPetById: {\n    param: z.object({\n      petId: z.string(),\n    }),\n  }," in text


def test_a_document_split_over_files_is_rendered_from_the_files_the_verifier_read() -> None:
    """The Redocly starter keeps its path items, parameters and schemas in 40 files: read as the verifier reads it
    (relative `$ref`s followed below its folder), it renders — or stops at the first thing outside the subset, in
    whichever file that is; never at a `$ref` it could have followed."""
    text, references = _from_disk(CORPUS / "redocly-starter", "openapi/openapi.yaml", "openapi")
    spec = load_openapi(text, references)
    assert spec.errors == () and spec.referenced
    try:
        rendered = zod_gen.render_spec(spec)
    except zod_gen.Unsupported as refused:
        assert "did not read" not in refused.reason and "not local" not in refused.reason, refused
        assert any(word in refused.reason for word in ("`allOf`", "`oneOf`", "`anyOf`", "no `type`", "query")), refused
    else:
        assert "export const requests = {\n" in rendered
