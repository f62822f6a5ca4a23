"""`scaffold new job NAME`: a scheduled job and the idempotent admin endpoint it calls. templates/job renders the
new files; the rest are comment-preserving edits.

  services/jobs/src/jobs/registry.ts           the JobDefinition in JOBS (JOB-02)
  services/jobs/RUNBOOK.md                     a `## Job: <name>` section (JOB-05)
  services/<target>/src/jobs/<name>.ts         the job's work function, run by the admin route in its transaction
  services/<target>/src/routes/jobs.ts         the admin route: requireScope("jobs:run"), transactional,
                                               idempotency, audit, then the kit's runJobWork (JOB-01); created, or
                                               the route and its import appended
  services/<target>/src/app.ts                 jobRoutes(app, deps.db) wired in, the first time
  services/<target>/test/integration/jobs/<name>.test.ts  the route's test (runs the work once for the scheduled
                                               time, replay, rollback of a failed run, 400/401/403)
  services/<target>/test/helpers.ts            `jobs:run` among the test SCOPES (the conformance test calls every route)
  services/<target>/openapi.yaml               the operation and the JobRun schema; sdk/src/schema.ts regenerated
                                               with openapi-typescript when the platform's node_modules hold it
  services/<target>/service.yaml + identity/m2m-clients.yaml   `jobs` as a caller with an M2M client (SVC-AUTH-01)
  docs/services/<target>.md, docs/sdk/<target>.md              regenerated (SVC-DOC-03, SVC-SDK-03)

The target-URL secret and the failure alarm need no edit: services/jobs/infra.ts declares both for every entry of
JOBS (JOB-03, JOB-04); the secret's value per stage is evidence a person records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scaffold import platform, sdk_gen, templates
from scaffold.checks.job import JOB_NAME, SCHEDULE
from scaffold.edits import openapi as openapi_edits
from scaffold.edits import typescript_code as code_edits
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
    write_request_validators,
)
from scaffold.naming import pascal
from scaffold.parsers import models
from scaffold.parsers import typescript as ts
from scaffold.staging import ChangeSet

JOBS_SCOPE = platform.JOBS_SCOPE
JOBS_SERVICE = "jobs"
ROUTES_FILE = "src/routes/jobs.ts"
ROUTES_FUNCTION = "jobRoutes"
APP_FILE = "src/app.ts"
TEST_HELPERS = platform.SERVICE_TEST_HELPERS
DEFAULT_SCHEDULE = "cron(0 3 * * ? *)"
MAX_JOB_NAME = 40
_CRON_FIELD = re.compile(r"^[0-9A-Z*?,/#LW-]+$")


@dataclass(frozen=True)
class JobAnswers:
    name: str
    schedule: str
    target: str
    summary: str
    consecutive_failures: int = 3

    @property
    def path(self) -> str:
        return f"/admin/jobs/{self.name}"

    @property
    def operation_id(self) -> str:
        return "runJob" + pascal(self.name.split("-"))

    @property
    def work_function(self) -> str:
        return platform.job_work_function(self.name)

    @property
    def url_secret(self) -> str:
        return pascal(self.target.split("-")) + "Url"

    @property
    def audit_event_type(self) -> str:
        return f"{self.target}.job.{self.name.replace('-', '_')}.ran"


def existing_services(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / platform.SERVICES_DIR).glob(f"*/{platform.SERVICE_MANIFEST}"))


def validate_name(name: str) -> None:
    if not name:
        raise ScaffoldError("a job name is required, e.g. `scaffold new job nightly-cleanup`")
    if not JOB_NAME.match(name) or len(name) > MAX_JOB_NAME:
        raise ScaffoldError(
            f"job name {name!r} is not valid: kebab-case, lower-case letters and digits, starting with a letter, "
            f"at most {MAX_JOB_NAME} characters (e.g. nightly-cleanup)"
        )


def normalise_schedule(schedule: str) -> str:
    """An EventBridge expression as given, or a five-field Unix cron turned into one (`0 3 * * *` →
    `cron(0 3 * * ? *)`). Anything else is a one-line error."""
    text = " ".join(schedule.split())
    fields = text.split(" ")
    if len(fields) == 5 and not text.startswith(("cron(", "rate(")):
        minute, hour, day, month, weekday = fields
        if "/" in weekday:
            raise ScaffoldError(f"invalid schedule {schedule!r}: write the days of week as a list or range, not a step")
        # Unix cron counts weekdays 0-7 from Sunday (0 and 7 both Sunday), EventBridge 1-7 from Sunday.
        weekday = re.sub(r"\d+", lambda day_number: str(int(day_number.group()) % 7 + 1), weekday)
        if weekday == "*":
            weekday = "?"
        elif day == "*":
            day = "?"
        else:
            raise ScaffoldError(f"invalid schedule {schedule!r}: give a day of month or a day of week, not both")
        text = f"cron({minute} {hour} {day} {month} {weekday} *)"
    if not SCHEDULE.match(text):
        raise ScaffoldError(
            f"invalid schedule {schedule!r}: use `cron(m h day-of-month month day-of-week year)` (EventBridge, UTC), "
            "`rate(N minutes|hours|days)`, or a five-field cron such as `0 3 * * *`"
        )
    if text.startswith("cron("):
        parts = text[5:-1].split(" ")
        if not all(_CRON_FIELD.match(part) for part in parts):
            raise ScaffoldError(f"invalid schedule {schedule!r}: a cron field holds characters cron does not know")
        if (parts[2] == "?") == (parts[4] == "?"):
            raise ScaffoldError(
                f"invalid schedule {schedule!r}: EventBridge needs `?` in exactly one of day-of-month and day-of-week"
            )
        if not _in_range(parts[0], 0, 59) or not _in_range(parts[1], 0, 23):
            raise ScaffoldError(f"invalid schedule {schedule!r}: minutes run 0–59 and hours 0–23")
    elif text.startswith("rate("):
        amount, unit = text[5:-1].split(" ")
        if int(amount) < 1 or (int(amount) == 1) != (not unit.endswith("s")):
            raise ScaffoldError(f"invalid schedule {schedule!r}: write `rate(1 hour)` or `rate(N hours)` with N ≥ 2")
    return text


def _in_range(field: str, low: int, high: int) -> bool:
    numbers = [int(n) for n in re.findall(r"\d+", field)]
    return all(low <= n <= high for n in numbers) if "/" not in field else all(n <= high for n in numbers)


def default_target(root: Path) -> str | None:
    services = existing_services(root)
    return services[0] if len(services) == 1 else None


def validate_answers(root: Path, answers: JobAnswers) -> None:
    validate_name(answers.name)
    services = existing_services(root)
    if answers.target not in services:
        known = ", ".join(services) or "none yet; create one with `scaffold new service`"
        raise ScaffoldError(f"unknown target service {answers.target!r} (services: {known})")
    if normalise_schedule(answers.schedule) != answers.schedule:
        raise ScaffoldError(f"invalid schedule {answers.schedule!r}")
    free_text.check_line("what the job does (--description)", answers.summary)
    if not 1 <= answers.consecutive_failures <= 100:
        raise ScaffoldError("--alarm-after must be between 1 and 100 failed runs")


def plan_job(settings: PlatformSettings, answers: JobAnswers) -> ChangeSet:
    validate_answers(settings.root, answers)
    return plan_unless_exists(
        answers.name in _job_names(ChangeSet(settings.root)),
        lambda: _plan_changes(settings, answers),
        f"job {answers.name!r} already exists in {platform.JOBS_REGISTRY}; choose another name, or change the job "
        "by hand",
    )


def _job_names(changes: ChangeSet) -> set[str]:
    text = changes.current(platform.JOBS_REGISTRY)
    if text is None:
        raise ScaffoldError(f"{platform.JOBS_REGISTRY} is missing: is this a platform made by `scaffold init`?")
    parsed = ts.parse_typescript(text)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{platform.JOBS_REGISTRY}:{parsed.error_line}: not valid TypeScript; fix it first")
    value = ts.literal(parsed, platform.JOBS_REGISTRY_CONST)
    if value is None or not isinstance(value.value, list):
        raise ScaffoldError(f"{platform.JOBS_REGISTRY}: no `JOBS = [ ... ]` array literal")
    names = set()
    for entry in value.value:
        name = entry.value.get("name") if isinstance(entry.value, dict) else None
        if name is not None and isinstance(name.value, str):
            names.add(name.value)
    return names


def _template_data(answers: JobAnswers) -> dict[str, str]:
    return {
        "name": answers.name,
        "target": answers.target,
        "schedule": answers.schedule,
        "summary_comment": free_text.ts_comment(answers.summary),  # the route's comment (copier runs no filter of ours)
        "job_path": answers.path,
        "audit_event_type": answers.audit_event_type,
        "job_work": answers.work_function,
    }


def rendered_work(settings: PlatformSettings, answers: JobAnswers) -> bytes:
    """The job's work module as the generator writes it: `remove job` deletes only that, never work written since."""
    files = templates.render("job", _template_data(answers), settings.templates_url, settings.templates_ref)
    return files[f"{platform.service_dir(answers.target)}/{platform.job_work_file(answers.name)}"]


