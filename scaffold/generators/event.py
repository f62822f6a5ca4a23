"""`scaffold new event FAMILY.WHAT_HAPPENED`: the event's Zod schema, its registration, and every place that must
know the event. templates/event renders the new files; the rest are comment-preserving edits.

  packages/contracts/src/events/<family>.ts       the schema: a new family file, or appended to one (EVT-01)
  packages/contracts/src/events/registry.ts       import + EVENT_SCHEMAS entry (EVT-02, SVC-EV-01)
  packages/contracts/src/events/names.generated.ts  regenerated EVENT_NAMES (EVT-03)
  packages/contracts/test/events/<event>.test.ts  the schema accepts the publisher's payload (EVT-05)
  docs/events/<event>.md                          the event page (EVT-06)
  services/<publisher>/service.yaml               contracts.events_published (EVT-04)
  services/<subscriber>/src/events/<event>.ts     a handler that dedupes through handleOnce (SVC-EV-02, SVC-EV-04),
    its test, src/subscriptions.ts wiring and contracts.events_subscribed in service.yaml
  packages/contracts/src/webhooks.ts, packages/scopes  when user-facing: webhook filter, `<family>:events` (EVT-07)
  docs/services/<service>.md                      regenerated for every service whose service.yaml changed (SVC-DOC-03)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold import platform, templates
from scaffold.checks.event import EVENT_NAME, default_export_name, events_scope, family_of
from scaffold.edits import typescript_registries as ts_edits
from scaffold.edits import yaml_lists
from scaffold.errors import ScaffoldError
from scaffold.generators import free_text
from scaffold.generators.base import (
    PlatformSettings,
    current_mapping,
    openapi_file,
    plan_unless_exists,
    require_valid_manifest,
)
from scaffold.generators.event_payload import (
    PayloadField,
    check_unique,
    sample_payload,
    ts_literal,
    zod_object_body,
)
from scaffold.naming import camel, pascal
from scaffold.parsers import models
from scaffold.parsers import typescript as ts
from scaffold.staging import ChangeSet

# Words an `export const` cannot be named.
_RESERVED_WORDS = frozenset(
    {
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
    }
)
SUBSCRIPTIONS = "src/subscriptions.ts"


@dataclass(frozen=True)
class EventAnswers:
    name: str
    publisher: str
    fields: tuple[PayloadField, ...]
    user_facing: bool = False
    subscribers: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return family_of(self.name)

    @property
    def what(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def schema_export(self) -> str:
        export = default_export_name(self.name)
        return f"{export}Event" if export in _RESERVED_WORDS else export

    @property
    def handler_function(self) -> str:
        return "on" + pascal(self.family.split("-")) + pascal(self.what.split("_"))

    @property
    def handler_scope(self) -> str:
        """The part of handleOnce's handlerScope after `<subscriber>.`."""
        return "on_" + self.name.replace("-", "_").replace(".", "_")


def existing_services(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / platform.SERVICES_DIR).glob(f"*/{platform.SERVICE_MANIFEST}"))


def validate_name(name: str) -> None:
    if not name:
        raise ScaffoldError("an event name is required, e.g. `scaffold new event invoice.paid`")
    if not EVENT_NAME.match(name) or len(name) > 80:
        raise ScaffoldError(
            f"event name {name!r} is not valid: `family.what_happened` — a kebab-case family, a dot, a snake_case "
            "event (e.g. invoice.paid)"
        )
    if family_of(name) == platform.PLATFORM_EVENT_FAMILY:
        raise ScaffoldError("the `platform` family is reserved for platform-wide events (platform.heartbeat)")


def default_publisher(root: Path, name: str) -> str | None:
    """The service named after the family, else the only service, else none."""
    services = existing_services(root)
    if family_of(name) in services:
        return family_of(name)
    return services[0] if len(services) == 1 else None


