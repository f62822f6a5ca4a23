"""Times `scaffold verify` over a synthetic monorepo of 200 generated services: cold (no cache) and warm
(unchanged tree), whole-process medians. Targets on the 2-core machine: ≤ 2 s cold, ≤ 0.3 s warm.

Run: python bench/bench_verify.py [--services 200] [--runs 5]. The corpus is generated once with scaffold's own
generator into .bench/ (kept between runs; delete it to rebuild).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ".scaffold/cache"


def build_corpus(target: Path, services: int) -> None:
    from scaffold.generators.base import open_platform
    from scaffold.generators.init import InitAnswers, plan_init
    from scaffold.generators.service import ServiceAnswers, plan_service

    plan_init(target, InitAnswers("bench", templates_url=None)).apply()  # no update source: never updated
    settings = open_platform(target)
    for number in range(services):
        name = f"svc{number:03d}"
        answers = ServiceAnswers(name, f"Synthetic service {number}.", "team-a", "rota-a", port=3000 + number)
        plan_service(settings, answers).apply()
        if (number + 1) % 25 == 0:
            print(f"  generated {number + 1}/{services} services", file=sys.stderr, flush=True)


def timed(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, all of its processes) and exit status of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = ROOT / ".bench" / f"platform-{args.services}"
    if not (corpus / ".scaffold/platform.yaml").is_file():
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.parent.mkdir(exist_ok=True)
        print(f"building a corpus of {args.services} services in {corpus} (once)…", file=sys.stderr)
        build_corpus(corpus, args.services)
    files = sum(1 for p in corpus.rglob("*") if p.is_file())
    command = [sys.executable, "-m", "scaffold.cli", "verify", str(corpus), "--format", "json"]

    cold, cold_cpu, warm, status = [], [], [], 0
    for _ in range(args.runs):
        shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
        seconds, cpu, status = timed(command)
        cold.append(seconds)
        cold_cpu.append(cpu)
        seconds, _, _ = timed(command)
        warm.append(seconds)
    print(
        f"verify {args.services} services ({files} files): cold {statistics.median(cold):.2f} s (target ≤ 2.0; "
        f"{statistics.median(cold_cpu):.1f} s of CPU on {os.cpu_count()} cores), "
        f"warm {statistics.median(warm):.3f} s (target ≤ 0.30); exit status {status}"
    )


if __name__ == "__main__":
    main()