def _plan_changes(settings: PlatformSettings, answers: JobAnswers) -> ChangeSet:
    changes = ChangeSet(settings.root)
    files = templates.render("job", _template_data(answers), settings.templates_url, settings.templates_ref)
    service_dir = platform.service_dir(answers.target)
    routes_path = f"{service_dir}/{ROUTES_FILE}"
    _add_route(changes, routes_path, files.pop(routes_path).decode("utf-8"), answers)
    for path, content in files.items():
        current = changes.current(path)
        if current is not None and current.encode("utf-8") != content:
            raise ScaffoldError(f"{path} already exists with other content; move it away or choose another job name")
        changes.write(path, content)
    _wire_routes(changes, answers)
    _allow_scope_in_tests(changes, answers)
    _add_operation(changes, answers)
    _add_definition(changes, answers)
    _add_runbook_section(changes, answers)
    _register_caller(changes, answers)
    _add_changeset(changes, answers)
    _regenerate_sdk_schema(changes, answers)
    _write_generated_pages(changes, answers)
    return changes


def _add_route(changes: ChangeSet, routes_path: str, rendered: str, answers: JobAnswers) -> None:
    current = changes.current(routes_path)
    if current is None or current == rendered:
        changes.write(routes_path, rendered)
        return
    block = code_edits.function_statement_blocks(rendered, routes_path, ROUTES_FUNCTION)[-1]
    updated = code_edits.add_statement_to_function(current, routes_path, ROUTES_FUNCTION, block)
    if updated == current:  # this very route is there already
        return
    if any(route.method == "post" and route.path == answers.path for route in ts.routes(ts.parse_typescript(current))):
        raise ScaffoldError(f"{routes_path} already serves POST {answers.path}")
    changes.write(routes_path, ts_edits.add_import(updated, routes_path, work_import(answers)))


