"""`scaffold report merge A.json B.json …`: shard reports into one report."""

from __future__ import annotations

import argparse

from scaffold.verify.reporters import FORMATS


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="work with verify reports", description="Work with verify reports.")
    actions = report.add_subparsers(dest="action", metavar="ACTION", required=True)
    merge = actions.add_parser(
        "merge",
        help="combine the JSON reports of `scaffold verify --shard K/N` into one report",
        description="Combine the JSON reports of every shard of one `scaffold verify --shard K/N` run into the "
        "report the unsharded run writes, byte for byte. Exit status as verify's: 0 nothing fails, 1 something "
        "fails (with the shards' --strict also while human/evidence items are open), 2 usage error.",
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT", help="the shards' JSON reports (any order)")
    merge.add_argument("--format", default="text", choices=FORMATS)
    merge.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    merge.set_defaults(handler=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from scaffold.terminal import wants_color
    from scaffold.verify import reporters
    from scaffold.verify.cli import emit_report, exit_status
    from scaffold.verify.merge import merge_with_owners

    findings, strict, owners = merge_with_owners([Path(path) for path in args.reports])
    color = args.format == "text" and args.output is None and wants_color(sys.stdout)
    report = reporters.render(args.format, findings, color=color, owners=owners)
    return emit_report(args, report, exit_status(findings, strict=strict))
