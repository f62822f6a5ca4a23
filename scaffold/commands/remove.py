"""`scaffold remove KIND NAME`: take out what `scaffold new KIND NAME` added (scaffold/generators/remove.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("service", "event", "job", "endpoint", "integration")  # scaffold/generators/remove.py KINDS, kept light


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "remove",
        help="take out a generated service, event, job, endpoint or integration",
        description="The inverse of `scaffold new KIND NAME`: every registry entry, page and file the generator "
        "added, all or nothing, plus a changeset saying what was removed. Refuses when something else still "
        "depends on it (a subscriber of the event, code that names it).",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("name", metavar="NAME", help="what to remove, as it was generated (e.g. invoice.paid)")
    parser.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff of every change; write nothing")
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier run at the end")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, open_platform, print_todo
    from scaffold.generators.remove import plan_remove

    settings = open_platform(Path(args.repo))
    changes = plan_remove(settings, args.kind, args.name)
    if finish(changes, dry_run=args.dry_run, what=f"remove {args.kind} {args.name}") and not args.no_verify:
        print_todo(settings.root, None)
    return 0