def work_import(answers: JobAnswers) -> str:
    """The routes file's import of the job's work function (its module is platform.job_work_file)."""
    module = "../" + platform.job_work_file(answers.name).removeprefix(platform.SERVICE_SRC_DIR + "/").removesuffix(
        ".ts"
    )
    return f'import {{ {answers.work_function} }} from "{module}";'


def _wire_routes(changes: ChangeSet, answers: JobAnswers) -> None:
    path = f"{platform.service_dir(answers.target)}/{APP_FILE}"
    text = changes.current(path)
    if text is None:
        raise ScaffoldError(f"{path} is missing: the target needs the template's createApp()")
    text = ts_edits.add_import(text, path, f'import {{ {ROUTES_FUNCTION} }} from "./routes/jobs";')
    text = code_edits.add_statement_after(
        text,
        path,
        "createApp",
        f"{ROUTES_FUNCTION}(app, deps.db);",
        lambda statement: bool(re.match(r"^\w+Routes\(app\b", statement)),
    )
    changes.write(path, text)


def _allow_scope_in_tests(changes: ChangeSet, answers: JobAnswers) -> None:
    path = f"{platform.service_dir(answers.target)}/{TEST_HELPERS}"
    text = changes.current(path)
    if text is None:
        raise ScaffoldError(f"{path} is missing: the target's tests need the template's helpers")
    changes.write(
        path, code_edits.add_array_element_anywhere(text, path, platform.SCOPES_REGISTRY_CONST, f'"{JOBS_SCOPE}"')
    )


