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


def median_seconds(command: list[str], runs: int, prepare: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    scaffold, copier = _bin("scaffold"), _bin("copier")

    help_scaffold = median_seconds([scaffold, "--help"], runs)
    help_copier = median_seconds([copier, "--help"], runs)
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

        copier_copy = median_seconds(
            [
                copier,
                "copy",
                "--defaults",
                "--quiet",
                "--data",
                "kind=service",
                "--data",
                "name=billing",
                str(template),
                str(copy_target),
            ],
            runs,
            fresh_copy_target,
        )
        generate = median_seconds(
            [scaffold, "new", "service", "billing", "--defaults", "--repo", str(platform)], runs, fresh_platform
        )
        generate_no_verify = median_seconds(
            [scaffold, "new", "service", "billing", "--defaults", "--no-verify", "--repo", str(platform)],
            runs,
            fresh_platform,
        )
    print(
        f"new service: copier copy {copier_copy * 1000:.0f} ms; scaffold (with registry edits and pages) "
        f"{generate_no_verify * 1000:.0f} ms, ratio {generate_no_verify / copier_copy:.2f} (target ≤ 1.20); "
        f"with the closing verify {generate * 1000:.0f} ms, ratio {generate / copier_copy:.2f}"
    )


if __name__ == "__main__":
    main()
