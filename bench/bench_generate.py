"""Whole-process timings (medians) of scaffold against copier itself:

  scaffold --help                       vs  copier --help                      target ≤ 0.4×
  scaffold new service x --defaults     vs  copier copy of the same template   target ≤ 1.2×

Run: python bench/bench_generate.py [--runs N]. Prints one line per figure; needs no network.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bin(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        sys.exit(f"bench: `{name}` is not installed")
    return found


def run_once(command: list[str], prepare: Callable[[], None] | None = None) -> float:
    if prepare is not None:
        prepare()
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def alternating_medians(
    first: list[str],
    second: list[str],
    runs: int,
    prepare: tuple[Callable[[], None] | None, Callable[[], None] | None] = (None, None),
) -> tuple[float, float]:
    """Median seconds of each command, run turn about so a change in machine load hits both alike."""
    first_times, second_times = [], []
    for _ in range(runs):
        first_times.append(run_once(first, prepare[0]))
        second_times.append(run_once(second, prepare[1]))
    return statistics.median(first_times), statistics.median(second_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    scaffold, copier = _bin("scaffold"), _bin("copier")

    help_scaffold, help_copier = alternating_medians([scaffold, "--help"], [copier, "--help"], runs)
    print(
        f"--help: scaffold {help_scaffold * 1000:.0f} ms, copier {help_copier * 1000:.0f} ms, "
        f"ratio {help_scaffold / help_copier:.2f} (target ≤ 0.40)"
    )

    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as scratch:
        work = Path(scratch)
        template = work / "template"
        (template / "templates").mkdir(parents=True)
        shutil.copy2(ROOT / "copier.yml", template / "copier.yml")
        shutil.copytree(ROOT / "templates" / "service", template / "templates" / "service")
        pristine = work / "pristine"
        subprocess.run(
            [scaffold, "init", str(pristine), "--defaults", "--no-verify"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        platform = work / "platform"
        copy_target = work / "copied"

        def fresh_platform() -> None:
            shutil.rmtree(platform, ignore_errors=True)
            shutil.copytree(pristine, platform)

        def fresh_copy_target() -> None:
            shutil.rmtree(copy_target, ignore_errors=True)

        copy_command = [copier, "copy", "--defaults", "--quiet", "--data", "kind=service", "--data", "name=billing"]
        copy_command += [str(template), str(copy_target)]
        generate = [scaffold, "new", "service", "billing", "--defaults", "--repo", str(platform)]
        preparing = (fresh_copy_target, fresh_platform)
        copier_copy, generate_no_verify = alternating_medians(copy_command, [*generate, "--no-verify"], runs, preparing)
        _, generate_with_verify = alternating_medians(copy_command, generate, runs, preparing)
    print(
        f"new service: copier copy {copier_copy * 1000:.0f} ms; scaffold (with registry edits and pages) "
        f"{generate_no_verify * 1000:.0f} ms, ratio {generate_no_verify / copier_copy:.2f} (target ≤ 1.20); "
        f"with the closing verify {generate_with_verify * 1000:.0f} ms, ratio {generate_with_verify / copier_copy:.2f}"
    )


if __name__ == "__main__":
    main()
