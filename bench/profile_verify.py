"""Where a cold `scaffold verify` of the benchmark corpus spends its time: the phases of one run, and (with
`--per-check`) each check's CPU seconds on one process.

Run after `python bench/bench_verify.py` has built the corpus:

    python bench/profile_verify.py [--services 200] [--per-check]

Phases (seconds from the start of this process): imported, plan start (tree listed, catalogue loaded, subjects
found), units start (the first service decided before forking), units end (both processes done), done (report
rendered and stored). What lies before "units start" and after "units end" is not split between the processes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ".scaffold/cache"


def _mark(label: str) -> None:
    print(f"{time.perf_counter() - STARTED:7.2f} s  {label}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--per-check", action="store_true", help="one process; print each check's CPU seconds")
    args = parser.parse_args()
    corpus = ROOT / ".bench" / f"platform-{args.services}"
    if not (corpus / ".scaffold/platform.yaml").is_file():
        raise SystemExit(f"no corpus at {corpus}: run `python bench/bench_verify.py --services {args.services}`")
    shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
    if args.per_check:
        os.cpu_count = lambda: 1  # the engine then decides everything on this process

    from scaffold.cli import main as scaffold
    from scaffold.verify import engine

    _mark("imported")
    per_check: dict[str, float] = {}  # CPU seconds by check ID
    run_plan, run_units, run_one = engine._run_plan, engine._run_units, engine._run_one

    def timed_plan(*a: object, **k: object) -> object:
        _mark("plan start")
        return run_plan(*a, **k)  # type: ignore[arg-type]

    def timed_units(*a: object, **k: object) -> object:
        _mark(f"units start (process {os.getpid()})")
        decided = run_units(*a, **k)  # type: ignore[arg-type]
        _mark(f"units end (process {os.getpid()})")
        return decided

    def timed_one(check: engine.Check, *a: object) -> object:
        started = time.process_time()
        findings = run_one(check, *a)  # type: ignore[arg-type]
        per_check[check.id] = per_check.get(check.id, 0.0) + time.process_time() - started
        return findings

    engine._run_plan, engine._run_units = timed_plan, timed_units  # type: ignore[assignment]
    if args.per_check:
        engine._run_one = timed_one  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            scaffold(["verify", str(corpus), "--format", "json"])
    finally:
        shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
    _mark("done")
    if args.per_check:
        print(f"checks: {sum(per_check.values()):.2f} s of CPU; the 20 costliest:", file=sys.stderr)
        for check_id, seconds in sorted(per_check.items(), key=lambda item: -item[1])[:20]:
            print(f"  {check_id:<12} {seconds:6.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
