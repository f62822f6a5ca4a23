"""The command line: wires subcommands to generators and the verifier. Nothing else imports this module.

Heavy libraries (copier, tree-sitter, pglast) are imported inside the handlers so `scaffold --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scaffold import __version__
from scaffold.errors import ScaffoldError

FORMATS = ("text", "json", "sarif", "junit", "markdown")
KINDS = ("service", "endpoint", "event", "job", "integration", "repo")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ScaffoldError(f"{message} (see `{self.prog} --help`)")


def _interactive(args: argparse.Namespace) -> bool:
    return not args.defaults and sys.stdin.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")


# --- init --------------------------------------------------------------------------------------------------
def _cmd_init(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, print_todo
    from scaffold.generators.init import InitAnswers, plan_init
    from scaffold.templates import DEFAULT_TEMPLATES_URL

    target = Path(args.directory)
    name = args.name or target.resolve().name.lower()
    if _interactive(args) and not args.name:
        from scaffold.generators import questions

        name = questions.text("Platform name", default=name)
    answers = InitAnswers(platform_name=name, templates_url=args.templates_url or DEFAULT_TEMPLATES_URL)
    changes = plan_init(target, answers)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold init {target}") and not args.no_verify:
        print_todo(target, None)
    return 0


# --- new service -------------------------------------------------------------------------------------------
def _cmd_new_service(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, open_platform, print_todo
    from scaffold.generators.service import ServiceAnswers, next_free_port, plan_service, validate_name

    settings = open_platform(Path(args.repo))
    interactive = _interactive(args)
    name = args.name
    if not name and interactive:
        from scaffold.generators import questions

        name = questions.text("Service name (kebab-case)")
    if not name:
        raise ScaffoldError("a service name is required: `scaffold new service NAME` (no terminal to ask on)")
    validate_name(name, settings.root)

    defaults = {
        "description": f"The {name} service.",
        "owner": "platform-team",
        "on_call": "platform-oncall",
        "resource": "item",
        "returns_phi": False,
        "port": next_free_port(settings.root, name),
    }
    given = {
        "description": args.description,
        "owner": args.owner,
        "on_call": args.on_call,
        "resource": args.resource,
        "returns_phi": args.returns_phi,
        "port": args.port,
    }
    if interactive:
        from scaffold.generators import questions

        given = questions.ask_service(settings.root, name, given, defaults)
    values = {key: defaults[key] if value is None else value for key, value in given.items()}
    answers = ServiceAnswers(name=name, **values)  # type: ignore[arg-type]
    changes = plan_service(settings, answers)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold new service {name}") and not args.no_verify:
        print_todo(settings.root, f"services/{name}")
    return 0


# --- verify and the catalogue ------------------------------------------------------------------------------
def _cmd_verify(args: argparse.Namespace) -> int:
    from scaffold.verify.cli import run_verify

    return run_verify(args)


def _cmd_explain(args: argparse.Namespace) -> int:
    from scaffold.checks import catalogue

    checks = catalogue()
    check = checks.get(args.id.upper())
    if check is None:
        raise ScaffoldError(f"unknown checklist ID {args.id!r}; `scaffold checklist` lists them")
    print(f"{check.id}  {check.title}")
    print(f"section: {check.section}   mode: {check.mode}   runs over: each {check.kind.value}")
    print(f"--fix: {'yes' if check.fixable else 'no'}\n")
    print(f"What it does\n  {check.doc.what}\n\nWhy it matters\n  {check.doc.why}\n\nHow to fix\n  {check.doc.fix}")
    return 0


def _cmd_checklist(args: argparse.Namespace) -> int:
    from scaffold.checks import catalogue

    section = None
    for check in catalogue().values():
        if check.section != section:
            section = check.section
            print(f"\n{section}")
        print(f"  {check.id:<12} {check.mode:<28} {check.title}")
    return 0


def _cmd_attest(args: argparse.Namespace) -> int:
    from scaffold.verify.cli import run_attest

    return run_attest(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from scaffold.demo import run_demo

    return run_demo(keep=args.keep, install=not args.no_install)


# --- parser ------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scaffold",
        description="Generate compliant-by-construction platform services and verify the ready-to-ship checklist.",
        epilog="Start with `scaffold init DIR`, then `scaffold new service NAME` inside it; `scaffold verify` any time.",
    )
    parser.add_argument("--version", action="version", version=f"scaffold {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    init = commands.add_parser("init", help="create a platform monorepo", description="Create a platform monorepo "
                               "(pnpm workspace, service-kit, contracts, scopes, jobs, sst.config.ts, catalog, docs).")
    init.add_argument("directory", metavar="DIR", help="folder to create (empty or new)")
    init.add_argument("--name", help="platform name (default: the folder's name)")
    init.add_argument("--templates-url", help="git URL holding these templates with v<version> tags, for `copier update`")
    _generator_flags(init)
    init.set_defaults(handler=_cmd_init)

    new = commands.add_parser("new", help="generate into a platform repo", description="Generate into a platform repo.")
    kinds = new.add_subparsers(dest="kind", metavar="KIND", parser_class=_Parser, required=True)
    service = kinds.add_parser(
        "service",
        help="a new service under services/NAME",
        description="Generate services/NAME (Hono app, openapi.yaml, migrations, tests, infra.ts, RUNBOOK, SDK) and "
        "register it in sst.config.ts, the catalog, EVENT_SCHEMAS and the scope registry. Asks for what is missing "
        "on a terminal; with --defaults (or without a terminal) it uses the defaults.",
    )
    service.add_argument("name", nargs="?", metavar="NAME", help="kebab-case, e.g. care-plans")
    service.add_argument("--description", help="one line on what the service does")
    service.add_argument("--owner", help="owning team (default: platform-team)")
    service.add_argument("--on-call", dest="on_call", help="on-call rotation (default: platform-oncall)")
    service.add_argument("--resource", help="first resource, singular snake_case (default: item)")
    service.add_argument("--returns-phi", dest="returns_phi", action=argparse.BooleanOptionalAction, default=None,
                         help="read routes return PHI (adds the BAA gate); default: no")
    service.add_argument("--port", type=int, help="local port (default: the next free one)")
    service.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    _generator_flags(service)
    service.set_defaults(handler=_cmd_new_service)

    verify = commands.add_parser(
        "verify",
        help="check the ready-to-ship checklist",
        description="Decide every checklist item over a platform repo, or one service/integration/job folder. "
        "Exit status: 0 nothing fails, 1 something fails (with --strict also while human/evidence items are "
        "open), 2 usage error.",
    )
    verify.add_argument("path", nargs="?", default=".", metavar="PATH", help="platform root or a subject folder")
    verify.add_argument("--only", action="append", default=[], metavar="ID",
                        help="IDs or prefixes (SVC-DB, EVT-03); repeat or comma-separate")
    verify.add_argument("--kind", action="append", default=[], choices=KINDS, help="only checks over this kind")
    verify.add_argument("--format", default="text", choices=FORMATS)
    verify.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    verify.add_argument("--strict", action="store_true", help="also exit 1 while human or evidence items are open")
    verify.add_argument("--fix", action="store_true", help="regenerate what is derivable (pages, EVENT_NAMES, registries)")
    verify.add_argument("--dry-run", action="store_true", help="with --fix: show the diff, write nothing")
    verify.add_argument("--probe", action="store_true", help="also probe /healthz on each stage's hostname")
    verify.set_defaults(handler=_cmd_verify)

    attest = commands.add_parser(
        "attest",
        help="record a sign-off, evidence or a waiver",
        description="Record in .scaffold/attestations.yaml who decided an item, when and why. The record is bound to "
        "a hash of the files the item covers: when they change, verify reports it as stale.",
    )
    attest.add_argument("id", metavar="ID")
    attest.add_argument("--subject", help="e.g. service:billing (default: the repo, or the only subject)")
    attest.add_argument("--by", required=True, help="who decides")
    attest.add_argument("--note", required=True, help="why")
    attest.add_argument("--evidence", metavar="LINK", help="record outside evidence (a deploy, a CI run) at LINK")
    attest.add_argument("--waive", action="store_true", help="waive a failing item (needs --ticket and --expires)")
    attest.add_argument("--ticket", help="ticket tracking a waiver")
    attest.add_argument("--expires", help="expiry date, YYYY-MM-DD")
    attest.add_argument("--link", help="a link for the record")
    attest.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    attest.set_defaults(handler=_cmd_attest)

    explain = commands.add_parser("explain", help="what a check does, why, and how to fix it")
    explain.add_argument("id", metavar="ID")
    explain.set_defaults(handler=_cmd_explain)

    checklist = commands.add_parser("checklist", help="list every checklist item and its mode")
    checklist.set_defaults(handler=_cmd_checklist)

    demo = commands.add_parser("demo", help="create a platform in a temp folder, add a service, verify it")
    demo.add_argument("--keep", action="store_true", help="keep the temporary folder")
    demo.add_argument("--no-install", action="store_true", help="skip pnpm install / typecheck / tests")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def _generator_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--defaults", action="store_true", help="ask nothing; use defaults for what is not given")
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff of every change; write nothing")
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier run at the end")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "handler", None) is None:
            build_parser().print_help()
            return 2
        return int(args.handler(args))
    except ScaffoldError as error:
        print(f"scaffold: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("scaffold: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as error:  # never a traceback for the user; SCAFFOLD_DEBUG=1 shows it
        if os.environ.get("SCAFFOLD_DEBUG"):
            raise
        print(f"scaffold: internal error: {type(error).__name__}: {error} (SCAFFOLD_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
