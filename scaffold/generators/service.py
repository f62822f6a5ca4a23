"""`scaffold new service NAME`: services/NAME from templates/service, plus every registry that must know it.

Edits outside the service folder (all idempotent, comment-preserving):
  packages/contracts/src/events/<name>.ts    the service's first event family (EVT-01)
  packages/contracts/src/events/registry.ts  import + EVENT_SCHEMAS entry (EVT-02, SVC-EV-01)
  packages/contracts/src/events/names.generated.ts  regenerated EVENT_NAMES (EVT-03)
  packages/scopes/src/registry.ts            the service's read/write scopes (SVC-AUTH-02)
  sst.config.ts                              the service's infra in `services` (SVC-DEP-02)
  catalog/services.yaml                      the catalog entry (SVC-DOC-05)
  docs/services, docs/sdk, docs/events       generated pages (SVC-DOC-03, SVC-SDK-03, EVT-06)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from scaffold import platform, templates
from scaffold.edits import sst_config, yaml_lists
from scaffold.edits import typescript_registries as ts_edits
from scaffold.errors import ScaffoldError
from scaffold.generators import free_text
from scaffold.generators.base import (
    PlatformSettings,
    current_mapping,
    openapi_file,
    plan_unless_exists,
    require_valid_manifest,
    write_request_validators,
    yaml_mapping,
)
from scaffold.naming import MAX_SERVICE_NAME, RESOURCE_NAME, SERVICE_NAME, ServiceNames
from scaffold.parsers import models
from scaffold.staging import ChangeSet, read_repo_text


@dataclass(frozen=True)
class ServiceAnswers:
    name: str
    description: str
    owner: str
    on_call: str
    resource: str = "item"
    returns_phi: bool = False
    port: int = 3000

    @property
    def names(self) -> ServiceNames:
        return ServiceNames(self.name, self.resource)


def validate_name(name: str, root: Path) -> None:
    if not name:
        raise ScaffoldError("a service name is required, e.g. `scaffold new service billing`")
    if len(name) > MAX_SERVICE_NAME:
        raise ScaffoldError(f"service name {name!r} is too long ({len(name)} > {MAX_SERVICE_NAME} characters)")
    if name in platform.RESERVED_SERVICE_NAMES:
        raise ScaffoldError(f"service name {name!r} is reserved; choose another")
    if not SERVICE_NAME.match(name):
        raise ScaffoldError(
            f"service name {name!r} is not valid: lower-case letters and digits in words joined by '-', "
            "starting with a letter (e.g. care-plans)"
        )


def check_resource(resource: str) -> None:
    if not RESOURCE_NAME.match(resource) or len(resource) > 30:
        raise ScaffoldError(f"resource {resource!r} is not valid: singular snake_case, e.g. care_plan")


def parse_port(value: str | int) -> int:
    """A local port from a flag or an answer: a number in 1024–65535, else a one-line error."""
    if isinstance(value, str) and not value.strip().isdigit():
        raise ScaffoldError(f"port {value!r} is not a number")
    port = int(value)
    if not 1024 <= port <= 65535:
        raise ScaffoldError(f"port {port} is out of range (1024–65535)")
    return port


def validate_answers(answers: ServiceAnswers) -> None:
    check_resource(answers.resource)
    for label, value in (("owner", answers.owner), ("on-call", answers.on_call), ("description", answers.description)):
        free_text.check_line(label, value)
    parse_port(answers.port)


def recorded_answers(root: Path, name: str) -> dict[str, object] | None:
    answers_file = f"{platform.service_dir(name)}/{templates.ANSWERS_FILE}"
    text = read_repo_text(root, answers_file)
    return None if text is None else yaml_mapping(text, answers_file)


def next_free_port(root: Path, name: str) -> int:
    """The port `name` was generated with, else one past the highest port of the other services."""
    recorded = recorded_answers(root, name)
    if recorded is not None and isinstance(recorded.get("port"), int):
        return int(recorded["port"])  # type: ignore[call-overload]
    ports = [3000]
    for answers_file in (root / platform.SERVICES_DIR).glob(f"*/{templates.ANSWERS_FILE}"):
        relative = answers_file.relative_to(root).as_posix()
        port = yaml_mapping(read_repo_text(root, relative), relative, required=False).get("port")
        if isinstance(port, int):
            ports.append(port + 1)
    return max(ports)


def plan_service(settings: PlatformSettings, answers: ServiceAnswers) -> ChangeSet:
    validate_name(answers.name, settings.root)
    validate_answers(answers)
    service_dir = platform.service_dir(answers.name)
    return plan_unless_exists(
        (settings.root / service_dir).exists(),
        lambda: _plan_changes(settings, answers),
        f"{service_dir} already exists; changing a generated service is `copier update`'s job "
        f"(run it in {service_dir}), or edit it by hand",
    )


def _plan_changes(settings: PlatformSettings, answers: ServiceAnswers) -> ChangeSet:
    service_dir = platform.service_dir(answers.name)
    files = templates.render("service", asdict(answers), settings.templates_url, settings.templates_ref)
    changes = ChangeSet(settings.root)
    for path, content in files.items():
        changes.write(f"{service_dir}/{path}", content)

    _check_manifest(changes.current(f"{service_dir}/{platform.SERVICE_MANIFEST}") or "", answers.name)
    _add_event_family(changes, answers)
    _add_scopes(changes, answers)
    _register_infra(changes, answers.name)
    _add_catalog_entry(changes, answers)
    write_request_validators(changes, answers.name)
    _write_generated_pages(changes, answers)
    _add_changeset(changes, answers)
    return changes


def _check_manifest(text: str, name: str) -> None:
    """The rendered service.yaml must satisfy the typed model of its schema before anything is written."""
    from pydantic import ValidationError

    from scaffold.parsers.models.service_manifest import ServiceManifest

    try:
        ServiceManifest.model_validate(yaml.load(text, Loader=yaml.CSafeLoader))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or platform.SERVICE_MANIFEST
        raise ScaffoldError(
            f"the answers make an invalid service.yaml for {name!r} ({where}: {first['msg']})"
        ) from None


def _render_extra(template: str, answers: ServiceAnswers) -> str:
    return templates.render_extra(template, {**asdict(answers), **answers.names.template_context()})


def _add_event_family(changes: ChangeSet, answers: ServiceAnswers) -> None:
    names = answers.names
    family_path = platform.event_family_file(names.name)
    family = changes.current(family_path)
    rendered = _render_extra("contracts-event-family.ts.jinja", answers)
    if family is None:
        changes.write(family_path, rendered)
    elif f"export const {names.resource_camel}Created" not in family:
        raise ScaffoldError(
            f"{family_path} already exists for another owner; rename the service or add the event with "
            "`scaffold new event`"
        )

    registry = changes.current(platform.EVENT_REGISTRY)
    if registry is None:
        raise ScaffoldError(f"{platform.EVENT_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    registry = ts_edits.add_import(
        registry, platform.EVENT_REGISTRY, f'import * as {names.name_camel} from "./{names.name}";'
    )
    registry = ts_edits.add_object_entry(
        registry,
        platform.EVENT_REGISTRY,
        platform.EVENT_REGISTRY_CONST,
        names.created_event,
        f"{names.name_camel}.{names.resource_camel}Created",
    )
    changes.write(platform.EVENT_REGISTRY, registry)


def _add_scopes(changes: ChangeSet, answers: ServiceAnswers) -> None:
    names = answers.names
    registry = changes.current(platform.SCOPES_REGISTRY)
    if registry is None:
        raise ScaffoldError(f"{platform.SCOPES_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    resources = names.resource_plural.replace("_", " ")
    entries = {
        names.read_scope: (f"Read {resources} of the {names.name} service.", answers.returns_phi),
        names.write_scope: (f"Create and change {resources} of the {names.name} service.", False),
    }
    for scope, (description, returns_phi) in entries.items():
        phi = "true" if returns_phi else "false"
        value = f"{{ description: {free_text.ts_string(description)}, returnsPhi: {phi} }}"
        registry = ts_edits.add_object_entry(
            registry, platform.SCOPES_REGISTRY, platform.SCOPES_REGISTRY_CONST, scope, value
        )
    changes.write(platform.SCOPES_REGISTRY, registry)


def _register_infra(changes: ChangeSet, name: str) -> None:
    config = changes.current(platform.SST_CONFIG)
    if config is None:
        raise ScaffoldError(f"{platform.SST_CONFIG} is missing: is this a platform made by `scaffold init`?")
    changes.write(platform.SST_CONFIG, sst_config.register_service(config, name))


def _add_catalog_entry(changes: ChangeSet, answers: ServiceAnswers) -> None:
    catalog = changes.current(platform.CATALOG)
    if catalog is None:
        raise ScaffoldError(f"{platform.CATALOG} is missing: is this a platform made by `scaffold init`?")
    require_valid_manifest(changes, platform.CATALOG, models.CATALOG)
    entry = {"name": answers.name, "owner": answers.owner, "on_call": answers.on_call, "status": "experimental"}
    changes.write(
        platform.CATALOG,
        yaml_lists.upsert_list_item(catalog, platform.CATALOG, platform.CATALOG_SERVICES_KEY, entry, "name"),
    )


def _add_changeset(changes: ChangeSet, answers: ServiceAnswers) -> None:
    """The release note for the new service and its SDK (DEPLOY-01); the summary is what users will read."""
    names = answers.names
    text = (
        f'---\n"@platform/{names.name}-service": minor\n"@platform/sdk-{names.name}": minor\n---\n\n'
        f"Add the {names.name} service: {answers.description.rstrip('.')}. It serves "
        f"{names.resource_plural.replace('_', ' ')} at `/{names.resource_plural}` behind the `{names.read_scope}` and "
        f"`{names.write_scope}` scopes, publishes `{names.created_event}`, and ships the "
        f"`@platform/sdk-{names.name}` client.\n"
    )
    changes.write(f"{platform.CHANGESET_DIR}/add-{names.name}-service.md", text)


def _write_generated_pages(changes: ChangeSet, answers: ServiceAnswers) -> None:
    """The pages and files derived from the planned tree: service and SDK pages, EVENT_NAMES, event pages."""
    from scaffold import docs_pages
    from scaffold.checks.event import derived_files
    from scaffold.verify.repo import RepoView

    service_dir = platform.service_dir(answers.name)
    manifest = current_mapping(changes, f"{service_dir}/{platform.SERVICE_MANIFEST}")
    openapi = current_mapping(changes, openapi_file(changes, answers.name))
    changes.write(f"{platform.DOCS_SERVICES}/{answers.name}.md", docs_pages.render_service_page(manifest, openapi))
    changes.write(f"{platform.DOCS_SDK}/{answers.name}.md", docs_pages.render_sdk_page(answers.name, openapi))
    for path, content in derived_files(RepoView(changes.root, overlay=changes.overlay())).items():
        changes.write(path, content)