def _add_operation(changes: ChangeSet, answers: JobAnswers) -> None:
    path = openapi_file(changes, answers.target)
    text = changes.current(path)
    if text is None:
        raise ScaffoldError(f"{path} is missing")
    refs = {
        code: {"$ref": f"#/components/responses/{name}"}
        for code, name in (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"))
    }
    operation = {
        "operationId": answers.operation_id,
        "summary": f"Run the {answers.name} job",
        "description": f"{answers.summary.rstrip('.')}. Called by the jobs service on `{answers.schedule}` (UTC); "
        "a retry with the same Idempotency-Key (`<job>@<scheduled time>`) replays the first response.",
        "security": [{"bearer": {openapi_edits.FLOW: [JOBS_SCOPE]}}],
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "responses": {
            "202": {
                "description": "The run is done and audited.",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/JobRun"},
                        "example": {
                            "job": answers.name,
                            "scheduled_at": "2026-01-01T03:00:00.000Z",
                            "ran_at": "2026-01-01T03:00:01.000Z",
                            "result": {"processed": 0},
                        },
                    }
                },
            },
            **refs,
        },
    }
    text = openapi_edits.add_operation(text, path, answers.path, "post", operation)
    schema = {
        "type": "object",
        "required": {openapi_edits.FLOW: ["job", "scheduled_at", "ran_at", "result"]},
        "properties": {
            "job": {"type": "string", "description": "The job's name in services/jobs/src/jobs/registry.ts."},
            "scheduled_at": {
                "type": "string",
                "format": "date-time",
                "description": "The time the schedule fired, from the Idempotency-Key `<job>@<time>`; the request's "
                "own time for a run by hand with another key.",
            },
            "ran_at": {"type": "string", "format": "date-time"},
            "result": {
                "type": "object",
                "description": "What the job's work reports it did (counts and flags).",
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            },
        },
    }
    changes.write(path, openapi_edits.add_component_schema(text, path, "JobRun", schema))
    write_request_validators(changes, answers.target, only_if_there=True)


def _definition(answers: JobAnswers) -> str:
    string = free_text.ts_string
    target = (
        f'{{ service: {string(answers.target)}, method: "POST", path: {string(answers.path)}, '
        f"urlSecret: {string(answers.url_secret)} }}"
    )
    lines = [
        "{",
        f"  name: {string(answers.name)},",
        f"  schedule: {string(answers.schedule)},",
        f"  description: {string(answers.summary)},",
        f"  target: {target},",
        f"  alarm: {{ consecutiveFailures: {answers.consecutive_failures} }},",
        "}",
    ]
    return "\n  ".join(lines)  # the first line gets the array's indent from the insertion


def _add_definition(changes: ChangeSet, answers: JobAnswers) -> None:
    text = changes.current(platform.JOBS_REGISTRY) or ""
    changes.write(
        platform.JOBS_REGISTRY,
        ts_edits.add_array_element(text, platform.JOBS_REGISTRY, platform.JOBS_REGISTRY_CONST, _definition(answers)),
    )


def _runbook_section(answers: JobAnswers) -> str:
    alarm = f"Job{pascal(answers.name.split('-'))}Failures"
    runs = "run" if answers.consecutive_failures == 1 else "runs"
    return (
        f"## Job: {answers.name}\n\n"
        f"What it does: {answers.summary}\n\n"
        f"Schedule: `{answers.schedule}` (UTC). Target: `POST {answers.path}` on the {answers.target} service, whose "
        f"base URL is the SST secret `{answers.url_secret}`. Alarm: `{alarm}` pages after "
        f"{answers.consecutive_failures} failed {runs} in a row. The work: `{answers.work_function}` in "
        f"services/{answers.target}/{platform.job_work_file(answers.name)}, one transaction per scheduled time.\n\n"
        f"Remediation: read the `job run failed` log lines for `job: {answers.name}` (status, error). 401 or 403: "
        f"the jobs M2M token (`JobsM2mToken`) has expired or lacks `{JOBS_SCOPE}`. 404 or a connection error: "
        f"`{answers.url_secret}` is unset or wrong for the stage (`pnpm sst secret list --stage <stage>`). 5xx: the "
        f"{answers.target} service failed; follow services/{answers.target}/RUNBOOK.md. Once fixed, re-run it by hand "
        '("Re-running a job" above): the endpoint is idempotent per scheduled time, so re-running the failed time '
        "is safe.\n"
    )


