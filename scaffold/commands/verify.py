"""`scaffold verify [PATH]` and `scaffold attest ID`."""

from __future__ import annotations

import argparse

from scaffold.verify.reporters import FORMATS

KINDS = ("service", "endpoint", "event", "job", "integration", "repo")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    verify = commands.add_parser(
        "verify",
        help="check the ready-to-ship checklist",
        description="Decide every checklist item over a platform repo, or one service/integration/job folder. "
        "Exit status: 0 nothing fails, 1 something fails (with --strict also while human/evidence items are "
        "open), 2 usage error.",
    )
    verify.add_argument("path", nargs="?", default=".", metavar="PATH", help="platform root or a subject folder")
    verify.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="ID",
        help="IDs or prefixes (SVC-DB, EVT-03); repeat or comma-separate",
    )
    verify.add_argument("--kind", action="append", default=[], choices=KINDS, help="only checks over this kind")
    verify.add_argument("--format", default=None, choices=FORMATS, help="default: text (json with --shard)")
    verify.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    verify.add_argument(
        "--summary",
        action="store_true",
        help="text format: only the summary and the items left for a human or outside evidence",
    )
    verify.add_argument("--strict", action="store_true", help="also exit 1 while human or evidence items are open")
    verify.add_argument(
        "--fix", action="store_true", help="regenerate what is derivable (pages, EVENT_NAMES, registries)"
    )
    verify.add_argument("--dry-run", action="store_true", help="with --fix: show the diff, write nothing")
    verify.add_argument("--probe", action="store_true", help="also probe /healthz on each stage's hostname")
    verify.add_argument(
        "--probe-url",
        action="append",
        default=[],
        metavar="SERVICE:STAGE=URL",
        help="probe this base URL instead of the hostname infra.ts declares (repeatable)",
    )
    verify.add_argument(
        "--shard",
        metavar="K/N",
        help="decide only the K-th of N stable shares of the subjects and write a JSON report; "
        "`scaffold report merge` combines the N reports into the single run's report",
    )
    verify.add_argument(
        "--changed-since",
        metavar="REF",
        help="decide only the subjects whose files differ from commit REF (working tree included), and every "
        "repo-level item; a changed shared file (registries, catalog, packages/, sst.config.ts) decides everything",
    )
    verify.add_argument("--no-cache", action="store_true", help="recompute everything (ignore .scaffold/cache)")
    verify.set_defaults(handler=run_verify)

    attest = commands.add_parser(
        "attest",
        help="record a sign-off, evidence or a waiver",
        description="Record in .scaffold/attestations.yaml who decided an item, when and why. The record is bound to "
        "a hash of the files the item covers: when they change, verify reports it as stale. Recording the same ID, "
        "subject and kind again replaces the earlier record. A sign-off is refused for a bot, for an author of the "
        "change when the item needs another reviewer, and when the item asks for none; a waiver only while the "
        "item fails, and it covers only the failures of that moment.",
    )
    attest.add_argument("id", metavar="ID")
    attest.add_argument("--subject", help="e.g. service:billing (default: the repo, or the only subject)")
    attest.add_argument(
        "--by", help="who decides, e.g. 'Dana Reviewer <dana@example.com>' (default: your git user.name and user.email)"
    )
    attest.add_argument("--note", help="why (a sign-off's default: what the item asks, confirmed; waivers need one)")
    attest.add_argument("--evidence", metavar="LINK", help="record outside evidence (a deploy, a CI run) at LINK")
    attest.add_argument("--waive", action="store_true", help="waive a failing item (needs --ticket and --expires)")
    attest.add_argument("--ticket", help="ticket tracking a waiver")
    attest.add_argument("--expires", help="expiry date, YYYY-MM-DD")
    attest.add_argument("--link", help="a link for the record")
    attest.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    attest.set_defaults(handler=run_attest)


def run_verify(args: argparse.Namespace) -> int:
    from scaffold.verify.cli import run_verify as run

    return run(args)


def run_attest(args: argparse.Namespace) -> int:
    from scaffold.verify.cli import run_attest as run

    return run(args)
