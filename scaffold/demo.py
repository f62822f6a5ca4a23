"""`scaffold demo`: the main job end to end in a temporary folder — create a platform, generate a service,
install and test the generated TypeScript, verify, and print what still needs a human."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from scaffold import pnpm
from scaffold.cli import main as scaffold


def _step(message: str) -> float:
    print(f"\n==> {message}", flush=True)
    return time.perf_counter()


def _done(started: float) -> None:
    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)


def run_demo(*, keep: bool, install: bool) -> int:
    folder = Path(tempfile.mkdtemp(prefix="scaffold-demo-"))
    platform_dir = folder / "platform"
    try:
        started = _step(f"scaffold init {platform_dir} --defaults")
        if scaffold(["init", str(platform_dir), "--name", "platform", "--defaults", "--no-verify"]) != 0:
            return 1
        _done(started)
        started = _step("scaffold new service billing --defaults")
        if scaffold(["new", "service", "billing", "--repo", str(platform_dir), "--defaults", "--no-verify"]) != 0:
            return 1
        _done(started)
        if install:
            for args in (["install"], ["-r", "typecheck"], ["-r", "test"]):
                started = _step(f"pnpm {' '.join(args)}")
                pnpm.run(args, platform_dir)
                _done(started)
        started = _step("scaffold verify (summary) — then the items left for a human")
        status = scaffold(["verify", str(platform_dir), "--format", "text", "--summary"])
        _done(started)
        print(f"\nThe platform is in {platform_dir}" if keep else "")
        return status
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
