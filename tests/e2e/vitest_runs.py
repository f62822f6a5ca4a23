"""Runs the generated vitest suites for the end-to-end tests: in file order, and again shuffled with a seed the
failure names, so a test that passes only after its neighbours (shared rows, timing) fails here instead of in a
user's CI. Returns vitest's verbose output."""

from __future__ import annotations

import secrets
from pathlib import Path

from scaffold import pnpm
from scaffold.errors import ScaffoldError


def run_vitest(root: Path, selection: list[str], *files: str, shuffle: bool = False) -> str:
    """`pnpm SELECTION exec vitest run FILES`; `selection` picks the packages (e.g. `["--filter", "@platform/x"]`)."""
    order: list[str] = []
    if shuffle:
        seed = secrets.randbelow(2**31 - 1) + 1
        order = ["--sequence.shuffle", f"--sequence.seed={seed}"]
    try:
        result = pnpm.run([*selection, "exec", "vitest", "run", "--reporter=verbose", *order, *files], root)
    except ScaffoldError as error:
        raise AssertionError(f"vitest failed{' with ' + ' '.join(order) if order else ''}:\n{error}") from error
    return result.stdout + result.stderr
