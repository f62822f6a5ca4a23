"""`scaffold init DIR`."""

from __future__ import annotations

import argparse
import sys
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
        "--templates-url",
        help="git URL (or local repo) of scaffold's templates holding the v<version> tag, for `copier update` and "
        "`scaffold update`; checked now (default: the git source scaffold was installed from, when it has the tag)",
    )
    generator_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, print_todo
    from scaffold.generators.init import InitAnswers, plan_init
    from scaffold.template_source import missing_source_note, resolve_source
    from scaffold.templates import TEMPLATES_REF

    target = Path(args.directory)
    from scaffold.generators.init import PLATFORM_NAME

    folder_name = target.resolve().name.lower()
    name = args.name or (folder_name if PLATFORM_NAME.match(folder_name) else "platform")
    if interactive(args) and not args.name:
        from scaffold.generators import questions
        from scaffold.generators.init import check_platform_name

        name = questions.text("Platform name", default=name, check=check_platform_name)
    templates_url = resolve_source(args.templates_url, TEMPLATES_REF)
    answers = InitAnswers(platform_name=name, templates_url=templates_url)
    changes = plan_init(target, answers)
    written = finish(changes, dry_run=args.dry_run, what=f"scaffold init {target}")
    if written and templates_url is None:
        print(missing_source_note(TEMPLATES_REF, target), file=sys.stderr)
    if written:
        print(
            f"next: cd {target} && pnpm install — before `scaffold verify` and after every generator that adds a "
            "package (a service, an integration): the SDK, type checks and tests run from node_modules",
            file=sys.stderr,
        )
    if written and not args.no_verify:
        print_todo(target, None)
    return 0
