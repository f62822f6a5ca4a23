"""Times `scaffold verify` over a synthetic monorepo of generated services, whole-process medians of runs taken turn
about (the machine is shared: every figure comes with its CPU seconds, which load moves less than wall time):

- cold: no cache;
- warm: unchanged tree, the whole-report cache;
- one file edited in one service: the whole-report cache misses, so this is a cold run again;
- `--changed-since HEAD` with that one service changed, no cache;
- `--shard K/3` for K = 1..3 (the slowest shard is what a CI matrix waits for) and `scaffold report merge`, whose
  output is compared byte for byte with the single run's in every format.

Run: python bench/bench_verify.py [--services 200] [--runs 3]. The corpus is generated once with scaffold's own
generator into .bench/ and committed to a git repo there (kept between runs; delete it to rebuild).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ".scaffold/cache"
FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
SCAFFOLD = [sys.executable, "-m", "scaffold.cli"]


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


def commit_corpus(corpus: Path) -> None:
    if not (corpus / ".git").exists():
        subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=corpus, check=True)
        subprocess.run([*GIT, "add", "-A"], cwd=corpus, check=True)
        subprocess.run([*GIT, "commit", "-q", "-m", "corpus"], cwd=corpus, check=True)


def timed(command: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system, all of its processes), peak RSS (KiB) and exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, usage.ru_maxrss, process.returncode


class Figures:
    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.rss: dict[str, list[int]] = {}

    def add(self, name: str, wall: float, cpu: float, rss: int = 0) -> None:
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)
        self.rss.setdefault(name, []).append(rss)

    def line(self, name: str, goal: str) -> str:
        wall, cpu = statistics.median(self.wall[name]), statistics.median(self.cpu[name])
        spread = f"{min(self.wall[name]):.2f}–{max(self.wall[name]):.2f}"
        return f"  {name:<44} {wall:6.2f} s wall ({spread}), {cpu:5.2f} s CPU   goal {goal}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, default=3)
    args = parser.parse_args()
    corpus = ROOT / ".bench" / f"platform-{args.services}"
    if not (corpus / ".scaffold/platform.yaml").is_file():
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.parent.mkdir(exist_ok=True)
        print(f"building a corpus of {args.services} services in {corpus} (once)…", file=sys.stderr)
        build_corpus(corpus, args.services)
    commit_corpus(corpus)
    # One moment for every run: DEPLOY-04's message names the minute it was decided at, and the merged shards are
    # compared byte for byte with a single run made later.
    os.environ["SCAFFOLD_NOW"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    files = sum(1 for p in corpus.rglob("*") if p.is_file() and ".git" not in p.parts)
    verify = [*SCAFFOLD, "verify", str(corpus)]
    edited = corpus / "services/svc007/src/app.ts"
    original = edited.read_bytes()
    figures = Figures()
    peak = 0
    identical = True
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for run in range(args.runs):
            shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
            wall, cpu, rss, status = timed([*verify, "--format", "json"])
            figures.add("cold", wall, cpu, rss)
            peak = max(peak, rss)
            wall, cpu, _, _ = timed([*verify, "--format", "json"])
            figures.add("warm, unchanged tree", wall, cpu)
            try:
                edited.write_bytes(original + f"// edit {run}\n".encode())
                wall, cpu, _, _ = timed([*verify, "--format", "json"])
                figures.add("one file edited in one service (report cache)", wall, cpu)
                wall, cpu, _, _ = timed([*verify, "--format", "json", "--no-cache", "--changed-since", "HEAD"])
                figures.add("--changed-since HEAD, one service changed", wall, cpu)
            finally:
                edited.write_bytes(original)
            slowest, total_cpu = 0.0, 0.0
            for index in range(1, args.shards + 1):
                report = out / f"shard-{index}.json"
                command = [*verify, "--no-cache", "--shard", f"{index}/{args.shards}", "-o", str(report)]
                wall, cpu, _, _ = timed(command)
                slowest, total_cpu = max(slowest, wall), total_cpu + cpu
            figures.add(f"slowest of {args.shards} shards", slowest, total_cpu)
            shards = [str(out / f"shard-{index}.json") for index in range(1, args.shards + 1)]
            if run == 0:  # byte-identity, every format, once
                for fmt in FORMATS:
                    single, merged = out / f"single.{fmt}", out / f"merged.{fmt}"
                    timed([*verify, "--no-cache", "--format", fmt, "-o", str(single)])
                    wall, cpu, _, _ = timed([*SCAFFOLD, "report", "merge", *shards, "--format", fmt, "-o", str(merged)])
                    figures.add("report merge", wall, cpu)
                    identical = identical and single.read_bytes() == merged.read_bytes()
    cold = statistics.median(figures.wall["cold"])
    print(f"scaffold verify, {args.services} services ({files} files), exit status {status}; medians of {args.runs}")
    print(f"  {datetime.date.today()}, {platform.node()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")
    print(figures.line("cold", "≤ 0.25× Spectral + squawk (Spectral not installed here: not measured)"))
    print(f"  {'':<44} peak memory {peak / 1024:.0f} MB")
    print(figures.line("warm, unchanged tree", "—"))
    print(figures.line("one file edited in one service (report cache)", "≤ 0.4 s"))
    print(figures.line("--changed-since HEAD, one service changed", "≤ 1.0 s"))
    print(figures.line(f"slowest of {args.shards} shards", f"(CPU: all {args.shards} shards) —"))
    print(figures.line("report merge", "—"))
    print(f"  shards merged: {'byte-identical' if identical else 'DIFFERENT'} to one run in {', '.join(FORMATS)}"
          f"   goal byte-identical; cold {cold:.2f} s")


if __name__ == "__main__":
    main()
