"""What the command modules share: one-line usage errors, the generator flags, and when to ask questions."""

from __future__ import annotations

import argparse
import os
import sys

from scaffold.errors import ScaffoldError


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ScaffoldError(f"{message} (see `{self.prog} --help`)")


def generator_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    parser.add_argument("--defaults", action="store_true", help="ask nothing; use defaults for what is not given")
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff of every change; write nothing")
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier run at the end")


def interactive(args: argparse.Namespace) -> bool:
    """Ask questions only on a terminal, never in CI, never with --defaults."""
    return not args.defaults and sys.stdin.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")
