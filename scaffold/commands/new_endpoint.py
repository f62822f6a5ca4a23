"""`scaffold new endpoint NAME --service SERVICE`."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from scaffold.commands.common import generator_flags, interactive, sdk_flag, stale_sdk_status
from scaffold.errors import ScaffoldError


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = kinds.add_parser(
        "endpoint",
        help="a third-party-facing route in an existing service",
        description="Add a third-party-facing route to services/SERVICE: the route with its scope, BAA gate (PHI "
        "scopes) and rate limit, the openapi.yaml operation (x-platform-audience: third-party), an end-to-end OAuth "
        "test, the webhook for a change, and the regenerated API reference and Connect docs. In a platform with one "
        "service, --service defaults to it.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="kebab-case; the operationId is its camelCase")
    parser.add_argument("--service", help="the service that gets the route (default: the only one)")
    parser.add_argument(
        "--method",
        choices=("get", "post", "patch", "delete"),
        help="get (a read, default), post (create in a collection, or an action on an item), patch (change an "
        "item), delete",
    )
    parser.add_argument(
        "--path",
        help="the route's path, with {id} for one item: /invoices, /invoices/{id}, /invoices/{id}/pay (an action) "
        "(default: /NAME without a leading verb: list-invoices -> /invoices)",
    )
    parser.add_argument(
        "--emits",
        metavar="EVENT",
        help="the webhook a change sends: an event the service publishes (for an action, the request body carries "
        "the payload fields the item does not give), or `none` (default: the service's created event for a post "
        "to a collection; asked or required otherwise)",
    )
    parser.add_argument("--scope", help="an existing or new scope (default: SERVICE:read, or SERVICE:write for post)")
    parser.add_argument("--scope-description", dest="scope_description", help="consent-screen text for a new scope")
    parser.add_argument(
        "--returns-phi", dest="returns_phi", action="store_true", help="a new scope returns PHI (adds the BAA gate)"
    )
    parser.add_argument("--summary", help="one line for the API reference")
    parser.add_argument("--description", help="what partners can do with it (API reference and Connect docs)")
    parser.add_argument(
        "--rate-limit",
        dest="rate_limit",
        metavar="N/WINDOW",
        help="per caller, e.g. 100/minute (default: 100/minute for get, 30/minute for post)",
    )
    generator_flags(parser)
    sdk_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scaffold.generators import endpoint, free_text
    from scaffold.generators.base import finish, open_platform, print_todo

    settings = open_platform(Path(args.repo))
    asking = interactive(args)
    name = args.name or (_text("Endpoint name (kebab-case)", "", endpoint.validate_name) if asking else None)
    if not name:
        raise ScaffoldError("an endpoint name is required: `scaffold new endpoint NAME`")
    endpoint.validate_name(name)
    service = args.service
    if not service and asking and len(endpoint.services(settings.root)) > 1:
        from scaffold.generators import questions

        service = questions.service(settings.root, "Service that gets the route", None)
    service = service or endpoint.default_service(settings.root)
    endpoint.service_resource(settings.root, service)  # an unknown service is reported before anything is asked
    method = args.method or (
        _text("Method (get, post, patch or delete)", "get", lambda v: endpoint.check_method(v.strip().lower()))
        .strip()
        .lower()
        if asking
        else "get"
    )
    words = name.replace("-", " ")
    writes = method != "get"
    defaults = {
        "path": endpoint.default_path(name),
        "scope": f"{service}:{'write' if writes else 'read'}",
        "summary": words.capitalize(),
        "description": f"{words.capitalize()} of the caller's brand, for third-party apps.",
        "rate_limit": "30/minute" if writes else "100/minute",
    }
    values = {}
    for key, default in defaults.items():
        given = getattr(args, key)
        if given is not None or not asking:
            values[key] = given if given is not None else default
            continue
        label = key.replace("_", " ")
        check = endpoint.FIELD_CHECKS.get(key) or functools.partial(free_text.check_line, label)
        values[key] = _text(label.capitalize(), default, check)
    scope_description, returns_phi = args.scope_description or "", args.returns_phi
    if asking and values["scope"] not in endpoint.known_scopes(settings.root):
        # a new scope needs its consent-screen text (and whether it returns PHI), or validation refuses it
        from scaffold.generators import questions

        scope = values["scope"]
        scope_description = scope_description or _text(
            f"Consent-screen text for the new scope {scope}", "", lambda v: free_text.check_line("scope description", v)
        )
        returns_phi = returns_phi or questions.confirm(f"Does {scope} return PHI (adds the BAA gate)?")
    emits = args.emits
    shape = endpoint.route_shape(method, values["path"])
    if emits is None and asking and shape.mutation:
        from scaffold.generators import questions

        published = endpoint.published_events(settings.root, service)
        choices = [*published, endpoint.EMITS_NONE]
        default = next((e for e in published if shape.kind == "create" and e.endswith("_created")), choices[0])
        emits = questions.select("Webhook event partners get for this change (none: no webhook)", choices, default)
    answers = endpoint.EndpointAnswers(
        name=name,
        service=service,
        method=method,
        scope_description=scope_description,
        returns_phi=returns_phi,
        emits=emits,
        nested=False,  # plan_endpoint finds out whether the path is a nested collection the service has
        **values,
    )
    changes = endpoint.plan_endpoint(settings, answers)
    wrote = finish(changes, dry_run=args.dry_run, what=f"scaffold new endpoint {name}")
    status = 0
    if wrote:
        if not _regenerate_sdk(settings.root, service):
            status = stale_sdk_status(service, no_sdk=args.no_sdk)
        if not args.no_verify:
            print_todo(settings.root, f"services/{service}")
    return status


def _regenerate_sdk(root: Path, service: str) -> bool:
    """openapi.yaml changed, so the SDK's schema.ts is stale: regenerate it where the tools are installed. Returns
    whether it could."""
    from scaffold import pnpm

    if not (root / "services" / service / "node_modules" / ".bin" / "openapi-typescript").exists():
        return False
    pnpm.run(["--filter", f"@platform/{service}-service", "sdk:gen"], root)
    print(f"regenerated services/{service}/sdk/src/schema.ts (pnpm sdk:gen)", file=sys.stderr)
    return True


def _text(message: str, default: str, check: Callable[[str], object]) -> str:
    from scaffold.generators import questions

    return questions.text(message, default, check)