def validate_answers(root: Path, answers: EventAnswers) -> None:
    validate_name(answers.name)
    services = existing_services(root)
    for role, service in [("publisher", answers.publisher), *(("subscriber", s) for s in answers.subscribers)]:
        if service not in services:
            known = ", ".join(services) or "none yet; create one with `scaffold new service`"
            raise ScaffoldError(f"unknown {role} service {service!r} (services: {known})")
    if answers.family in services and answers.publisher != answers.family:
        raise ScaffoldError(
            f"`{answers.family}.*` events are published by the {answers.family} service (their family names it); "
            f"choose another family for events the {answers.publisher} service publishes"
        )
    if len(set(answers.subscribers)) != len(answers.subscribers):
        raise ScaffoldError("a subscriber is given twice")
    check_unique(answers.fields, "payload")


def plan_event(settings: PlatformSettings, answers: EventAnswers) -> ChangeSet:
    validate_answers(settings.root, answers)
    return plan_unless_exists(
        _is_registered(ChangeSet(settings.root), answers.name),
        lambda: _plan_changes(settings, answers),
        f"event {answers.name!r} already exists in EVENT_SCHEMAS ({platform.EVENT_REGISTRY}); choose another name, "
        "or change its schema by hand",
    )


def _plan_changes(settings: PlatformSettings, answers: EventAnswers) -> ChangeSet:
    changes = ChangeSet(settings.root)
    files = _render(settings, answers)
    family_path = platform.event_family_file(answers.family)
    _add_schema(changes, family_path, files.pop(family_path).decode("utf-8"), answers)
    _register(changes, answers)
    _add_to_manifest(changes, answers.publisher, "events_published", answers.name)
    _add_publisher(changes, answers)
    for subscriber in answers.subscribers:
        _subscribe(changes, subscriber, answers)
    if answers.user_facing:
        _make_user_facing(changes, answers)
    for path, content in files.items():
        _write_new(changes, path, content)
    _add_changeset(changes, answers)
    _write_generated(changes, {answers.publisher, *answers.subscribers})
    return changes


def _is_registered(changes: ChangeSet, name: str) -> bool:
    registry = changes.current(platform.EVENT_REGISTRY)
    if registry is None:
        raise ScaffoldError(f"{platform.EVENT_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    parsed = ts.parse_typescript(registry)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{platform.EVENT_REGISTRY}:{parsed.error_line}: not valid TypeScript; fix it first")
    value = ts.literal(parsed, platform.EVENT_REGISTRY_CONST)
    if value is None or not isinstance(value.value, dict):
        raise ScaffoldError(f"{platform.EVENT_REGISTRY}: no `EVENT_SCHEMAS = {{ ... }}` object literal")
    return name in value.value


def _render(settings: PlatformSettings, answers: EventAnswers) -> dict[str, bytes]:
    full = sample_payload(answers.fields, with_optional=True)
    minimal = sample_payload(answers.fields, with_optional=False)
    required = next((f.name for f in answers.fields if not f.optional), "")
    data = {
        "name": answers.name,
        "family": answers.family,
        "schema_export": answers.schema_export,
        "publisher": answers.publisher,
        "subscribers": list(answers.subscribers),
        "user_facing": answers.user_facing,
        "handler_function": answers.handler_function,
        "handler_scope": answers.handler_scope,
        "zod_body": zod_object_body(answers.fields),
        "payload_literal": ts_literal(full),
        "minimal_literal": ts_literal(minimal) if minimal != full else "",
        "required_field": required,
    }
    return templates.render("event", data, settings.templates_url, settings.templates_ref)


def _write_new(changes: ChangeSet, path: str, content: bytes) -> None:
    """A file the event owns: written when missing or identical; another file already there is not overwritten."""
    current = changes.current(path)
    if current is not None and current.encode("utf-8") != content:
        raise ScaffoldError(f"{path} already exists with other content; move it away or choose another event name")
    changes.write(path, content)


