"""`scaffold new integration NAME`."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive
from scaffold.errors import ScaffoldError


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = kinds.add_parser(
        "integration",
        help="a partner (third-party) app under integrations/NAME",
        description="Generate integrations/NAME: OAuth authorization code with PKCE (S256), token refresh, webhook "
        "signature verification, a reaction to every platform error code, rate-limit backoff, redacting logs and a "
        "disconnect page built with the Loop button kit, with tests; integration.yaml records what the developer "
        "portal registers. Asks for what is missing on a terminal; with --defaults it asks for every service's read "
        "scope, the matching webhook events, and placeholder partner redirect URIs.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="kebab-case, e.g. acme-crm")
    parser.add_argument("--partner", help="the partner's display name (default: NAME)")
    parser.add_argument(
        "--client-id", dest="client_id", help="OAuth client id from the developer portal (default: NAME)"
    )
    parser.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        metavar="SCOPE",
        help="a scope from SCOPES (repeatable; default: every `*:read` scope and matching `*:events`)",
    )
    parser.add_argument(
        "--redirect-uri",
        dest="redirect_uris",
        action="append",
        metavar="STAGE=URL",
        help="a redirect URI for dev, staging or prod (repeatable); https outside dev, no wildcards",
    )
    parser.add_argument(
        "--webhook-event",
        dest="webhook_events",
        action="append",
        metavar="EVENT",
        help="an event of WEBHOOK_EVENT_FILTERS to receive (repeatable; default: those the scopes cover)",
    )
    generator_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators import integration
    from scaffold.generators.base import finish, open_platform, print_todo, say_pnpm_install

    settings = open_platform(Path(args.repo))
    asking = interactive(args)
    name = args.name
    if not name and asking:
        from scaffold.generators import questions

        name = questions.text("Integration name (kebab-case)", check=integration.validate_name)
    if not name:
        raise ScaffoldError("an integration name is required: `scaffold new integration NAME`")
    integration.validate_name(name)
    registries = integration.read_registries(settings.root)

    partner = args.partner or (questions_text("Partner display name", name, "partner") if asking else name)
    client_id = args.client_id or (
        questions_text("OAuth client id (developer portal)", name, "client id") if asking else name
    )
    scopes = tuple(args.scopes or ())
    if not scopes:
        defaults = integration.default_scopes(registries)
        scopes = _ask_many("Scopes to ask for", list(registries.scopes), defaults) if asking else defaults
    redirect_uris = integration.parse_redirect_uris(args.redirect_uris or [], name)
    if asking and not args.redirect_uris:
        redirect_uris = {stage: (_redirect_uri(stage, uris[0]),) for stage, uris in redirect_uris.items()}
    events = tuple(args.webhook_events or ())
    if not events:
        defaults = integration.default_webhook_events(registries, scopes)
        choices = list(registries.webhook_events)
        events = _ask_many("Webhook events to receive", choices, defaults) if asking and choices else defaults

    answers = integration.IntegrationAnswers(
        name=name,
        partner=partner,
        client_id=client_id,
        scopes=scopes,
        redirect_uris=redirect_uris,
        webhook_events=events,
    )
    changes = integration.plan_integration(settings, answers, registries)
    folder = integration.integration_dir(name)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold new integration {name}"):
        say_pnpm_install(settings.root, folder)
        if not args.no_verify:
            print_todo(settings.root, folder)
    phi = integration.phi_scopes(answers, registries)
    if phi and not args.dry_run:
        print(f"\nPHI scopes ({', '.join(phi)}): a signed BAA with the partner is required before go-live (INT-10).")
    return 0


def questions_text(message: str, default: str, label: str) -> str:
    from scaffold.generators import questions
    from scaffold.generators.free_text import check_line

    return questions.text(message, default, lambda v: check_line(label, v))


def _redirect_uri(stage: str, default: str) -> str:
    from scaffold.generators import questions
    from scaffold.generators.integration import check_redirect_uri

    return questions.text(f"Redirect URI for {stage}", default, lambda v: check_redirect_uri(stage, v))


def _ask_many(message: str, choices: list[str], defaults: tuple[str, ...]) -> tuple[str, ...]:
    import questionary

    from scaffold.generators import questions

    picked = questions._answer(
        questionary.checkbox(
            message, choices=[questionary.Choice(c, checked=c in defaults) for c in choices], **questions.on_stderr()
        )
    )
    return tuple(str(choice) for choice in picked)
