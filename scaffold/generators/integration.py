"""`scaffold new integration NAME`: a partner app under integrations/NAME from templates/integration.

The folder carries its own `.copier-answers.yml`, so `cd integrations/NAME && copier update` pulls later template
versions. The answers come from the platform's registries: scopes from SCOPES (packages/scopes), webhook events from
WEBHOOK_EVENT_FILTERS, and the error codes src/errors.ts must handle from PLATFORM_ERROR_CODES (recorded, so the
integration's build breaks when the platform adds a code). Outside the folder it only writes packages/button-kit,
and only into a platform made before the kit was part of the platform template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import platform, templates
from scaffold.errors import ScaffoldError
from scaffold.generators import free_text
from scaffold.generators.base import PlatformSettings, plan_unless_exists
from scaffold.naming import SERVICE_NAME
from scaffold.staging import ChangeSet

if TYPE_CHECKING:
    from scaffold.verify.repo import RepoView

MAX_INTEGRATION_NAME = 40
BUTTON_KIT_DIR = "packages/button-kit"
DEV_REDIRECT = "http://localhost:5173/oauth/callback"


@dataclass(frozen=True)
class PlatformRegistries:
    """What an integration may ask for, read from the platform's contract packages."""

    scopes: Mapping[str, bool]  # scope → returnsPhi
    webhook_events: Sequence[str]
    error_codes: Mapping[str, int]  # code → HTTP status


@dataclass(frozen=True)
class IntegrationAnswers:
    name: str
    partner: str
    client_id: str
    scopes: tuple[str, ...]
    redirect_uris: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    webhook_events: tuple[str, ...] = ()

    def template_data(self, registries: PlatformRegistries) -> dict[str, object]:
        return {
            "name": self.name,
            "partner": self.partner,
            "client_id": self.client_id,
            "scopes": list(self.scopes),
            "redirect_uris": {stage: list(self.redirect_uris.get(stage, ())) for stage in platform.DEPLOY_STAGES},
            "webhook_events": list(self.webhook_events),
            "platform_error_codes": dict(registries.error_codes),
        }


def integration_dir(name: str) -> str:
    return f"{platform.INTEGRATIONS_DIR}/{name}"


def validate_name(name: str) -> None:
    if not name:
        raise ScaffoldError("an integration name is required, e.g. `scaffold new integration acme-crm`")
    if len(name) > MAX_INTEGRATION_NAME:
        raise ScaffoldError(f"integration name {name!r} is too long ({len(name)} > {MAX_INTEGRATION_NAME} characters)")
    if not SERVICE_NAME.match(name):
        raise ScaffoldError(
            f"integration name {name!r} is not valid: lower-case letters and digits in words joined by '-', "
            "starting with a letter (e.g. acme-crm)"
        )


def read_registries(root: Path) -> PlatformRegistries:
    from scaffold.checks._contracts import error_codes, scopes, webhook_filters
    from scaffold.verify.repo import RepoView

    repo = RepoView(root)
    known_scopes = scopes(repo)
    if known_scopes is None:
        raise ScaffoldError(f"{platform.SCOPES_REGISTRY}: no readable `export const SCOPES = {{ ... }}`")
    codes = error_codes(repo)
    if not codes:
        raise ScaffoldError(f"{platform.ERROR_CODES}: no readable `export const PLATFORM_ERROR_CODES = {{ ... }}`")
    filters = webhook_filters(repo)
    if filters is None:
        raise ScaffoldError(f"{platform.WEBHOOK_FILTERS}: no readable `export const WEBHOOK_EVENT_FILTERS = [ ... ]`")
    return PlatformRegistries(
        scopes={name: entry.returns_phi for name, entry in known_scopes.items()},
        webhook_events=list(filters),
        error_codes=_error_statuses(repo, list(codes)),
    )


def _error_statuses(repo: RepoView, codes: list[str]) -> dict[str, int]:
    """{code: status} in PLATFORM_ERROR_CODES order; the status picks a reaction for codes the template does not
    know by name."""
    from scaffold.parsers import typescript as ts

    parsed = repo.typescript(platform.ERROR_CODES)
    value = ts.literal(parsed, "PLATFORM_ERROR_CODES") if parsed is not None else None
    entries = value.value if value is not None and isinstance(value.value, dict) else {}
    statuses: dict[str, int] = {}
    for code in codes:
        plain = entries[code].plain() if code in entries else None
        status = plain.get("status") if isinstance(plain, Mapping) else None
        statuses[code] = int(status) if isinstance(status, int | float) else 400
    return statuses


def default_scopes(registries: PlatformRegistries) -> tuple[str, ...]:
    """Every service's read scope, and the events scope of those services where one is registered."""
    reads = [scope for scope in registries.scopes if scope.endswith(":read")]
    events = [f"{scope.split(':')[0]}:events" for scope in reads]
    return tuple(sorted([*reads, *(scope for scope in events if scope in registries.scopes)]))