def _exported_names(text: str, path: str) -> dict[str, str]:
    """`export const` names of a family file → the whole statement's text."""
    parsed = ts.parse_typescript(text)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{path}:{parsed.error_line}: not valid TypeScript; fix it before adding an event to it")
    found = {}
    for statement in parsed.root.named_children:
        declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else None
        if declaration is None or declaration.type != "lexical_declaration":
            continue
        for declarator in (d for d in declaration.named_children if d.type == "variable_declarator"):
            name = declarator.child_by_field_name("name")
            if name is not None:
                found[ts.text_of(name)] = ts.text_of(statement)
    return found


def _add_schema(changes: ChangeSet, family_path: str, rendered: str, answers: EventAnswers) -> None:
    """The schema in its family file: the rendered file when the family is new, else its schema appended."""
    current = changes.current(family_path)
    if current is None:
        changes.write(family_path, rendered)
        return
    # The rendered family file is `import { z } ...`, a blank line, then the commented schema statement.
    block = rendered.split("\n\n", 1)[1]
    statement = block.split("\n", 1)[1].strip()
    existing = _exported_names(current, family_path).get(answers.schema_export)
    if existing is not None:
        if existing.strip() != statement:
            raise ScaffoldError(
                f"{family_path} already exports `{answers.schema_export}` with another schema; choose another name"
            )
        return
    text = ts_edits.add_import(current, family_path, 'import { z } from "zod";')
    changes.write(family_path, text.rstrip("\n") + "\n\n" + block)


def _register(changes: ChangeSet, answers: EventAnswers) -> None:
    registry = changes.current(platform.EVENT_REGISTRY) or ""
    module = f"./{answers.family}"
    parsed = ts.parse_typescript(registry)
    local = next(
        (
            name
            for declaration in ts.imports(parsed)
            if declaration.module in (module, f"{module}.js", f"{module}.ts")
            for name, imported in declaration.names.items()
            if imported == "*"
        ),
        None,
    )
    if local is None:
        local = camel(answers.family.split("-"))
        registry = ts_edits.add_import(registry, platform.EVENT_REGISTRY, f'import * as {local} from "{module}";')
    registry = ts_edits.add_object_entry(
        registry,
        platform.EVENT_REGISTRY,
        platform.EVENT_REGISTRY_CONST,
        answers.name,
        f"{local}.{answers.schema_export}",
    )
    changes.write(platform.EVENT_REGISTRY, registry)


def _manifest_path(service: str) -> str:
    return f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}"


def _add_to_manifest(changes: ChangeSet, service: str, key: str, event: str) -> None:
    path = _manifest_path(service)
    text = changes.current(path)
    if text is None:
        raise ScaffoldError(f"{path} is missing")
    require_valid_manifest(changes, path, models.SERVICE)
    changes.write(path, yaml_lists.add_to_string_list(text, path, ["contracts", key], event))


def publisher_context(answers: EventAnswers) -> dict[str, object]:
    return {
        "name": answers.name,
        "family": answers.family,
        "function": platform.publisher_function(answers.name),
        "subscribers": list(answers.subscribers),
        "user_facing": answers.user_facing,
        "payload_literal": ts_literal(sample_payload(answers.fields, with_optional=True)),
        "required_field": next((f.name for f in answers.fields if not f.optional), ""),
    }


def _add_publisher(changes: ChangeSet, answers: EventAnswers) -> None:
    """The typed publisher helper in the publisher's src/publishers.ts (the file is made when missing), and its
    test: the helper writes the outbox row inside the caller's transaction, and none when that rolls back."""
    service_dir = platform.service_dir(answers.publisher)
    path = f"{service_dir}/{platform.SERVICE_PUBLISHERS}"
    context = publisher_context(answers)
    function = templates.render_extra("publisher-function.ts.jinja", context)
    current = changes.current(path)
    if current is None:
        changes.write(path, templates.render_extra("publishers.ts.jinja", context) + function)
    else:
        parsed = ts.parse_typescript(current)
        if parsed.error_line is not None:
            raise ScaffoldError(f"{path}:{parsed.error_line}: not valid TypeScript; fix it before adding a publisher")
        if function.strip() not in current:  # else: the same helper, so a second run with the same answers is a no-op
            if context["function"] in ts.function_declarations(parsed):
                raise ScaffoldError(
                    f"{path} already has {context['function']}(); remove it or choose another event name"
                )
            changes.write(path, current.rstrip("\n") + "\n" + function)
    _write_new(
        changes,
        f"{service_dir}/{platform.publisher_test(answers.name)}",
        templates.render_extra("publisher.test.ts.jinja", context).encode("utf-8"),
    )


