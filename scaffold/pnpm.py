"""Running pnpm on a generated platform (the demo and the end-to-end tests): one shared store keeps repeat
installs of the same dependency set well under a few seconds (docs/STACK.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scaffold import terminal
from scaffold.errors import ScaffoldError

PNPM_VERSION = "12.4.2"


def store_dir() -> str:
    return os.environ.get("SCAFFOLD_PNPM_STORE") or str(Path.home() / ".cache" / "scaffold-pnpm-store")


def pnpm_executable() -> str:
    local = Path(__file__).resolve().parent.parent / ".tools" / "bin" / "pnpm"
    found = str(local) if local.is_file() else shutil.which("pnpm")
    if found is None:
        raise ScaffoldError(f"pnpm is not installed; `npm i -g pnpm@{PNPM_VERSION}` (or run scripts/bootstrap)")
    return found


def run(args: list[str], cwd: Path, *, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `pnpm ARGS` in `cwd`; install gets the shared store. Raises ScaffoldError with the tail of the output."""
    command = [pnpm_executable(), *args]
    if args and args[0] == "install":
        command += ["--store-dir", store_dir(), "--reporter=append-only"]
    # Output is captured: ask for no colour (vitest and pnpm otherwise colour even a pipe), and strip what is left.
    # (FORCE_COLOR beside NO_COLOR makes Node print a warning of its own, so it goes.)
    environment = {key: value for key, value in os.environ.items() if key != "FORCE_COLOR"} | {"NO_COLOR": "1"}
    result = subprocess.run(command, cwd=cwd, text=True, capture_output=True, check=False, env=environment)
    if result.returncode != 0:
        output = terminal.strip_escapes(result.stdout + result.stderr)
        tail = "\n".join(output.strip().splitlines()[-40:])
        raise ScaffoldError(f"`pnpm {' '.join(args)}` failed in {cwd} (exit {result.returncode}):\n{tail}")
    return result
