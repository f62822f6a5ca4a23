"""Do the verifier's two speed hacks still pay for themselves now that an everyday run is incremental?

- The JSON reporter laid the report out by hand instead of `json.dumps(indent=2)`, which takes the json module's
  pure-Python encoder: measured at 84 ms against 98 ms on the 200-service corpus's 12,838 findings, it no longer
  paid for itself and went; what indentation costs is still printed.
- OpenAPI validation reads documents through scaffold's subclass of jsonschema-path's accessor
  (`openapi_validation._OncePerPathAccessor`, with five libraries pinned to exact versions) inside a validator that
  also prefilters with jsonschema-rs and remembers schemas that passed. Timed per document over the corpus's
  OpenAPI documents: scaffold's validator as shipped; the same without the accessor subclass (the library's own
  accessor); and openapi-spec-validator as shipped. An edit to one openapi.yaml re-validates one document, a cold
  run every document.

Run: python bench/bench_hacks.py [--services 200] (after bench/bench_verify.py built the corpus).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(repeat: int, function: object) -> float:
    assert callable(function)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def json_figures(corpus: Path) -> None:
    """What the JSON report's indentation costs: `render_json` (json.dumps, indent=2: the pure-Python encoder)
    against the same document without indentation (the C encoder). The hand layout it replaced took 84 ms against
    json.dumps' 98 ms on these 12,838 findings (2026-12-04)."""
    from scaffold.verify import reporters
    from scaffold.verify.engine import run_checks

    findings = run_checks(corpus)
    indented = best_of(5, lambda: reporters.render_json(findings))
    document = json.loads(reporters.render_json(findings))
    compact = best_of(5, lambda: json.dumps(document, ensure_ascii=False))
    print(f"JSON report, {len(findings):,} findings: render_json (indent=2) {indented * 1000:.0f} ms, "
          f"unindented {compact * 1000:.0f} ms")  # fmt: skip


def openapi_figures(corpus: Path, documents: int) -> None:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    from scaffold.parsers import manifests, openapi_validation

    paths = sorted(corpus.glob("services/*/openapi.yaml"))[:documents]
    loaded: list[Any] = [manifests.load_yaml(path.read_text(encoding="utf-8")).data for path in paths]
    version = str(loaded[0].get("openapi", "3.1"))[:3]
    fast = openapi_validation.spec_validator_class(version)
    stock_class = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}[version]
    # scaffold's validator with the library's own accessor: the same class minus `_OncePerPathDocument`
    plain = type(
        "PlainAccessor",
        (stock_class,),
        {k: v for k, v in vars(fast).items() if k in ("schema_validator", "keyword_validators")},
    )

    def run(validator_class: type, document: Any) -> int:
        return sum(1 for _ in validator_class(document).iter_errors())

    rows = []
    for name, validator_class in (("scaffold's validator", fast), ("  without the accessor subclass", plain),
                                  ("openapi-spec-validator as shipped", stock_class)):  # fmt: skip
        run(validator_class, loaded[0])  # warm: imports, compiled schemas
        per_document = [best_of(3, lambda d=d, c=validator_class: run(c, d)) for d in loaded]  # type: ignore[misc]
        errors = sum(run(validator_class, d) for d in loaded)
        rows.append((name, statistics.median(per_document), sum(per_document), errors))
    print(f"OpenAPI {version} validation over {len(loaded)} generated documents (best of 3 each):")
    for name, median, total, errors in rows:
        print(f"  {name:<36} median {median * 1000:6.1f} ms a document, {total:5.2f} s all, {errors} errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--documents", type=int, default=40)
    args = parser.parse_args()
    corpus = ROOT / ".bench" / f"platform-{args.services}"
    if not corpus.is_dir():
        raise SystemExit(f"no corpus at {corpus}: run bench/bench_verify.py first")
    json_figures(corpus)
    openapi_figures(corpus, args.documents)


if __name__ == "__main__":
    main()