def _subscribe(changes: ChangeSet, subscriber: str, answers: EventAnswers) -> None:
    _add_to_manifest(changes, subscriber, "events_subscribed", answers.name)
    path = f"{platform.service_dir(subscriber)}/{SUBSCRIPTIONS}"
    text = changes.current(path)
    if text is None:
        raise ScaffoldError(
            f"{path} is missing: the subscriber needs the template's `subscriptions` map to wire the handler"
        )
    text = ts_edits.add_import(text, path, f'import {{ {answers.handler_function} }} from "./events/{answers.name}";')
    text = ts_edits.add_object_entry(text, path, "subscriptions", answers.name, answers.handler_function)
    changes.write(path, text)


def _make_user_facing(changes: ChangeSet, answers: EventAnswers) -> None:
    filters = changes.current(platform.WEBHOOK_FILTERS)
    if filters is None:
        raise ScaffoldError(f"{platform.WEBHOOK_FILTERS} is missing: is this a platform made by `scaffold init`?")
    changes.write(
        platform.WEBHOOK_FILTERS,
        ts_edits.add_sorted_array_element(
            filters, platform.WEBHOOK_FILTERS, "WEBHOOK_EVENT_FILTERS", free_text.ts_string(answers.name)
        ),
    )
    scopes = changes.current(platform.SCOPES_REGISTRY)
    if scopes is None:
        raise ScaffoldError(f"{platform.SCOPES_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    description = f"Receive {answers.family} events as webhooks."
    value = f"{{ description: {free_text.ts_string(description)}, returnsPhi: false }}"
    changes.write(
        platform.SCOPES_REGISTRY,
        ts_edits.add_object_entry(
            scopes, platform.SCOPES_REGISTRY, platform.SCOPES_REGISTRY_CONST, events_scope(answers.name), value
        ),
    )


def _add_changeset(changes: ChangeSet, answers: EventAnswers) -> None:
    """The release note (DEPLOY-01): the contracts package and every service the event touches."""
    services = sorted({answers.publisher, *answers.subscribers})
    bumps = "".join(f'"@platform/{s}-service": minor\n' for s in services)
    handled = f"; handled by {', '.join(answers.subscribers)}" if answers.subscribers else ""
    webhook = f"; delivered as a webhook to apps granted `{events_scope(answers.name)}`" if answers.user_facing else ""
    text = (
        f'---\n"@platform/contracts": minor\n{bumps}---\n\n'
        f"Add the `{answers.name}` event, published by the {answers.publisher} service{handled}{webhook}.\n"
    )
    changes.write(f"{platform.CHANGESET_DIR}/add-{answers.name.replace('.', '-').replace('_', '-')}-event.md", text)


def _write_generated(changes: ChangeSet, services: set[str]) -> None:
    """EVENT_NAMES, the event pages, and the pages of the services whose service.yaml changed."""
    from scaffold import docs_pages
    from scaffold.checks.event import derived_files
    from scaffold.verify.repo import RepoView

    for service in sorted(services):
        manifest = current_mapping(changes, _manifest_path(service))
        openapi = current_mapping(changes, openapi_file(changes, service))
        changes.write(f"{platform.DOCS_SERVICES}/{service}.md", docs_pages.render_service_page(manifest, openapi))
    for path, content in derived_files(RepoView(changes.root, overlay=changes.overlay())).items():
        changes.write(path, content)