def _add_runbook_section(changes: ChangeSet, answers: JobAnswers) -> None:
    text = changes.current(platform.JOBS_RUNBOOK)
    if text is None:
        raise ScaffoldError(f"{platform.JOBS_RUNBOOK} is missing: is this a platform made by `scaffold init`?")
    section = _runbook_section(answers)
    heading = f"## Job: {answers.name}\n"
    if heading in text:
        if section not in text:
            raise ScaffoldError(f"{platform.JOBS_RUNBOOK} already has a `## Job: {answers.name}` section")
        return
    changes.write(platform.JOBS_RUNBOOK, text.rstrip("\n") + "\n\n" + section)


def _register_caller(changes: ChangeSet, answers: JobAnswers) -> None:
    """The jobs service calls the target: list it as a caller and give it an M2M client that may (SVC-AUTH-01)."""
    manifest = f"{platform.service_dir(answers.target)}/{platform.SERVICE_MANIFEST}"
    text = changes.current(manifest)
    if text is None:
        raise ScaffoldError(f"{manifest} is missing")
    require_valid_manifest(changes, manifest, models.SERVICE)
    require_valid_manifest(changes, platform.M2M_CLIENTS, models.M2M_CLIENTS)
    changes.write(manifest, yaml_lists.add_to_string_list(text, manifest, ["callers"], JOBS_SERVICE))

    clients_text = changes.current(platform.M2M_CLIENTS)
    if clients_text is None:
        raise ScaffoldError(f"{platform.M2M_CLIENTS} is missing: is this a platform made by `scaffold init`?")
    client = {"client_id": f"{JOBS_SERVICE}-service", "service": JOBS_SERVICE, "calls": [answers.target]}
    clients_text = yaml_lists.upsert_list_item(clients_text, platform.M2M_CLIENTS, "clients", client, "service")
    document = yaml_lists.load(clients_text, platform.M2M_CLIENTS)
    mine = next(c for c in document["clients"] if isinstance(c, dict) and c.get("service") == JOBS_SERVICE)
    if not isinstance(mine.get("calls"), list):
        raise ScaffoldError(f"{platform.M2M_CLIENTS}: the {JOBS_SERVICE} client's `calls` is not a list")
    if answers.target not in mine["calls"]:
        mine["calls"].append(answers.target)
        clients_text = yaml_lists.dump(document)
    changes.write(platform.M2M_CLIENTS, clients_text)


def _add_changeset(changes: ChangeSet, answers: JobAnswers) -> None:
    """The release note (DEPLOY-01)."""
    text = (
        f'---\n"@platform/{JOBS_SERVICE}-service": minor\n"@platform/{answers.target}-service": minor\n'
        f'"@platform/sdk-{answers.target}": minor\n---\n\n'
        f"Add the `{answers.name}` job ({answers.schedule}, UTC): {answers.summary.rstrip('.')}. It calls the "
        f"{answers.target} service's new admin endpoint `POST {answers.path}`.\n"
    )
    changes.write(f"{platform.CHANGESET_DIR}/add-{answers.name}-job.md", text)


def _regenerate_sdk_schema(changes: ChangeSet, answers: JobAnswers) -> None:
    """sdk/src/schema.ts as `pnpm sdk:gen` would write it from the planned openapi.yaml. Without node_modules the
    schema stays as it is; the command says so (SVC-SDK-01)."""
    source = openapi_file(changes, answers.target)
    openapi = changes.current(source)
    schema = None if openapi is None else sdk_gen.render_schema(changes.root, answers.target, openapi, source)
    if schema is not None:
        changes.write(sdk_gen.schema_path(answers.target), schema)


def _write_generated_pages(changes: ChangeSet, answers: JobAnswers) -> None:
    from scaffold import docs_pages

    service_dir = platform.service_dir(answers.target)
    manifest = current_mapping(changes, f"{service_dir}/{platform.SERVICE_MANIFEST}")
    openapi = current_mapping(changes, openapi_file(changes, answers.target))
    changes.write(f"{platform.DOCS_SERVICES}/{answers.target}.md", docs_pages.render_service_page(manifest, openapi))
    changes.write(f"{platform.DOCS_SDK}/{answers.target}.md", docs_pages.render_sdk_page(answers.target, openapi))
