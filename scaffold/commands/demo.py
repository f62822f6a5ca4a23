"""`scaffold demo`."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo",
        help="create a platform in a temp folder, add a service, verify it",
        description="The main job end to end in a temporary folder: scaffold init, scaffold "
        "new service billing, pnpm install / typecheck / test, scaffold verify, and the list "
        "of what still needs a human.",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-install", action="store_true", help="skip pnpm install / typecheck / tests")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.demo import run_demo

    return run_demo(keep=args.keep, install=not args.no_install)
