"""`scaffold new job NAME`."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive, sdk_flag, stale_sdk_status
from scaffold.errors import ScaffoldError


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = kinds.add_parser(
        "job",
        help="a new scheduled job and the admin endpoint it calls",
        description="Add a scheduled job: its JobDefinition in services/jobs/src/jobs/registry.ts, an idempotent "
        "admin endpoint in the target service (route, openapi operation, test, SDK schema), the jobs M2M client, "
        "and a RUNBOOK.md section. services/jobs/infra.ts gives every job its schedule, URL secret and failure "
        "alarm. Asks for what is missing on a terminal; with --defaults (or without a terminal) it uses the defaults.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="kebab-case, e.g. nightly-cleanup")
    parser.add_argument(
        "--schedule",
        help="EventBridge `cron(0 3 * * ? *)` / `rate(15 minutes)`, or a five-field "
        "cron `0 3 * * *`; UTC (default: cron(0 3 * * ? *), 03:00 every day)",
    )
    parser.add_argument("--target", help="the service whose admin endpoint it calls (default: the only service)")
    parser.add_argument("--description", help="one line on what the job does")
    parser.add_argument(
        "--alarm-after", dest="alarm_after", type=int, help="page after this many failed runs in a row (default: 3)"
    )
    generator_flags(parser)
    sdk_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, open_platform, print_todo
    from scaffold.generators.free_text import check_line
    from scaffold.generators.job import (
        DEFAULT_SCHEDULE,
        JobAnswers,
        default_target,
        normalise_schedule,
        plan_job,
        validate_name,
    )
    from scaffold.sdk_gen import openapi_typescript
    from scaffold.verify.model import Kind

    settings = open_platform(Path(args.repo))
    asking = interactive(args)
    name = args.name
    if not name and asking:
        from scaffold.generators import questions

        name = questions.text("Job name (kebab-case)", check=validate_name)
    if not name:
        raise ScaffoldError("a job name is required: `scaffold new job NAME`")
    validate_name(name)

    schedule, target, description = args.schedule, args.target, args.description
    if asking:
        from scaffold.generators import questions

        schedule = schedule or questions.text(
            "Schedule (UTC; cron(m h dom mon dow y), rate(...), or `m h dom mon dow`)",
            DEFAULT_SCHEDULE,
            normalise_schedule,
        )
        target = target or questions.service(settings.root, "Target service", default_target(settings.root))
        description = description or questions.text(
            "What does it do (one line)?", check=lambda v: check_line("what the job does", v)
        )
    target = target or default_target(settings.root)
    if target is None:
        raise ScaffoldError("which service does the job call? pass --target SERVICE (the platform has several)")
    answers = JobAnswers(
        name=name,
        schedule=normalise_schedule(schedule or DEFAULT_SCHEDULE),
        target=target,
        summary=description or f"Runs the {name} task of the {target} service through its admin endpoint.",
        consecutive_failures=3 if args.alarm_after is None else args.alarm_after,
    )
    changes = plan_job(settings, answers)
    written = finish(changes, dry_run=args.dry_run, what=f"scaffold new job {name}")
    status = 0
    if written and openapi_typescript(settings.root, target) is None:
        status = stale_sdk_status(target, no_sdk=args.no_sdk)
    if written and not args.no_verify:
        print_todo(settings.root, None, kinds=(Kind.JOB,))
    return status
