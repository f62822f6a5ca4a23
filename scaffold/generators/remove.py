"""`scaffold remove KIND NAME`: the inverse of a generator. Each `plan_remove_<kind>` undoes, through the removal
functions beside the insertions in scaffold/edits/, every registry entry the generator added and deletes every file
it wrote, in one ChangeSet (shown with --dry-run, applied all or nothing). Before planning anything it refuses —
one line, exit 2 — when something outside what the generator wrote still depends on the thing (a subscriber of the
event, code that names it). It ends with a changeset saying what was removed (not for an integration: see
plan_remove_integration).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from scaffold import platform
from scaffold.checks.event import event_page_path, events_scope, family_of
from scaffold.edits import sst_config, yaml_lists
from scaffold.edits import typescript_registries as ts_edits
from scaffold.errors import ScaffoldError
from scaffold.generators import free_text
from scaffold.generators.base import PlatformSettings, openapi_file, write_request_validators
from scaffold.naming import ServiceNames
from scaffold.parsers import typescript as ts
from scaffold.staging import ChangeSet

KINDS = ("service", "event", "job", "endpoint", "integration")
SUPPORTED = KINDS


def plan_remove(settings: PlatformSettings, kind: str, name: str) -> ChangeSet:
    if kind == "event":
        return plan_remove_event(settings, name)
    if kind == "job":
        return plan_remove_job(settings, name)
    if kind == "service":
        return plan_remove_service(settings, name)
    if kind == "endpoint":
        return plan_remove_endpoint(settings, name)
    if kind == "integration":
        return plan_remove_integration(settings, name)
    raise ScaffoldError(f"`scaffold remove {kind}` is not built yet (only: {', '.join(SUPPORTED)}); remove it by hand")


# --- events -------------------------------------------------------------------------------------------------------


def _event_slug(name: str) -> str:
    return name.replace(".", "-").replace("_", "-")


def _manifests(changes: ChangeSet) -> dict[str, dict[str, object]]:
    """service name → its parsed service.yaml (unreadable ones are skipped: verify reports them)."""
    found: dict[str, dict[str, object]] = {}
    for manifest in sorted((changes.root / platform.SERVICES_DIR).glob(f"*/{platform.SERVICE_MANIFEST}")):
        try:
            data = yaml.load(manifest.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            found[manifest.parent.name] = data
    return found


def _listed(manifest: dict[str, object], key: str) -> list[str]:
    contracts = manifest.get("contracts")
    values = contracts.get(key) if isinstance(contracts, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else []


def _registered_export(registry: str, name: str) -> tuple[str, str]:
    """(import local, schema export) of `name`'s EVENT_SCHEMAS entry, e.g. ("invoice", "paid")."""
    parsed = ts.parse_typescript(registry)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{platform.EVENT_REGISTRY}:{parsed.error_line}: not valid TypeScript; fix it first")
    value = ts.literal(parsed, platform.EVENT_REGISTRY_CONST)
    if value is None or not isinstance(value.value, dict):
        raise ScaffoldError(f"{platform.EVENT_REGISTRY}: no `EVENT_SCHEMAS = {{ ... }}` object literal")
    if name not in value.value:
        raise ScaffoldError(f"no event {name!r} in EVENT_SCHEMAS ({platform.EVENT_REGISTRY}); nothing to remove")
    for node in ts.walk(parsed.root):
        if node.type != "pair":
            continue
        key = node.child_by_field_name("key")
        entry = node.child_by_field_name("value")
        if key is None or entry is None or (ts.string_value(key) if key.type == "string" else ts.text_of(key)) != name:
            continue
        local, _, export = ts.text_of(entry).partition(".")
        if entry.type == "member_expression" and export:
            return local, export
    raise ScaffoldError(
        f"{platform.EVENT_REGISTRY}: the entry of {name!r} is not `<family>.<schema>`; scaffold did not write it, "
        "remove it by hand"
    )


