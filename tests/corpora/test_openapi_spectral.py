"""Spectral's `spectral:oas` ruleset against scaffold on the OpenAPI Initiative's documents
(tests/fixtures/corpora/openapi/oai/) and the real-world ones beside them (redocly-*/): where the two validity
verdicts differ, the specification text decides and SPECTRAL_DIFFERS says why. Spectral (@stoplight/spectral-cli,
pinned in scripts/bootstrap, installed into .tools/spectral/) runs for real, once over the whole corpus; a result of
severity "error" makes its verdict "invalid" (warnings and hints are style, not validity).

The list is exact: a new disagreement fails, and so does one that went away."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

import pytest

from scaffold.parsers.openapi import load_openapi
from tests.parsers.test_openapi_corpus import DOCUMENTS as OAI_DOCUMENTS
from tests.parsers.test_openapi_corpus import scaffold_verdict as oai_verdict
from tests.parsers.test_openapi_realworld import CORPUS, _from_disk

# document (below CORPUS) -> the folder its relative `$ref`s may reach (below the document's own folder), or None
REAL_WORLD = {"redocly-starter/openapi/openapi.yaml": "openapi", "redocly-museum/openapi.yaml": None}
DOCUMENTS = [f"oai/{d}" for d in OAI_DOCUMENTS] + list(REAL_WORLD)

SPECTRAL = Path(__file__).parents[2] / ".tools" / "spectral" / "node_modules" / ".bin" / "spectral"

_ARRAY_ITEMS = (
    "Spectral's `array-items` rule wants `items` beside every `type: array`; a 3.1 Schema Object is JSON Schema "
    "2020-12, where `items` is optional (an array of anything), so the specification makes the document valid"
)
_EMPTY_EXAMPLE = (
    "an Example Object with neither `value` nor `externalValue`: the specification makes both optional (only "
    "mutually exclusive), while Spectral's `oas3-valid-media-example` demands a `value`"
)

# document -> (Spectral's verdict, why it is not scaffold's)
_SPECTRAL_DIFFERS_OAI = {
    "v3.1/pass/example-object-examples.yaml": (
        "invalid",
        _EMPTY_EXAMPLE + "; and a string `value` for an application/x-www-form-urlencoded example, which the "
        "specification allows for media types JSON cannot represent (Example Object, `value`)",
    ),
    "v3.1/pass/media-type-examples.yaml": ("invalid", _EMPTY_EXAMPLE),
    "v3.1/pass/header-object-examples.yaml": ("invalid", _ARRAY_ITEMS),
    "v3.1/pass/mega.yaml": ("invalid", _ARRAY_ITEMS),
    "v3.1/pass/parameter-object-examples.yaml": ("invalid", _ARRAY_ITEMS),
    "v3.1/pass/schema.yaml": ("invalid", _ARRAY_ITEMS),
    "v3.1/pass/json_schema_dialect.yaml": (
        "valid",
        "Spectral does not look at `jsonSchemaDialect`; scaffold reports a dialect it cannot check (a "
        "WORK-IN-PROGRESS URI) instead of assuming the schemas valid",
    ),
}
SPECTRAL_DIFFERS = {f"oai/{d}": why for d, why in _SPECTRAL_DIFFERS_OAI.items()} | {
    "redocly-starter/openapi/openapi.yaml": (
        "invalid",
        "Spectral's 3.1 schema flags every Path Item written as a `$ref` to another file ('must not have unevaluated "
        "properties'); the specification allows `$ref` in a Path Item Object, and the files it names are valid — a "
        "known Spectral bug (stoplightio/spectral#2655, fix proposed in #2844)",
    ),
}


def scaffold_verdict(relative: str) -> str:
    if relative.startswith("oai/"):
        return oai_verdict(relative.removeprefix("oai/"))
    folder, document = relative.split("/", 1)
    text, references = _from_disk(CORPUS / folder, document, REAL_WORLD[relative] or "")
    return "invalid" if load_openapi(text, references).errors else "valid"


def _spectral_missing() -> str | None:
    if SPECTRAL.is_file():
        return None
    reason = f"Spectral is not installed at {SPECTRAL} (scripts/bootstrap installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)  # CI installs everything itself: a missing Spectral is a failure there
    return reason


@cache
def spectral_errors(tmp_root: str) -> dict[str, tuple[str, ...]]:
    """document -> the codes of Spectral's error-severity results, from one run over the whole corpus."""
    ruleset = Path(tmp_root) / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    run = subprocess.run(
        [str(SPECTRAL), "lint", "--ruleset", str(ruleset), "--format", "json", "--quiet", "--fail-severity", "error",
         *(str(CORPUS / d) for d in DOCUMENTS)],
        capture_output=True, text=True, timeout=300, cwd=tmp_root,
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]  # 1: some document has errors; anything else: it broke
    errors: dict[str, list[str]] = {d: [] for d in DOCUMENTS}
    for result in json.loads(run.stdout):
        source = Path(result["source"]).resolve().relative_to(CORPUS.resolve()).as_posix()
        # a finding in a file a split document references counts against that document
        document = source if source in errors else next(d for d in REAL_WORLD if source.startswith(d.split("/")[0]))
        if result["severity"] == 0:
            errors[document].append(result["code"])
    return {d: tuple(sorted(set(codes))) for d, codes in errors.items()}


@pytest.fixture(scope="module")
def spectral(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, ...]]:
    reason = _spectral_missing()
    if reason:
        pytest.skip(reason)
    return spectral_errors(str(tmp_path_factory.mktemp("spectral")))


def test_the_differences_name_corpus_documents() -> None:
    assert set(SPECTRAL_DIFFERS) <= set(DOCUMENTS)


@pytest.mark.parametrize("relative", DOCUMENTS)
def test_spectral_agrees_with_scaffold_unless_a_stated_reason_says_otherwise(
    relative: str, spectral: dict[str, tuple[str, ...]]
) -> None:
    spectral_verdict = "invalid" if spectral[relative] else "valid"
    ours = scaffold_verdict(relative)
    if relative in SPECTRAL_DIFFERS:
        assert (spectral_verdict, ours) == (SPECTRAL_DIFFERS[relative][0], _other(spectral_verdict)), spectral[relative]
    else:
        assert spectral_verdict == ours, spectral[relative]


def _other(verdict: str) -> str:
    return "valid" if verdict == "invalid" else "invalid"
