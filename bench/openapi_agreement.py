"""Compare scaffold's OpenAPI validity verdicts with stock openapi-spec-validator over a folder of documents.

    python bench/openapi_agreement.py FOLDER [--labels]

Every *.yaml / *.yml / *.json below FOLDER is loaded by `scaffold.parsers.openapi.load_openapi` (no location is
given, so a relative `$ref` is reported, not followed) and by the library's own validator for its version. Prints
how many verdicts agree, then each document where they differ, with scaffold's first errors and their kinds. With
`--labels`, a document under a folder named `fail` is expected to be invalid and one under `pass` valid (the
OpenAPI Initiative's schema tests are laid out so), and disagreements with the label are printed too.

Documents stay where they are: nothing is copied into the repo (their licences are their projects')."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator, OpenAPIV32SpecValidator

from scaffold.parsers.openapi import load_openapi

LIBRARY = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator, "3.2": OpenAPIV32SpecValidator}


def library_verdict(text: str) -> str:
    """"valid", "invalid", "unsupported" or "raised <Error>", as stock openapi-spec-validator decides."""
    try:
        data = yaml.safe_load(text)
        validator = LIBRARY.get(str(data.get("openapi", ""))[:3]) if isinstance(data, dict) else None
        if validator is None:
            return "unsupported"
        return "invalid" if any(True for _ in validator(data).iter_errors()) else "valid"
    except Exception as error:  # the library's own failures are what this measures
        return f"raised {type(error).__name__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--labels", action="store_true", help="folders named pass/fail say what to expect")
    arguments = parser.parse_args()
    documents = sorted(p for p in arguments.folder.rglob("*") if p.suffix in {".yaml", ".yml", ".json"})
    agree, started, lines = 0, time.perf_counter(), []
    for path in documents:
        text = path.read_text(encoding="utf-8", errors="replace")
        spec = load_openapi(text)
        ours = "valid" if not spec.errors else "invalid"
        theirs = library_verdict(text)
        agree += (ours == "valid") == (theirs == "valid")
        parts = path.relative_to(arguments.folder).parts
        label = "invalid" if "fail" in parts else "valid" if "pass" in parts else None
        if (ours == "valid") != (theirs == "valid") or (arguments.labels and label and label != ours):
            said = "; ".join(f"[{e.kind}] line {e.line}: {e.message[:100]}" for e in spec.errors[:2])
            lines.append(f"{path.relative_to(arguments.folder)}: scaffold {ours}, library {theirs}, label {label}")
            lines.append(f"    {said}" if said else "    (no errors)")
    seconds = time.perf_counter() - started
    print(f"{len(documents)} documents in {seconds:.1f} s; verdicts agree with openapi-spec-validator on {agree}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
