"""`scaffold explain ID` and `scaffold checklist`: the check catalogue for people."""

from __future__ import annotations

import argparse

from scaffold.errors import ScaffoldError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    explain = commands.add_parser(
        "explain",
        help="what a check does, why, and how to fix it",
        description="Print a checklist item's documentation: what the check does, why it "
        "matters, how to fix a failure, and whether `scaffold verify --fix` can.",
    )
    explain.add_argument("id", metavar="ID", help="a checklist ID, e.g. SVC-CODE-04")
    explain.set_defaults(handler=run_explain)
    checklist = commands.add_parser(
        "checklist",
        help="list every checklist item and its mode",
        description="List every checklist item by section, with its mode.",
    )
    checklist.set_defaults(handler=run_checklist)


def run_explain(args: argparse.Namespace) -> int:
    from scaffold.checks import catalogue

    check = catalogue().get(args.id.upper())
    if check is None:
        raise ScaffoldError(f"unknown checklist ID {args.id!r}; `scaffold checklist` lists them")
    print(f"{check.id}  {check.title}")
    print(f"section: {check.section}   mode: {check.mode}   runs over: each {check.kind.value}")
    print(f"--fix: {'yes' if check.fixable else 'no'}\n")
    print(f"What it does\n  {check.doc.what}\n\nWhy it matters\n  {check.doc.why}\n\nHow to fix\n  {check.doc.fix}")
    return 0


def run_checklist(args: argparse.Namespace) -> int:
    from scaffold.checks import catalogue

    section = None
    for check in catalogue().values():
        if check.section != section:
            section = check.section
            print(f"\n{section}")
        print(f"  {check.id:<12} {check.mode:<28} {check.title}")
    return 0