def default_webhook_events(registries: PlatformRegistries, scopes: Sequence[str]) -> tuple[str, ...]:
    """The user-facing events of the families whose `<family>:events` scope the integration asks for."""
    return tuple(e for e in registries.webhook_events if _events_scope(e) in scopes)


def default_redirect_uris(name: str) -> dict[str, tuple[str, ...]]:
    return {
        "dev": (DEV_REDIRECT,),
        "staging": (f"https://staging.{name}.example/oauth/callback",),
        "prod": (f"https://{name}.example/oauth/callback",),
    }


def parse_redirect_uris(values: Sequence[str], name: str) -> dict[str, tuple[str, ...]]:
    """`STAGE=URL` flags (repeatable) → URIs per stage; a stage given none keeps its default."""
    given: dict[str, list[str]] = {}
    for value in values:
        stage, separator, uri = value.partition("=")
        if not separator or stage not in platform.DEPLOY_STAGES:
            raise ScaffoldError(f"--redirect-uri {value!r}: expected STAGE=URL with STAGE one of dev, staging, prod")
        given.setdefault(stage, []).append(uri)
    defaults = default_redirect_uris(name)
    return {stage: tuple(given.get(stage, defaults[stage])) for stage in platform.DEPLOY_STAGES}


def _events_scope(event: str) -> str:
    from scaffold.checks.event import events_scope

    return events_scope(event)


def check_redirect_uri(stage: str, uri: str) -> None:
    """One redirect URI for `stage`, by the rule INT-03 checks it with."""
    from scaffold.checks.integration import redirect_uri_problem

    free_text.check_line(f"{stage} redirect URI", uri)
    problem = redirect_uri_problem(uri, stage)
    if problem:
        raise ScaffoldError(f"{stage} redirect URI {uri!r} {problem}")


def validate_answers(answers: IntegrationAnswers, registries: PlatformRegistries) -> None:
    validate_name(answers.name)
    for label, value in (("partner", answers.partner), ("client id", answers.client_id)):
        free_text.check_line(label, value)
    if not answers.scopes:
        raise ScaffoldError("an integration needs at least one scope: --scope SERVICE:ACTION (from SCOPES)")
    unknown = [scope for scope in answers.scopes if scope not in registries.scopes]
    if unknown:
        raise ScaffoldError(
            f"scope {unknown[0]!r} is not in SCOPES ({platform.SCOPES_REGISTRY}); known: {', '.join(registries.scopes)}"
        )
    for stage in platform.DEPLOY_STAGES:
        uris = answers.redirect_uris.get(stage, ())
        if not uris:
            raise ScaffoldError(f"no redirect URI for {stage}: --redirect-uri {stage}=URL")
        for uri in uris:
            check_redirect_uri(stage, uri)
    for event in answers.webhook_events:
        if event not in registries.webhook_events:
            raise ScaffoldError(
                f"webhook event {event!r} is not in WEBHOOK_EVENT_FILTERS ({platform.WEBHOOK_FILTERS}); "
                "only user-facing events are delivered as webhooks"
            )
        if _events_scope(event) not in answers.scopes:
            raise ScaffoldError(f"webhook event {event!r} needs the scope {_events_scope(event)!r}: add --scope")


def phi_scopes(answers: IntegrationAnswers, registries: PlatformRegistries) -> list[str]:
    return [scope for scope in answers.scopes if registries.scopes.get(scope)]


def plan_integration(
    settings: PlatformSettings, answers: IntegrationAnswers, registries: PlatformRegistries
) -> ChangeSet:
    validate_answers(answers, registries)
    folder = integration_dir(answers.name)
    return plan_unless_exists(
        (settings.root / folder).exists(),
        lambda: _plan_changes(settings, answers, registries),
        f"{folder} already exists; changing a generated integration is `copier update`'s job (run it in {folder}), "
        "or edit it by hand",
    )


def _plan_changes(settings: PlatformSettings, answers: IntegrationAnswers, registries: PlatformRegistries) -> ChangeSet:
    data = answers.template_data(registries)
    changes = ChangeSet(settings.root)
    folder = integration_dir(answers.name)
    for path, content in templates.render("integration", data, settings.templates_url, settings.templates_ref).items():
        changes.write(f"{folder}/{path}", content)
    _add_button_kit_if_missing(changes)
    return changes


def _add_button_kit_if_missing(changes: ChangeSet) -> None:
    """Platforms made before the kit joined the platform template get it from there, unchanged."""
    if changes.current(f"{BUTTON_KIT_DIR}/package.json") is not None:
        return
    source = templates.template_dir("platform") / BUTTON_KIT_DIR
    for path in sorted(source.rglob("*")):
        if path.is_file():
            changes.write(f"{BUTTON_KIT_DIR}/{path.relative_to(source).as_posix()}", path.read_bytes())
