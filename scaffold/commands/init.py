"""`scaffold init DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "init",
        help="create a platform monorepo",
        description="Create a platform monorepo (pnpm workspace, service-kit, contracts, scopes, jobs, sst.config.ts, "
        "catalog, docs) in DIR, which must be new or empty.",
    )
    parser.add_argument("directory", metavar="DIR", help="folder to create (empty or new)")
    parser.add_argument("--name", help="platform name (default: the folder's name)")
    parser.add_argument(
        "--templates-url", help="git URL holding these templates with v<version> tags, for `copier update`"
    )
    generator_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, print_todo
    from scaffold.generators.init import InitAnswers, plan_init
    from scaffold.templates import DEFAULT_TEMPLATES_URL

    target = Path(args.directory)
    from scaffold.generators.init import PLATFORM_NAME

    folder_name = target.resolve().name.lower()
    name = args.name or (folder_name if PLATFORM_NAME.match(folder_name) else "platform")
    if interactive(args) and not args.name:
        from scaffold.generators import questions

        name = questions.text("Platform name", default=name)
    answers = InitAnswers(platform_name=name, templates_url=args.templates_url or DEFAULT_TEMPLATES_URL)
    changes = plan_init(target, answers)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold init {target}") and not args.no_verify:
        print_todo(target, None)
    return 0
