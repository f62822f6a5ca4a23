"""Times `scaffold verify` over synthetic monorepos of generated services, whole-process medians of runs taken turn
about, each beside Spectral (`spectral:oas` over every service's openapi.yaml) and squawk (over every migration)
timed in the same round on the same files. The machine is shared: every figure comes with its CPU seconds, which
load moves less than wall time, and the load average is printed.

For the first platform size (default 200 services):
- cold: no cache at all;
- warm: unchanged tree, the whole-report cache;
- one TypeScript file edited in one service: the report cache misses, the per-subject results decide that file's
  readers only (scaffold/verify/results.py);
- one registry edited (EVENT_SCHEMAS): every event's checks read it;
- a fresh clone with the cache folder restored from another clone (as CI restores it: another machine, the key
  shared through SCAFFOLD_CACHE_KEY), and the same with only the per-subject results restored;
- `--changed-since HEAD` with one service changed, no cache;
- `--shard K/3` for K = 1..3 and `scaffold report merge`, compared byte for byte with one run in every format.
For every further size (e.g. 2000): cold only, its peak memory, and how it grows against the first size.

Run: python bench/bench_verify.py [--services 200 2000] [--runs 3]. Each corpus is generated once with scaffold's
own generator into .bench/ and committed to a git repo there (kept between runs; delete it to rebuild).
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
sys.path.insert(0, str(ROOT))

from scaffold import platform as layout  # noqa: E402 - the repo's own package, found through ROOT

CACHE_DIR = layout.VERIFY_CACHE_DIR
FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
SCAFFOLD = [sys.executable, "-m", "scaffold.cli"]
SPECTRAL = ROOT / ".tools" / "spectral" / "node_modules" / ".bin" / "spectral"
REGISTRY = layout.EVENT_REGISTRY


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


def corpus_of(services: int) -> Path:
    corpus = ROOT / ".bench" / f"platform-{services}"
    if not (corpus / layout.MARKER).is_file():
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.parent.mkdir(exist_ok=True)
        print(f"building a corpus of {services} services in {corpus} (once)…", file=sys.stderr)
        build_corpus(corpus, services)
    if not (corpus / ".git").exists():
        subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=corpus, check=True)
        subprocess.run([*GIT, "add", "-A"], cwd=corpus, check=True)
        subprocess.run([*GIT, "commit", "-q", "-m", "corpus"], cwd=corpus, check=True)
    return corpus


def timed(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, all of its processes) and peak RSS (KiB) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        _, _status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(_status)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, usage.ru_maxrss


class Figures:
    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.rss: dict[str, list[int]] = {}

    def add(self, name: str, measured: tuple[float, float, int]) -> None:
        wall, cpu, rss = measured
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)
        self.rss.setdefault(name, []).append(rss)

    def median(self, name: str) -> float:
        return statistics.median(self.wall[name])

    def line(self, name: str, goal: str, against: float | None = None) -> str:
        wall, cpu = self.median(name), statistics.median(self.cpu[name])
        spread = f"{min(self.wall[name]):.2f}–{max(self.wall[name]):.2f}"
        ratio = f" = {wall / against:.2f}× Spectral + squawk" if against else ""
        return f"  {name:<50} {wall:6.2f} s wall ({spread}), {cpu:5.2f} s CPU{ratio}   goal {goal}"


def linters(corpus: Path, scratch: Path) -> list[str] | None:
    """The command that runs Spectral then squawk over the corpus's OpenAPI documents and migrations, or None
    when Spectral is not installed (scripts/bootstrap installs it)."""
    from scaffold.parsers.executables import squawk_executable
    from scaffold.parsers.sql import SQUAWK_PG_VERSION

    squawk = squawk_executable()
    if not SPECTRAL.is_file() or squawk is None:
        return None
    ruleset = scratch / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    documents = sorted(str(p) for p in corpus.glob("services/*/openapi.yaml"))
    migrations = sorted(str(p) for p in corpus.glob("services/*/migrations/*.sql"))
    script = scratch / "linters.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'"{SPECTRAL}" lint --ruleset "{ruleset}" --quiet --format json "$@" {" ".join(documents)} > /dev/null\n'
        f'"{squawk}" --reporter json --pg-version={SQUAWK_PG_VERSION} --assume-in-transaction '
        f"{' '.join(migrations)} > /dev/null\n"
        "exit 0\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return [str(script)]


def edited(path: Path, run: int) -> bytes:
    original = path.read_bytes()
    path.write_bytes(original + f"\n// bench edit {run}\n".encode())
    return original


def clone_with_cache(corpus: Path, scratch: Path, name: str, what: str) -> Path:
    """A fresh clone of the corpus, with `what` of its cache folder copied in (as a CI cache is restored)."""
    clone = scratch / name
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run([*GIT, "clone", "-q", str(corpus), str(clone)], check=True)
    shutil.copytree(corpus / what, clone / what)
    return clone


def measure_first(
    corpus: Path, runs: int, shards: int, scratch: Path, env: dict[str, str]
) -> tuple[Figures, float, float]:
    """Every figure of the first size; returns them, the median cold wall time and the linters' median."""
    verify = [*SCAFFOLD, "verify", str(corpus), "--format", "json"]
    services = sorted(path.parent.name for path in corpus.glob("services/*/service.yaml") if path.parent.name != "jobs")
    edited_file = f"services/{services[min(7, len(services) - 1)]}/src/app.ts"  # one service's handler file
    other_machine = {**env, "XDG_CACHE_HOME": str(scratch / "another-machine")}
    lint = linters(corpus, scratch)
    figures = Figures()
    identical = True
    for run in range(runs):
        shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
        figures.add("cold", timed(verify, env=env))
        if lint is not None:
            figures.add("Spectral + squawk, same files", timed(lint, env=env))
        figures.add("warm, unchanged tree", timed(verify, env=env))
        edits = (("one TypeScript file edited in one service", edited_file), ("one registry edited", REGISTRY))
        for name, path in edits:
            original = edited(corpus / path, run)
            try:
                figures.add(name, timed(verify, env=env))
            finally:
                (corpus / path).write_bytes(original)
            timed(verify, env=env)  # back to the committed tree's results
        for name, what in (("fresh clone, cache folder restored", CACHE_DIR),
                           ("fresh clone, per-subject results restored", layout.VERIFY_RESULTS_DIR)):  # fmt: skip
            clone = clone_with_cache(corpus, scratch, "clone", what)
            figures.add(name, timed([*SCAFFOLD, "verify", str(clone), "--format", "json"], env=other_machine))
            shutil.rmtree(clone)
        original = edited(corpus / edited_file, run)
        try:
            command = [*verify, "--no-cache", "--changed-since", "HEAD"]
            figures.add("--changed-since HEAD, one service changed, no cache", timed(command, env=env))
        finally:
            (corpus / edited_file).write_bytes(original)
        slowest, total_cpu = 0.0, 0.0
        for index in range(1, shards + 1):
            report = scratch / f"shard-{index}.json"
            wall, cpu, _ = timed([*verify, "--no-cache", "--shard", f"{index}/{shards}", "-o", str(report)], env=env)
            slowest, total_cpu = max(slowest, wall), total_cpu + cpu
        figures.add(f"slowest of {shards} shards", (slowest, total_cpu, 0))
        if run == 0:  # byte-identity, every format, once
            reports = [str(scratch / f"shard-{index}.json") for index in range(1, shards + 1)]
            for fmt in FORMATS:
                single, merged = scratch / f"single.{fmt}", scratch / f"merged.{fmt}"
                timed([*SCAFFOLD, "verify", str(corpus), "--no-cache", "--format", fmt, "-o", str(single)], env=env)
                merge = [*SCAFFOLD, "report", "merge", *reports, "--format", fmt, "-o", str(merged)]
                figures.add("report merge", timed(merge, env=env))
                identical = identical and single.read_bytes() == merged.read_bytes()
    linted = figures.median("Spectral + squawk, same files") if lint is not None else None
    print(f"  {'cold':<50} peak memory {max(figures.rss['cold']) / 1024:.0f} MB")
    rows = [
        ("cold", "≤ 0.25× Spectral + squawk", linted),
        ("Spectral + squawk, same files", "—", None),
        ("warm, unchanged tree", "—", linted),
        ("one TypeScript file edited in one service", "≤ 0.4 s", linted),
        ("one registry edited", "—", linted),
        ("fresh clone, cache folder restored", "≤ 0.6 s", linted),
        ("fresh clone, per-subject results restored", "≤ 0.6 s", linted),
        ("--changed-since HEAD, one service changed, no cache", "≤ 1.0 s", linted),
        (f"slowest of {shards} shards", f"(CPU: all {shards} shards) —", None),
        ("report merge", "—", None),
    ]
    for name, goal, against in rows:
        if name in figures.wall:
            print(figures.line(name, goal, against))
    if lint is None:
        print("  Spectral or squawk is not installed (scripts/bootstrap installs both): no ratio")
    print(f"  shards merged: {'byte-identical' if identical else 'DIFFERENT'} to one run in {', '.join(FORMATS)}"
          "   goal byte-identical")  # fmt: skip
    return figures, figures.median("cold"), linted or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, nargs="+", default=[200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, default=3)
    args = parser.parse_args()
    # One moment for every run: DEPLOY-04's message names the minute it was decided at, and the merged shards are
    # compared byte for byte with a single run made later. One key shared by "both machines" of the clone figures.
    env = {**os.environ, "SCAFFOLD_NOW": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "SCAFFOLD_CACHE_KEY": "bench: the key CI runners share"}  # fmt: skip
    # As an installed scaffold runs (pip and pipx compile its modules at install): Python's bytecode kept, in a
    # folder of its own so the checkout stays clean, even where the environment says not to write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".bench" / "pycache")
    subprocess.run([*SCAFFOLD, "--version"], env=env, stdout=subprocess.DEVNULL, check=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"scaffold verify; medians of {args.runs}; {datetime.date.today()}, {platform.node()}, {machine}, "
          f"Python {platform.python_version()}")  # fmt: skip
    first_cold = 0.0
    first_size = args.services[0]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for position, services in enumerate(args.services):
            corpus = corpus_of(services)
            files = sum(1 for p in corpus.rglob("*") if p.is_file() and not {".git", "cache"} & set(p.parts))
            print(f"{services} services ({files} files), load {os.getloadavg()[0]:.1f}")
            if position == 0:  # a first run writes the bytecode of every module a run imports
                timed([*SCAFFOLD, "verify", str(corpus), "--no-cache", "--format", "json"], env=env)
                _, first_cold, _ = measure_first(corpus, args.runs, args.shards, scratch, env)
                continue
            figures = Figures()
            for _ in range(max(1, args.runs - 1)):
                shutil.rmtree(corpus / CACHE_DIR, ignore_errors=True)
                figures.add("cold", timed([*SCAFFOLD, "verify", str(corpus), "--format", "json"], env=env))
            lint = linters(corpus, scratch)
            if lint is not None:
                figures.add("Spectral + squawk, same files", timed(lint, env=env))
            linted = figures.median("Spectral + squawk, same files") if lint is not None else None
            growth = figures.median("cold") / first_cold if first_cold else float("nan")
            scale = services / first_size
            print(figures.line("cold", f"≤ {1.1 * scale:.0f}× the {first_size}-service cold run", linted))
            print(f"  {'':<50} = {growth:.1f}× the {first_size}-service cold run for {scale:.0f}× the services")
            print(f"  {'':<50} peak memory {max(figures.rss['cold']) / 1024:.0f} MB   goal ≤ 3 GB")


if __name__ == "__main__":
    main()