def _refuse_event_dependents(changes: ChangeSet, name: str, manifests: dict[str, dict[str, object]]) -> None:
    """Refuse while a service subscribes to the event, or its code still names it or calls its publisher helper
    (the code as planned: the helper itself is already taken out)."""
    subscribers = [service for service, manifest in manifests.items() if name in _listed(manifest, "events_subscribed")]
    if subscribers:
        raise ScaffoldError(
            f"event {name!r} is still subscribed to by {', '.join(subscribers)} (contracts.events_subscribed); "
            "remove those handlers first"
        )
    quoted = (f'"{name}"', f"'{name}'", f"`{name}`")
    helper = re.compile(rf"\b{platform.publisher_function(name)}\b")
    for source in sorted((changes.root / platform.SERVICES_DIR).glob("*/src/**/*.ts")):
        text = changes.current(source.relative_to(changes.root).as_posix()) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if any(q in line for q in quoted) or helper.search(line):
                where = f"{source.relative_to(changes.root).as_posix()}:{number}"
                raise ScaffoldError(f"event {name!r} is still used at {where}; take that out first")


def _without_export(text: str, path: str, export: str) -> str:
    """The file without `export const <export> = …` or `export function <export>(…)`, and the comment lines and
    blank line above it."""
    parsed = ts.parse_typescript(text)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{path}:{parsed.error_line}: not valid TypeScript; fix it before removing from it")
    for statement in parsed.root.named_children:
        declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else None
        if declaration is None:
            continue
        declarators = [d for d in declaration.named_children if d.type == "variable_declarator"]
        declared = [d.child_by_field_name("name") for d in declarators] or [declaration.child_by_field_name("name")]
        names = [ts.text_of(n) for n in declared if n is not None]
        if names != [export]:
            continue
        first = statement
        while (
            first.prev_named_sibling is not None
            and first.prev_named_sibling.type == "comment"
            and (first.prev_named_sibling.end_point[0] == first.start_point[0] - 1)
        ):
            first = first.prev_named_sibling
        source = parsed.source
        start = source.rfind(b"\n", 0, first.start_byte) + 1
        end = source.find(b"\n", statement.end_byte)
        end = len(source) if end == -1 else end + 1
        before = source[:start]
        if before.endswith(b"\n\n"):  # the blank line the generator put above an appended schema
            before = before[:-1]
        return (before + source[end:]).decode("utf-8")
    raise ScaffoldError(f"{path}: no exported `{export}` to remove")


def _exports_left(text: str) -> bool:
    parsed = ts.parse_typescript(text)
    return any(statement.type == "export_statement" for statement in parsed.root.named_children)


