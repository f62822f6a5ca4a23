"""`scaffold new service NAME`."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive
from scaffold.errors import ScaffoldError


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = kinds.add_parser(
        "service",
        help="a new service under services/NAME",
        description="Generate services/NAME (Hono app, openapi.yaml, migrations, tests, infra.ts, RUNBOOK, SDK) and "
        "register it in sst.config.ts, the catalog, EVENT_SCHEMAS and the scope registry. Asks for what is missing "
        "on a terminal; with --defaults (or without a terminal) it uses the defaults.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="kebab-case, e.g. care-plans")
    parser.add_argument("--description", help="one line on what the service does")
    parser.add_argument("--owner", help="owning team (default: platform-team)")
    parser.add_argument("--on-call", dest="on_call", help="on-call rotation (default: platform-oncall)")
    parser.add_argument("--resource", help="first resource, singular snake_case (default: item)")
    parser.add_argument(
        "--returns-phi",
        dest="returns_phi",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read routes return PHI (adds the BAA gate); default: no",
    )
    parser.add_argument("--port", type=int, help="local port (default: the next free one)")
    generator_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, open_platform, print_todo, say_pnpm_install
    from scaffold.generators.service import ServiceAnswers, next_free_port, plan_service, validate_name

    settings = open_platform(Path(args.repo))
    asking = interactive(args)
    name = args.name
    if not name and asking:
        from scaffold.generators import questions

        name = questions.text("Service name (kebab-case)", check=lambda v: validate_name(v, settings.root))
    if not name:
        raise ScaffoldError("a service name is required: `scaffold new service NAME`")
    validate_name(name, settings.root)

    defaults = {
        "description": f"The {name} service.",
        "owner": "platform-team",
        "on_call": "platform-oncall",
        "resource": "item",
        "returns_phi": False,
        "port": next_free_port(settings.root, name),
    }
    given = {key: getattr(args, key) for key in defaults}
    if asking:
        from scaffold.generators import questions

        given = questions.ask_service(settings.root, name, given, defaults)
    values = {key: defaults[key] if value is None else value for key, value in given.items()}
    answers = ServiceAnswers(name=name, **values)  # type: ignore[arg-type]
    changes = plan_service(settings, answers)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold new service {name}"):
        say_pnpm_install(settings.root, f"services/{name}")
        if not args.no_verify:
            print_todo(settings.root, f"services/{name}")
    return 0
