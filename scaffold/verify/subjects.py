"""The subjects of the event, job, integration and endpoint checks, and the registry entries behind them.

- EVENT: every key of EVENT_SCHEMAS (packages/contracts/src/events/registry.ts), plus every event a service.yaml
  publishes — so an event that was never registered is still a subject and EVT-02 can fail on it.
- JOB: every entry of JOBS (services/jobs/src/jobs/registry.ts), by its `name`.
- INTEGRATION: every `integrations/<name>/` folder holding `.copier-answers.yml` or `integration.yaml`.
- ENDPOINT: every OpenAPI operation marked `x-platform-audience: third-party`, named `<service>:<operationId>`.

A registry that exists but does not parse gives one subject named UNREADABLE, so the checks report the syntax
error instead of silently finding nothing to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scaffold import platform
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Kind
from scaffold.verify.repo import RepoView, Subject

UNREADABLE = "(unreadable registry)"


# --- events ------------------------------------------------------------------------------------------------
def event_registry(repo: RepoView) -> dict[str, ts_parser.Value] | None:
    """EVENT_SCHEMAS as {event name: its value (an Expression such as `billing.itemCreated`)}; None when the
    registry is missing, does not parse, or declares no EVENT_SCHEMAS object."""
    parsed = repo.typescript(platform.EVENT_REGISTRY)
    if parsed is None or parsed.error_line is not None:
        return None
    value = ts_parser.literal(parsed, platform.EVENT_REGISTRY_CONST)
    if value is None or not isinstance(value.value, dict):
        return None
    return dict(value.value)


def published_events(repo: RepoView) -> dict[str, list[tuple[str, int | None]]]:
    """Event name → the (service.yaml path, line) of every `contracts.events_published` entry naming it."""
    found: dict[str, list[tuple[str, int | None]]] = {}
    for service in repo.service_names:
        manifest = f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}"
        parsed = repo.yaml(manifest)
        if parsed is None or not parsed.ok or not isinstance(parsed.data, Mapping):
            continue
        contracts = parsed.data.get("contracts")
        events = contracts.get("events_published") if isinstance(contracts, Mapping) else None
        for index, name in enumerate(events if isinstance(events, list) else []):
            if isinstance(name, str):
                line = parsed.line_of(("contracts", "events_published", index))
                found.setdefault(name, []).append((manifest, line))
    return found


def event_subjects(repo: RepoView) -> list[Subject]:
    registry = event_registry(repo)
    names = set(registry or {}) | set(published_events(repo))
    if registry is None and repo.exists(platform.EVENT_REGISTRY):
        names.add(UNREADABLE)
    return [Subject(Kind.EVENT, name, platform.CONTRACTS_DIR) for name in sorted(names)]


# --- jobs --------------------------------------------------------------------------------------------------
def job_registry(repo: RepoView) -> dict[str, ts_parser.Value] | None:
    """JOBS entries by name ({name: the entry's object Value}); None when the registry is missing or unreadable."""
    parsed = repo.typescript(platform.JOBS_REGISTRY)
    if parsed is None or parsed.error_line is not None:
        return None
    value = ts_parser.literal(parsed, platform.JOBS_REGISTRY_CONST)
    if value is None or not isinstance(value.value, list):
        return None
    entries: dict[str, ts_parser.Value] = {}
    for index, entry in enumerate(value.value):
        name = entry.value.get("name") if isinstance(entry.value, dict) else None
        key = name.value if name is not None and isinstance(name.value, str) else f"(entry {index + 1})"
        entries.setdefault(key, entry)
    return entries


def job_subjects(repo: RepoView) -> list[Subject]:
    registry = job_registry(repo)
    if registry is None:
        return [Subject(Kind.JOB, UNREADABLE, platform.JOBS_DIR)] if repo.exists(platform.JOBS_REGISTRY) else []
    return [Subject(Kind.JOB, name, platform.JOBS_DIR) for name in registry]


# --- integrations ------------------------------------------------------------------------------------------
def integration_subjects(repo: RepoView) -> list[Subject]:
    markers = {platform.INTEGRATION_ANSWERS, platform.INTEGRATION_MANIFEST}
    names = {
        parts[1]
        for parts in (path.split("/") for path in repo.files_under(platform.INTEGRATIONS_DIR))
        if len(parts) == 3 and parts[2] in markers
    }
    return [Subject(Kind.INTEGRATION, name, f"{platform.INTEGRATIONS_DIR}/{name}") for name in sorted(names)]


# --- endpoints ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One third-party operation: where it is declared and what it says."""

    service: str
    openapi_file: str  # repo-relative
    operation: openapi_parser.Operation
    raw: Mapping[str, object]  # the operation object as written (extensions included)
    document: Mapping[str, object]  # the whole OpenAPI document, for resolving $refs

    @property
    def name(self) -> str:
        return (
            f"{self.service}:{self.operation.operation_id or f'{self.operation.method.upper()} {self.operation.path}'}"
        )


def endpoints(repo: RepoView) -> list[Endpoint]:
    """Every third-party operation of every service, in service and document order (computed once per RepoView)."""
    return repo.memo("endpoints", lambda: _endpoints(repo))


def _endpoints(repo: RepoView) -> list[Endpoint]:
    found: list[Endpoint] = []
    for service in repo.service_names:
        openapi_file = repo.service_openapi(service)
        if not _may_name_third_party(repo.read_text(openapi_file) or ""):
            continue
        document = repo.yaml(openapi_file)  # listing needs no spec validation (SVC-CODE-03 does that)
        if document is None or not document.ok:
            continue
        spec = openapi_parser.ParsedOpenApi(document, ())
        paths = spec.data.get("paths")
        for operation in openapi_parser.operations(spec):
            item = paths.get(operation.path) if isinstance(paths, Mapping) else None
            raw = item.get(operation.method) if isinstance(item, Mapping) else None
            if isinstance(raw, Mapping) and raw.get(platform.AUDIENCE_KEY) == platform.THIRD_PARTY_AUDIENCE:
                found.append(Endpoint(service, openapi_file, operation, raw, spec.data))
    return found


def _may_name_third_party(text: str) -> bool:
    """Whether a YAML text can hold the value `third-party`: only by spelling it out, or by escaping characters of
    it in a double-quoted string. Listing runs before the checks split across processes, so the documents that
    cannot are not parsed here; each process parses its own services' documents when a check asks."""
    return platform.THIRD_PARTY_AUDIENCE in text or "\\" in text


def endpoint_subjects(repo: RepoView) -> list[Subject]:
    return [Subject(Kind.ENDPOINT, e.name, platform.service_dir(e.service)) for e in endpoints(repo)]


def find_endpoint(repo: RepoView, subject: Subject) -> Endpoint | None:
    return next((e for e in endpoints(repo) if e.name == subject.name), None)


def home_service(repo: RepoView, subject: Subject) -> str | None:
    """The service whose files a subject's checks mostly read: the service itself, an endpoint's service, or the
    service an event's family is named after (`billing.item_created` → billing); None for other subjects."""
    if subject.kind is Kind.SERVICE:
        return subject.name
    if subject.kind is Kind.ENDPOINT:
        return subject.name.split(":", 1)[0]
    if subject.kind is Kind.EVENT:
        family = subject.name.split(".", 1)[0]
        return family if repo.has_service(family) else None
    return None


def subjects(repo: RepoView, kind: Kind) -> list[Subject]:
    """The subjects of one kind (EVENT, JOB, INTEGRATION, ENDPOINT); [] for the kinds RepoView lists itself."""
    listers = {
        Kind.EVENT: event_subjects,
        Kind.JOB: job_subjects,
        Kind.INTEGRATION: integration_subjects,
        Kind.ENDPOINT: endpoint_subjects,
    }
    lister = listers.get(kind)
    return lister(repo) if lister is not None else []
