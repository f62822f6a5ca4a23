"""`scaffold new event FAMILY.WHAT_HAPPENED`."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive
from scaffold.errors import ScaffoldError


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from scaffold.generators.event_payload import FIELD_FLAG_HELP  # light: keeps --help fast

    parser = kinds.add_parser(
        "event",
        help="a new event: Zod schema, EVENT_SCHEMAS, publisher, subscribers",
        description="Add an event: its Zod schema in packages/contracts/src/events/<family>.ts, its EVENT_SCHEMAS "
        "entry, EVENT_NAMES, a contracts test, its reference page, the publisher's events_published, a "
        "deduplicating handler in each subscriber, and — when user-facing — the webhook filter and scope. Asks for "
        "what is missing on a terminal; with --defaults (or without a terminal) it uses the defaults.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="family.what_happened, e.g. invoice.paid")
    parser.add_argument("--publisher", help="the publishing service (default: the family's service, or the only one)")
    payload = parser.add_mutually_exclusive_group()
    payload.add_argument("--field", action="append", dest="fields", metavar="NAME:TYPE", help=FIELD_FLAG_HELP)
    payload.add_argument(
        "--schema-file",
        dest="schema_file",
        type=Path,
        help="the payload as a JSON Schema file: an object whose properties are string (format "
        "date-time or uuid, or an enum), number, integer, boolean, array or object; any other keyword "
        "is refused",
    )
    parser.add_argument(
        "--user-facing",
        dest="user_facing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="third-party apps may receive it as a webhook (adds the filter and scope); default: no",
    )
    parser.add_argument(
        "--subscriber",
        action="append",
        dest="subscribers",
        metavar="SERVICE",
        help="a service that handles the event (repeat the flag; default: none)",
    )
    generator_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators.base import finish, open_platform, print_todo
    from scaffold.generators.event import EventAnswers, default_publisher, plan_event, validate_name
    from scaffold.generators.event_payload import DEFAULT_FIELDS, fields_from_schema_file, parse_field_flag
    from scaffold.verify.model import Kind

    settings = open_platform(Path(args.repo))
    asking = interactive(args)
    name = args.name
    if not name and asking:
        from scaffold.generators import questions

        name = questions.event_name(settings.root)
    if not name:
        raise ScaffoldError("an event name is required: `scaffold new event family.what_happened`")
    validate_name(name)

    publisher = args.publisher
    if args.schema_file is not None:
        fields = fields_from_schema_file(args.schema_file)
    elif args.fields:
        fields = tuple(parse_field_flag(flag) for flag in args.fields)
    else:
        fields = None
    user_facing, subscribers = args.user_facing, args.subscribers
    if asking:
        from scaffold.generators import questions

        suggested = default_publisher(settings.root, name)
        publisher = publisher or questions.service(settings.root, "Publishing service", suggested)
        fields = fields if fields is not None else questions.payload_fields()
        if user_facing is None:
            user_facing = questions.confirm("Is it user-facing (third-party apps receive it as a webhook)?")
        if subscribers is None:
            subscribers = questions.services(settings.root, "Subscribing services", exclude=())
    publisher = publisher or default_publisher(settings.root, name)
    if publisher is None:
        raise ScaffoldError("which service publishes it? pass --publisher SERVICE (the platform has several)")
    answers = EventAnswers(
        name=name,
        publisher=publisher,
        fields=fields if fields else DEFAULT_FIELDS,
        user_facing=bool(user_facing),
        subscribers=tuple(subscribers or ()),
    )
    changes = plan_event(settings, answers)
    if finish(changes, dry_run=args.dry_run, what=f"scaffold new event {name}") and not args.no_verify:
        from scaffold import platform

        touched = sorted({answers.publisher, *answers.subscribers})
        print_todo(settings.root, None, kinds=(Kind.EVENT,), also=tuple(platform.service_dir(s) for s in touched))
    return 0
