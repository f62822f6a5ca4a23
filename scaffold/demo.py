"""`scaffold demo`: the main job end to end in a temporary folder — create a platform, generate a service,
install and test the generated TypeScript, verify, and print what still needs a human."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from scaffold import pnpm
from scaffold.cli import main as scaffold
from scaffold.errors import ScaffoldError


def _step(message: str) -> float:
    print(f"\n==> {message}", flush=True)
    return time.perf_counter()


def _done(started: float) -> None:
    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)


def run_demo(*, keep: bool, install: bool) -> int:
    """0 when every step succeeded and verify found no failure. A failing step keeps the platform (whatever `keep`
    says) and says where, so the failure can be looked at."""
    folder = Path(tempfile.mkdtemp(prefix="scaffold-demo-"))
    platform_dir = folder / "platform"
    status = 1
    try:
        status = _steps(platform_dir, install=install)
    except ScaffoldError as error:
        print(f"scaffold demo: {error}", file=sys.stderr)
    finally:
        if status != 0:
            print(f"scaffold demo: failed; the platform is kept in {platform_dir} to look at", file=sys.stderr)
        elif keep:
            print(f"\nThe platform is in {platform_dir}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return status


def _steps(platform_dir: Path, *, install: bool) -> int:
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
    return status