def plan_remove_event(settings: PlatformSettings, name: str) -> ChangeSet:
    from scaffold.generators import event as event_generator

    changes = ChangeSet(settings.root)
    registry = changes.current(platform.EVENT_REGISTRY)
    if registry is None:
        raise ScaffoldError(f"{platform.EVENT_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    local, export = _registered_export(registry, name)
    manifests = _manifests(changes)
    publishers = [service for service, manifest in manifests.items() if name in _listed(manifest, "events_published")]
    for publisher in publishers:
        _remove_publisher_helper(changes, publisher, name)
    _refuse_event_dependents(changes, name, manifests)
    family = family_of(name)

    family_path = platform.event_family_file(family)
    family_text = changes.current(family_path)
    family_gone = False
    if family_text is not None:
        rest = _without_export(family_text, family_path, export)
        family_gone = not _exports_left(rest)
        if family_gone:
            changes.delete(family_path)
        else:
            changes.write(family_path, rest)

    registry = ts_edits.remove_object_entry(registry, platform.EVENT_REGISTRY, platform.EVENT_REGISTRY_CONST, name)
    if family_gone:
        registry = ts_edits.remove_import(registry, platform.EVENT_REGISTRY, f'import * as {local} from "./{family}";')
    changes.write(platform.EVENT_REGISTRY, registry)

    for publisher in publishers:
        path = f"{platform.service_dir(publisher)}/{platform.SERVICE_MANIFEST}"
        text = changes.current(path) or ""
        changes.write(path, yaml_lists.remove_from_string_list(text, path, ["contracts", "events_published"], name))

    _remove_webhook(changes, name)
    changes.delete(f"{platform.CONTRACTS_TESTS_DIR}/events/{name}.test.ts")
    changes.delete(event_page_path(name))
    changes.delete(f"{platform.CHANGESET_DIR}/add-{_event_slug(name)}-event.md")
    bumps = "".join(f'"@platform/{s}-service": minor\n' for s in publishers)
    by = f", published by the {', '.join(publishers)} service" if publishers else ""
    changes.write(
        f"{platform.CHANGESET_DIR}/remove-{_event_slug(name)}-event.md",
        f'---\n"@platform/contracts": minor\n{bumps}---\n\nRemove the `{name}` event{by}.\n',
    )
    event_generator._write_generated(changes, set(publishers))
    return changes


def _remove_publisher_helper(changes: ChangeSet, service: str, name: str) -> None:
    """Undo the event generator in the publisher: its helper in src/publishers.ts (the file too, when only the
    header the generator wrote is left) and the helper's test. A publisher without a helper (events published
    before helpers existed, or by hand) has nothing to undo here."""
    from scaffold.templates import render_extra

    service_dir = platform.service_dir(service)
    path = f"{service_dir}/{platform.SERVICE_PUBLISHERS}"
    text = changes.current(path)
    function = platform.publisher_function(name)
    if text is None or function not in ts.function_declarations(ts.parse_typescript(text)):
        return
    rest = _without_export(text, path, function)
    if rest == render_extra("publishers.ts.jinja", {}):
        changes.delete(path)
    else:
        changes.write(path, rest)
    changes.delete(f"{service_dir}/{platform.publisher_test(name)}")


def _remove_webhook(changes: ChangeSet, name: str) -> None:
    """Undo the user-facing part: the webhook filter, and the family's scope once no filter of the family is left."""
    filters = changes.current(platform.WEBHOOK_FILTERS)
    if filters is None:
        return
    element = free_text.ts_string(name)
    filters = ts_edits.remove_array_element(filters, platform.WEBHOOK_FILTERS, "WEBHOOK_EVENT_FILTERS", element)
    changes.write(platform.WEBHOOK_FILTERS, filters)
    parsed = ts.parse_typescript(filters)
    remaining = ts.literal(parsed, "WEBHOOK_EVENT_FILTERS")
    values = remaining.value if remaining is not None and isinstance(remaining.value, list) else []
    if any(isinstance(v.value, str) and family_of(v.value) == family_of(name) for v in values):
        return
    scopes = changes.current(platform.SCOPES_REGISTRY)
    if scopes is not None:
        changes.write(
            platform.SCOPES_REGISTRY,
            ts_edits.remove_object_entry(
                scopes, platform.SCOPES_REGISTRY, platform.SCOPES_REGISTRY_CONST, events_scope(name)
            ),
        )


# --- jobs ---------------------------------------------------------------------------------------------------------


def _job_entries(changes: ChangeSet) -> list[tuple[str, dict[str, str], str]]:
    """(name, {schedule, description, service, path}, the element's source text) of every entry of JOBS."""
    text = changes.current(platform.JOBS_REGISTRY)
    if text is None:
        raise ScaffoldError(f"{platform.JOBS_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    parsed = ts.parse_typescript(text)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{platform.JOBS_REGISTRY}:{parsed.error_line}: not valid TypeScript; fix it first")
    literal = ts_edits._literal_of(parsed, platform.JOBS_REGISTRY_CONST, "array", platform.JOBS_REGISTRY)
    found = []
    for element in (e for e in literal.named_children if e.type == "object"):
        value = ts.literal_value(element).value
        if not isinstance(value, dict):
            continue
        fields = {key: item.value for key, item in value.items()}
        target = fields.get("target")
        target_fields = {k: v.value for k, v in target.items()} if isinstance(target, dict) else {}
        facts = {
            "schedule": str(fields.get("schedule", "")),
            "description": str(fields.get("description", "")),
            "service": str(target_fields.get("service", "")),
            "path": str(target_fields.get("path", "")),
        }
        found.append((str(fields.get("name", "")), facts, ts.text_of(element)))
    return found


def _without_runbook_section(text: str, name: str) -> str:
    heading = f"## Job: {name}\n"
    start = text.find(heading)
    if start == -1:
        return text
    following = text.find("\n## ", start + len(heading))
    end = len(text) if following == -1 else following + 1
    before = text[:start]
    if before.endswith("\n\n"):  # the blank line the generator put above the section
        before = before[:-1]
    return before + text[end:]


def plan_remove_job(settings: PlatformSettings, name: str) -> ChangeSet:
    from scaffold.edits import openapi as openapi_edits
    from scaffold.edits import typescript_code as code_edits
    from scaffold.generators import job as job_generator

    changes = ChangeSet(settings.root)
    entries = _job_entries(changes)
    mine = next((entry for entry in entries if entry[0] == name), None)
    if mine is None:
        raise ScaffoldError(f"no job {name!r} in JOBS ({platform.JOBS_REGISTRY}); nothing to remove")
    _, facts, element = mine
    target = facts["service"]
    answers = job_generator.JobAnswers(name, facts["schedule"], target, facts["description"])
    if facts["path"] != answers.path:
        raise ScaffoldError(
            f"job {name!r} calls {facts['path']}, not the generated {answers.path}; scaffold did not write it, "
            "remove it by hand"
        )
    last_for_target = not any(other[1]["service"] == target for other in entries if other[0] != name)
    service_dir = platform.service_dir(target)
    work_path = f"{service_dir}/{platform.job_work_file(name)}"
    work = changes.current(work_path)
    if work is not None and work.encode("utf-8") != job_generator.rendered_work(settings, answers):
        raise ScaffoldError(
            f"{work_path} holds the job's work as written since `scaffold new job`, which removing the job would "
            f"delete: move it out of the way (or delete it yourself), then run `scaffold remove job {name}` again"
        )

    registry = changes.current(platform.JOBS_REGISTRY) or ""
    registry = ts_edits.remove_array_element(registry, platform.JOBS_REGISTRY, platform.JOBS_REGISTRY_CONST, element)
    changes.write(platform.JOBS_REGISTRY, registry)

    routes_path = f"{service_dir}/{job_generator.ROUTES_FILE}"
    routes = changes.current(routes_path)
    if routes is not None:
        routes, left = code_edits.remove_statement_from_function(
            routes, routes_path, job_generator.ROUTES_FUNCTION, lambda statement: f'"{answers.path}"' in statement
        )
        if left:
            changes.write(routes_path, ts_edits.remove_import(routes, routes_path, job_generator.work_import(answers)))
        else:  # the generator created the file and wired it into the app: undo both
            changes.delete(routes_path)
            _unwire_job_routes(changes, f"{service_dir}/{job_generator.APP_FILE}")
    changes.delete(f"{service_dir}/{platform.job_work_file(name)}")
    changes.delete(f"{service_dir}/test/integration/jobs/{name}.test.ts")

    openapi_path = openapi_file(changes, answers.target)
    openapi = changes.current(openapi_path)
    if openapi is not None:
        openapi = openapi_edits.remove_operation(openapi, openapi_path, answers.path, "post")
        if last_for_target:
            openapi = openapi_edits.remove_component_schema(openapi, openapi_path, "JobRun")
        changes.write(openapi_path, openapi)
        write_request_validators(changes, answers.target, only_if_there=True)
    runbook = changes.current(platform.JOBS_RUNBOOK)
    if runbook is not None:
        changes.write(platform.JOBS_RUNBOOK, _without_runbook_section(runbook, name))
    if last_for_target:
        _unregister_job_caller(changes, target)

    changes.delete(f"{platform.CHANGESET_DIR}/add-{name}-job.md")
    changes.write(
        f"{platform.CHANGESET_DIR}/remove-{name}-job.md",
        f'---\n"@platform/{job_generator.JOBS_SERVICE}-service": minor\n"@platform/{target}-service": minor\n'
        f'"@platform/sdk-{target}": minor\n---\n\n'
        f"Remove the `{name}` job and the {target} service's admin endpoint `POST {answers.path}`.\n",
    )
    job_generator._regenerate_sdk_schema(changes, answers)
    job_generator._write_generated_pages(changes, answers)
    return changes


def _unwire_job_routes(changes: ChangeSet, app_path: str) -> None:
    from scaffold.edits import typescript_code as code_edits
    from scaffold.generators import job as job_generator

    text = changes.current(app_path)
    if text is None:
        return
    function = job_generator.ROUTES_FUNCTION
    text = ts_edits.remove_import(text, app_path, f'import {{ {function} }} from "./routes/jobs";')
    wiring = f"{function}(app, deps.db);"
    text, _ = code_edits.remove_statement_from_function(text, app_path, "createApp", lambda s: s.strip() == wiring)
    changes.write(app_path, text)


def _unregister_job_caller(changes: ChangeSet, target: str) -> None:
    """The target's last job is gone: the jobs service no longer calls it (test scope, caller, M2M client)."""
    from scaffold.edits import typescript_code as code_edits
    from scaffold.generators import job as job_generator

    service_dir = platform.service_dir(target)
    helpers_path = f"{service_dir}/{job_generator.TEST_HELPERS}"
    helpers = changes.current(helpers_path)
    if helpers is not None:
        scope = f'"{job_generator.JOBS_SCOPE}"'
        changes.write(
            helpers_path,
            code_edits.remove_array_element_anywhere(helpers, helpers_path, platform.SCOPES_REGISTRY_CONST, scope),
        )
    manifest = f"{service_dir}/{platform.SERVICE_MANIFEST}"
    text = changes.current(manifest)
    if text is not None:
        changes.write(manifest, yaml_lists.remove_from_string_list(text, manifest, ["callers"], "jobs"))
    clients = changes.current(platform.M2M_CLIENTS)
    if clients is None:
        return
    document = yaml_lists.load(clients, platform.M2M_CLIENTS)
    entries = document.get("clients") if isinstance(document, dict) else None
    client = next(
        (c for c in entries or [] if isinstance(c, dict) and c.get("service") == job_generator.JOBS_SERVICE), None
    )
    if client is None or not isinstance(client.get("calls"), list) or target not in client["calls"]:
        return
    client["calls"].remove(target)
    if client["calls"]:
        changes.write(platform.M2M_CLIENTS, yaml_lists.dump(document))
    else:
        jobs_client = job_generator.JOBS_SERVICE
        changes.write(
            platform.M2M_CLIENTS,
            yaml_lists.remove_list_item(clients, platform.M2M_CLIENTS, "clients", "service", jobs_client),
        )


# --- services -----------------------------------------------------------------------------------------------------


def _delete_folder(changes: ChangeSet, folder: str) -> None:
    """Every file below `folder` but installed packages and build output (IGNORED_DIRS), never through a link."""
    for path in sorted((changes.root / folder).rglob("*")):
        relative = path.relative_to(changes.root)
        if path.is_file() and not path.is_symlink() and not platform.IGNORED_DIRS.intersection(relative.parts):
            changes.delete(relative.as_posix())


def _refuse_service_dependents(changes: ChangeSet, name: str, created_event: str) -> None:
    """What else must go first: the service's other events, their subscribers, jobs calling it, M2M clients calling
    it, and code outside the service that imports its SDK."""
    root = changes.root
    manifests = _manifests(changes)
    own = manifests.get(name, {})
    others = [event for event in _listed(own, "events_published") if event != created_event]
    registry = ts.literal(
        ts.parse_typescript(changes.current(platform.EVENT_REGISTRY) or ""), platform.EVENT_REGISTRY_CONST
    )
    family_events = [
        e
        for e in (registry.value if registry and isinstance(registry.value, dict) else {})
        if family_of(e) == name and e != created_event
    ]
    for event in sorted({*others, *family_events}):
        raise ScaffoldError(f"service {name!r} still publishes {event!r}; `scaffold remove event {event}` first")
    for service, manifest in manifests.items():
        if service != name and created_event in _listed(manifest, "events_subscribed"):
            raise ScaffoldError(f"{service} still subscribes to {created_event!r}; remove that handler first")
    jobs = [job for job, facts, _ in _job_entries(changes) if facts["service"] == name]
    if jobs:
        raise ScaffoldError(f"job {jobs[0]!r} still calls service {name!r}; `scaffold remove job {jobs[0]}` first")
    clients = yaml.load(changes.current(platform.M2M_CLIENTS) or "", Loader=yaml.CSafeLoader) or {}
    for client in clients.get("clients") or [] if isinstance(clients, dict) else []:
        if isinstance(client, dict) and name in (client.get("calls") or []):
            raise ScaffoldError(
                f"the M2M client of {client.get('service')!r} still calls service {name!r} ({platform.M2M_CLIENTS})"
            )
    sdk = platform.sdk_package_name(name)
    own_dir = root / platform.service_dir(name)
    for folder in (root / platform.SERVICES_DIR, root / platform.INTEGRATIONS_DIR, root / "packages"):
        for source in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if (
                source.suffix not in (".ts", ".tsx", ".json")
                or own_dir in source.parents
                or platform.IGNORED_DIRS.intersection(source.relative_to(root).parts)
                or not source.is_file()
            ):
                continue
            text = source.read_text(encoding="utf-8", errors="replace")
            if f'"{sdk}"' in text:
                line = text[: text.index(f'"{sdk}"')].count("\n") + 1
                raise ScaffoldError(
                    f"{source.relative_to(root).as_posix()}:{line} still uses {sdk}; take that out first"
                )


def plan_remove_service(settings: PlatformSettings, name: str) -> ChangeSet:
    from scaffold.generators import service as service_generator
    from scaffold.naming import ServiceNames

    root = settings.root
    service_dir = platform.service_dir(name)
    if name in platform.RESERVED_SERVICE_NAMES or not (root / service_dir / platform.SERVICE_MANIFEST).is_file():
        raise ScaffoldError(f"no service {name!r} ({service_dir}/{platform.SERVICE_MANIFEST} is missing)")
    recorded = service_generator.recorded_answers(root, name) or {}
    names = ServiceNames(name, str(recorded.get("resource") or "item"))
    changes = ChangeSet(root)
    _refuse_service_dependents(changes, name, names.created_event)

    _delete_folder(changes, service_dir)

    changes.delete(platform.event_family_file(name))
    registry = changes.current(platform.EVENT_REGISTRY) or ""
    registry = ts_edits.remove_object_entry(
        registry, platform.EVENT_REGISTRY, platform.EVENT_REGISTRY_CONST, names.created_event
    )
    family_import = f'import * as {names.name_camel} from "./{name}";'
    registry = ts_edits.remove_import(registry, platform.EVENT_REGISTRY, family_import)
    changes.write(platform.EVENT_REGISTRY, registry)
    scopes = changes.current(platform.SCOPES_REGISTRY) or ""
    for scope in (names.read_scope, names.write_scope):
        scopes = ts_edits.remove_object_entry(scopes, platform.SCOPES_REGISTRY, platform.SCOPES_REGISTRY_CONST, scope)
    changes.write(platform.SCOPES_REGISTRY, scopes)
    config = changes.current(platform.SST_CONFIG) or ""
    changes.write(platform.SST_CONFIG, sst_config.unregister_service(config, name))
    catalog = changes.current(platform.CATALOG) or ""
    changes.write(
        platform.CATALOG,
        yaml_lists.remove_list_item(catalog, platform.CATALOG, platform.CATALOG_SERVICES_KEY, "name", name),
    )

    changes.delete(f"{platform.DOCS_SERVICES}/{name}.md")
    changes.delete(f"{platform.DOCS_SDK}/{name}.md")
    changes.delete(event_page_path(names.created_event))
    changes.delete(f"{platform.CHANGESET_DIR}/add-{name}-service.md")
    changes.write(
        f"{platform.CHANGESET_DIR}/remove-{name}-service.md",
        f'---\n"@platform/contracts": minor\n---\n\nRemove the {name} service, its `@platform/sdk-{name}` client, '
        f"its `{names.read_scope}` and `{names.write_scope}` scopes and its `{names.created_event}` event.\n",
    )
    from scaffold.checks.event import derived_files
    from scaffold.verify.repo import RepoView

    for derived, content in derived_files(RepoView(root, overlay=changes.overlay())).items():
        if changes.current(derived) is not None:  # only the pages of events that stay
            changes.write(derived, content)
    return changes


# --- endpoints ----------------------------------------------------------------------------------------------------


def _operations(openapi: object) -> list[tuple[str, str, dict[str, object]]]:
    """(path, method, operation) of every operation of a parsed openapi.yaml."""
    paths = openapi.get("paths") if isinstance(openapi, dict) else None
    return [
        (path, method, operation)
        for path, item in (paths.items() if isinstance(paths, dict) else [])
        if isinstance(item, dict)
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]


def _listed_under(operation: dict[str, object], key: str) -> list[str]:
    values = operation.get(key)
    return [str(v) for v in values] if isinstance(values, list) else []


def _scopes_of(operation: dict[str, object]) -> list[str]:
    security = operation.get("security")
    found: list[str] = []
    for requirement in security if isinstance(security, list) else []:
        for scopes in requirement.values() if isinstance(requirement, dict) else []:
            found += [str(scope) for scope in scopes] if isinstance(scopes, list) else []
    return found


def plan_remove_endpoint(settings: PlatformSettings, name: str) -> ChangeSet:
    from scaffold.checks import endpoint as endpoint_checks
    from scaffold.edits import openapi as openapi_edits
    from scaffold.edits import typescript_code as code_edits
    from scaffold.generators import endpoint as endpoint_generator
    from scaffold.generators import job as job_generator
    from scaffold.naming import camel
    from scaffold.verify.repo import RepoView

    root = settings.root
    owners = sorted(p.parents[2].name for p in (root / platform.SERVICES_DIR).glob(f"*/src/routes/{name}.ts"))
    if len(owners) != 1:
        found = f"in {', '.join(owners)}" if owners else "in no service"
        raise ScaffoldError(f"endpoint {name!r}: its route file src/routes/{name}.ts is {found}; nothing removed")
    service = owners[0]
    service_dir = platform.service_dir(service)
    operation_id = camel(name.split("-"))
    function = f"{operation_id}Route"
    changes = ChangeSet(root)
    openapi_path = openapi_file(changes, service)
    openapi_text = changes.current(openapi_path) or ""
    operations = _operations(yaml.load(openapi_text, Loader=yaml.CSafeLoader))
    mine = next(((p, m, o) for p, m, o in operations if o.get("operationId") == operation_id), None)
    if mine is None:
        raise ScaffoldError(f"{openapi_path}: no operation {operation_id!r} for endpoint {name!r}; nothing removed")
    api_path, method, operation = mine
    others = [o for _, _, o in operations if o is not operation]
    derived_before = set(endpoint_checks.derived_files(RepoView(root)))

    changes.delete(f"{service_dir}/src/routes/{name}.ts")
    changes.delete(f"{service_dir}/test/integration/{name}.oauth.test.ts")
    app_path = f"{service_dir}/src/app.ts"
    app = changes.current(app_path)
    if app is not None:
        app = ts_edits.remove_import(app, app_path, f'import {{ {function} }} from "./routes/{name}";')
        wiring = f"{function}(app, deps.db);"
        app, _ = code_edits.remove_statement_from_function(app, app_path, "createApp", lambda s: s.strip() == wiring)
        changes.write(app_path, app)
    changes.write(openapi_path, openapi_edits.remove_operation(openapi_text, openapi_path, api_path, method))
    _remove_unused_nested_collection(changes, service, api_path, f"{service_dir}/src/routes/{name}.ts")
    write_request_validators(changes, service, only_if_there=True)

    standard = {f"{service}:read", f"{service}:write"}
    for scope in _scopes_of(operation):
        if scope in standard or _scope_used_elsewhere(root, scope, others, f"{service_dir}/src/routes/{name}.ts"):
            continue
        registry = changes.current(platform.SCOPES_REGISTRY) or ""
        changes.write(
            platform.SCOPES_REGISTRY,
            ts_edits.remove_object_entry(registry, platform.SCOPES_REGISTRY, platform.SCOPES_REGISTRY_CONST, scope),
        )
        manifest_path = f"{service_dir}/{platform.SERVICE_MANIFEST}"
        manifest = changes.current(manifest_path) or ""
        changes.write(manifest_path, yaml_lists.remove_from_string_list(manifest, manifest_path, ["scopes"], scope))
    emitted = operation.get(platform.WEBHOOKS_KEY)
    # The endpoint generator makes only the service's created event user-facing (any other event it emits was
    # user-facing already, by its own generator): only that one is taken back, once no other operation emits it.
    created = ServiceNames(service, endpoint_generator.service_resource(root, service)).created_event
    for event in [str(e) for e in emitted] if isinstance(emitted, list) else []:
        if event == created and not any(event in _listed_under(o, platform.WEBHOOKS_KEY) for o in others):
            _remove_webhook(changes, event)

    changes.write(
        f"{platform.CHANGESET_DIR}/remove-{name}-endpoint.md",
        f'---\n"@platform/{service}-service": minor\n"@platform/sdk-{service}": minor\n---\n\n'
        f"Remove the {service} service's `{method.upper()} {api_path}` endpoint (`{operation_id}`).\n",
    )
    # The job generator's `pnpm sdk:gen` on the planned openapi.yaml needs only the service of its answers.
    job_generator._regenerate_sdk_schema(changes, job_generator.JobAnswers(name, "", service, ""))
    endpoint_generator._write_generated_pages(changes, service)
    after = set(endpoint_checks.derived_files(RepoView(root, overlay=changes.overlay())))
    for page in sorted(derived_before - after - {platform.DOCS_CONNECT}):
        changes.delete(page)
    if after == {platform.DOCS_CONNECT}:  # no third-party endpoint is left: the page `scaffold init` wrote
        from scaffold.templates import template_dir

        changes.write(platform.DOCS_CONNECT, (template_dir("platform") / platform.DOCS_CONNECT).read_bytes())
    return changes


def _remove_unused_nested_collection(changes: ChangeSet, service: str, api_path: str, route_file: str) -> None:
    """A nested collection the endpoint generator made for `/items/{id}/<children>` (table, service class, unit
    test, truncate entry, schemas) goes with the last route that uses it; while another file of the service imports
    its class, it stays."""
    from scaffold.checks.svc_observability import resolve_import
    from scaffold.edits import openapi as openapi_edits
    from scaffold.edits import typescript_code as code_edits
    from scaffold.generators import endpoint as endpoint_generator
    from scaffold.verify.repo import RepoView

    segments = api_path.strip("/").split("/")
    if len(segments) != 3 or not endpoint_generator.CHILD_SEGMENT.match(segments[2]):
        return
    resource = endpoint_generator.service_resource(changes.root, service)
    child = ServiceNames(service, endpoint_generator.child_resource(resource, segments[2]))
    class_file = endpoint_generator.child_service_file(service, child)
    if changes.current(class_file) is None:
        return
    service_dir = platform.service_dir(service)
    unit_test = f"{service_dir}/{platform.SERVICE_UNIT_TESTS_DIR}/{child.resource}-service.test.ts"
    view = RepoView(changes.root, overlay=changes.overlay())
    for path in view.files_under(f"{service_dir}/{platform.SERVICE_SRC_DIR}"):
        parsed = view.typescript(path) if path not in (route_file, class_file) else None
        for declaration in ts.imports(parsed) if parsed is not None and path.endswith(".ts") else []:
            if resolve_import(view, path, declaration.module) == class_file:
                return
    changes.delete(class_file)
    changes.delete(unit_test)
    migrations = f"{service_dir}/{platform.SERVICE_MIGRATIONS_DIR}"
    created = re.compile(rf"^\d+_create_{re.escape(child.resource_plural)}\.sql$")
    for path in view.files_under(migrations):
        if created.match(path.rsplit("/", 1)[-1]):
            changes.delete(path)
    helpers = f"{service_dir}/{platform.SERVICE_TEST_HELPERS}"
    text = changes.current(helpers)
    if text is not None:
        changes.write(helpers, code_edits.remove_truncated_table(text, helpers, "truncateAll", child.resource_plural))
    openapi_path = openapi_file(changes, service)
    document = changes.current(openapi_path) or ""
    for schema in (f"{child.resource_pascal}List", child.resource_pascal):
        if not re.search(rf"#/components/schemas/{schema}(?![A-Za-z0-9_])", document):
            document = openapi_edits.remove_component_schema(document, openapi_path, schema)
    changes.write(openapi_path, document)


def _scope_used_elsewhere(root: Path, scope: str, operations: list[dict[str, object]], route_file: str) -> bool:
    """Another operation of the service, or the code of any service, still needs the scope."""
    from scaffold.verify.repo import RepoView  # lists and reads the repo without following a link out of it

    if any(scope in _scopes_of(o) for o in operations):
        return True
    view = RepoView(root)
    for path in view.files_under(platform.SERVICES_DIR):
        parts = path.split("/")
        if len(parts) < 4 or parts[2] != platform.SERVICE_SRC_DIR or not path.endswith(".ts") or path == route_file:
            continue
        if f'"{scope}"' in (view.read_text(path) or ""):
            return True
    return False


# --- integrations -------------------------------------------------------------------------------------------------


def plan_remove_integration(settings: PlatformSettings, name: str) -> ChangeSet:
    """The integration generator wrote only its folder (and, into platforms older than the kit, packages/button-kit,
    which other integrations may use: it stays). No changeset: the generator wrote none (an integration ships apart
    from the platform's packages), and one naming no package fails DEPLOY-01."""
    from scaffold.generators.integration import integration_dir, validate_name

    validate_name(name)
    folder = integration_dir(name)
    if not (settings.root / folder / platform.INTEGRATION_MANIFEST).is_file():
        raise ScaffoldError(f"no integration {name!r} ({folder}/{platform.INTEGRATION_MANIFEST} is missing)")
    changes = ChangeSet(settings.root)
    _delete_folder(changes, folder)
    return changes
