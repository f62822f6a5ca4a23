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


def sdk_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-sdk",
        dest="no_sdk",
        action="store_true",
        help="without node_modules, accept that the service's SDK schema is stale (SVC-SDK-01) and exit 0; "
        "regenerate it later with `pnpm sdk:gen`",
    )


def stale_sdk_status(service: str, *, no_sdk: bool) -> int:
    """The exit status once a generator changed a service's openapi.yaml but could not regenerate its SDK (no
    node_modules yet). A zero exit would let a script or CI job chain generators over a tree whose SVC-SDK-01 fails
    without anyone being told; --no-sdk says "I know, I will run sdk:gen later"."""
    fix = f"`pnpm install && pnpm --filter @platform/{service}-service sdk:gen`"
    schema = f"services/{service}/sdk/src/schema.ts"
    if no_sdk:
        print(f"note: {schema} is stale (--no-sdk): run {fix} before committing (SVC-SDK-01)", file=sys.stderr)
        return 0
    print(
        f"scaffold: {schema} is stale, so SVC-SDK-01 fails (no node_modules to regenerate it with): run {fix}, then "
        "`scaffold verify`; or pass --no-sdk to accept it for now (exit status 1: the files above were written)",
        file=sys.stderr,
    )
    return 1
