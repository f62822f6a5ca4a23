"""JOB — a new background job: its admin endpoint, JobDefinition, secret, logging and alarm, runbook, evidence.

Subjects are the entries of JOBS in services/jobs/src/jobs/registry.ts (scaffold/verify/subjects.py). The shape of
an entry is `JobDefinition` (services/jobs/src/jobs/job-definition.ts):
`{ name, schedule, description, target: { service, method: "POST", path, urlSecret }, alarm: { consecutiveFailures } }`.
services/jobs/infra.ts turns every entry into a schedule, a Lambda and a failure alarm in one `for (const job of
JOBS)` loop; declaring them one by one with literal names works too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._contracts import find_route, needs_evidence, route_not_found, unreadable
from scaffold.checks.svc_observability import resolve_import
from scaffold.parsers import manifests
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject
from scaffold.verify.subjects import UNREADABLE, job_registry

JOB_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SCHEDULE = re.compile(r"^(cron\((\S+ ){5}\S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")
SECRET_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def _entry(repo: RepoView, subject: Subject) -> ts.Value | None:
    return (job_registry(repo) or {}).get(subject.name)


def _field(entry: ts.Value, *keys: str) -> ts.Value | None:
    value: ts.Value | None = entry
    for key in keys:
        value = value.value.get(key) if value is not None and isinstance(value.value, dict) else None
    return value


def _string(entry: ts.Value, *keys: str) -> str | None:
    value = _field(entry, *keys)
    return value.value if value is not None and isinstance(value.value, str) else None


def _registry_failure(check_id: str, repo: RepoView) -> Finding:
    parsed = repo.typescript(platform.JOBS_REGISTRY)
    if parsed is not None and parsed.error_line is not None:
        return unreadable(check_id, platform.JOBS_REGISTRY, parsed.error_line)
    return Finding(
        check_id,
        Status.FAIL,
        "no `export const JOBS: JobDefinition[] = [ ... ]` array literal",
        file=platform.JOBS_REGISTRY,
        line=1,
        fix="declare JOBS as an array literal of JobDefinition objects",
    )


def _loops_over_jobs(parsed: ts.ParsedTs) -> list[tuple[str, Node]]:
    """`for (const <variable> of JOBS) { ... }` loops: (variable, body)."""
    found = []
    for node in ts.walk(parsed.root):
        if node.type != "for_in_statement":
            continue
        right, left, body = (node.child_by_field_name(f) for f in ("right", "left", "body"))
        if right is None or left is None or body is None or ts.text_of(right).strip() != platform.JOBS_REGISTRY_CONST:
            continue
        if any(child.type == "of" for child in node.children):
            found.append((ts.text_of(left).strip(), body))
    return found


def _new_expressions(parsed: ts.ParsedTs, constructor: str, within: Node | None = None) -> list[Node]:
    """`new <constructor>(...)` nodes (constructor text compared without whitespace)."""
    return [
        node
        for node in ts.walk(within or parsed.root)
        if node.type == "new_expression"
        and ts.compact(ts.text_of(node.child_by_field_name("constructor") or node)) == constructor
    ]


def _infra(check_id: str, repo: RepoView) -> ts.ParsedTs | Finding:
    parsed = repo.typescript(platform.JOBS_INFRA)
    if parsed is None:
        return Finding(
            check_id,
            Status.FAIL,
            "services/jobs/infra.ts is missing",
            file=platform.JOBS_INFRA,
            line=1,
            fix="restore services/jobs/infra.ts from the platform template (`copier update`)",
        )
    if parsed.error_line is not None:
        return unreadable(check_id, platform.JOBS_INFRA, parsed.error_line)
    return parsed


# --- JOB-01 --------------------------------------------------------------------------------------------------
@check("JOB-01", "Target service has an idempotent admin endpoint", mode="auto", kind=Kind.JOB)
def target_endpoint_is_idempotent(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks up the job's `target.service` under services/ and, in its src/, the Hono route
    `app.<method>(target.path, ...)`; the route must use `idempotency()` and `requireScope(...)` with the jobs
    scope (`jobs:run`, what the jobs M2M client holds) among its literal scopes; a scope the verifier cannot read
    as a literal is `needs_human`. A route that runs its job through the kit's `runJobWork(c, job, work)` is
    `needs_human` while `work` (in the file, or imported from a relative module) calls, awaits and assigns nothing:
    the generator writes it that way for a person to fill in.

    Why it matters: Schedulers retry and occasionally fire twice; the runner sends
    `Idempotency-Key: <job>@<scheduled time>`, which only helps if the endpoint honours it. The scope keeps the
    admin endpoint closed to everyone but the jobs M2M client.

    How to fix: Add the admin route to the target service:
    `app.post("/admin/jobs/<job>", requireScope("jobs:run"), idempotency(), handler)`.
    """
    entry = _entry(repo, subject)
    if entry is None:
        return [_registry_failure("JOB-01", repo)]
    service, method, path = (_string(entry, "target", key) for key in ("service", "method", "path"))
    target_line = (_field(entry, "target") or entry).line
    if not service or not method or not path:
        return [
            Finding(
                "JOB-01",
                Status.FAIL,
                "the job's target lacks service, method or path",
                file=platform.JOBS_REGISTRY,
                line=target_line,
                fix='give the target `{ service, method: "POST", path, urlSecret }` as literals',
            )
        ]
    if not repo.has_service(service):
        return [
            Finding(
                "JOB-01",
                Status.FAIL,
                f"target service `{service}` does not exist under services/",
                file=platform.JOBS_REGISTRY,
                line=target_line,
                fix="point the job at an existing service, or create it with `scaffold new service`",
            )
        ]
    found = find_route(repo, service, method, path)
    if found is None:
        absent = Finding(
            "JOB-01",
            Status.FAIL,
            f"services/{service}/src has no `{method} {path}` route",
            file=platform.JOBS_REGISTRY,
            line=target_line,
            fix=f'add `app.{method.lower()}("{path}", requireScope("{platform.JOBS_SCOPE}"), idempotency(), '
            "handler)` to the target service (`scaffold new job` writes it)",
        )
        return [route_not_found(repo, service, "JOB-01", absent)]
    route_file, route, parsed_route = found
    missing = [name for name in (platform.KIT_REQUIRE_SCOPE, platform.KIT_IDEMPOTENCY) if route.uses(name) is None]
    if missing:
        return [
            Finding(
                "JOB-01",
                Status.FAIL,
                f"{method} {path} does not use {' or '.join(m + '()' for m in missing)}",
                file=route_file,
                line=route.line,
                fix=f'add requireScope("{platform.JOBS_SCOPE}") and idempotency() to the route\'s middleware',
            )
        ]
    scope = route.uses(platform.KIT_REQUIRE_SCOPE)
    assert scope is not None
    if not scope.strings:
        return [
            Finding(
                "JOB-01",
                Status.NEEDS_HUMAN,
                f"{method} {path} calls requireScope() with a scope that is not a string literal, so the verifier "
                f"cannot tell whether the jobs client's `{platform.JOBS_SCOPE}` is accepted",
                file=route_file,
                line=scope.line,
                fix=f'write the scope as a literal: requireScope("{platform.JOBS_SCOPE}")',
            )
        ]
    if platform.JOBS_SCOPE not in scope.strings:
        listed = ", ".join(f"`{s}`" for s in scope.strings)
        return [
            Finding(
                "JOB-01",
                Status.FAIL,
                f"{method} {path} requires {listed}; the jobs runner's M2M client holds `{platform.JOBS_SCOPE}` only, "
                "so every scheduled run would get 403",
                file=route_file,
                line=scope.line,
                fix=f'require the jobs scope: requireScope("{platform.JOBS_SCOPE}")',
            )
        ]
    idle = _idle_work(repo, route_file, route, parsed_route)
    if idle is not None:
        return [idle]
    return [
        Finding(
            "JOB-01",
            Status.PASS,
            f"{method} {path} accepts `{platform.JOBS_SCOPE}` and is idempotent",
            file=route_file,
            line=route.line,
        )
    ]


# Nodes whose presence in a function body means it does something: calls, awaits, writes.
_WORK_NODES = frozenset(
    {
        "call_expression",
        "await_expression",
        "new_expression",
        "assignment_expression",
        "augmented_assignment_expression",
    }
)


def _idle_work(repo: RepoView, route_file: str, route: ts.Route, parsed: ts.ParsedTs) -> Finding | None:
    """A route that runs its job through the kit's `runJobWork(c, job, work)`, where `work` is a function that
    calls nothing, awaits nothing and assigns nothing (the generator's starting point): a person still has to write
    the job. A `work` the verifier cannot follow (not a plain identifier, not a relative import) is left to the
    route-level verdict: the endpoint's idempotency is what JOB-01 decides."""
    for call in ts.calls(parsed, platform.KIT_RUN_JOB_WORK, within=route.node):
        if len(call.arguments) < 3 or call.arguments[2].type != "identifier":
            continue
        name = call.arguments[2].text
        where, function = route_file, ts.function_declarations(parsed).get(name)
        if function is None:
            where, function = _imported_function(repo, route_file, parsed, name)
        body = function.child_by_field_name("body") if function is not None else None
        if function is None or body is None or any(node.type in _WORK_NODES for node in ts.walk(body)):
            continue
        return Finding(
            "JOB-01",
            Status.NEEDS_HUMAN,
            f"{route.method.upper()} {route.path} is idempotent and scoped, but the job's work `{name}` does nothing "
            "yet (it calls, awaits and writes nothing)",
            file=where,
            line=ts.line_of(function),
            fix=f"write the job's work in `{name}`, in run.tx; its test (test/integration/jobs/) runs it",
        )
    return None


def _imported_function(repo: RepoView, importer: str, parsed: ts.ParsedTs, local: str) -> tuple[str, Node | None]:
    for declaration in ts.imports(parsed):
        imported = declaration.names.get(local)
        if imported is None or declaration.type_only:
            continue
        path = resolve_import(repo, importer, declaration.module)
        module = repo.typescript(path) if path is not None else None
        if path is None or module is None or module.error_line is not None:
            return importer, None
        return path, ts.function_declarations(module).get(imported)
    return importer, None


# --- JOB-02 --------------------------------------------------------------------------------------------------
def _at_least_one(value: ts.Value | None) -> bool:
    number = value.value if value is not None else None
    return isinstance(number, int) and not isinstance(number, bool) and number >= 1


def _definition_problems(entry: ts.Value) -> list[tuple[str, int]]:
    problems: list[tuple[str, int]] = []

    def require(keys: tuple[str, ...], valid: bool, what: str) -> None:
        if not valid:
            problems.append((f"`{'.'.join(keys)}` {what}", (_field(entry, *keys) or entry).line))

    name = _string(entry, "name")
    require(("name",), bool(name and JOB_NAME.match(name)), "must be a kebab-case string")
    schedule = _string(entry, "schedule")
    require(
        ("schedule",),
        bool(schedule and SCHEDULE.match(schedule)),
        "must be an EventBridge expression: `cron(m h dom mon dow y)` or `rate(N minutes|hours|days)`",
    )
    description = _string(entry, "description")
    require(
        ("description",), bool(description) and not manifests.is_placeholder(description), "must say what the job does"
    )
    require(("target", "service"), bool(_string(entry, "target", "service")), "must name the target service")
    require(("target", "method"), _string(entry, "target", "method") == "POST", 'must be "POST"')
    require(
        ("target", "path"), (_string(entry, "target", "path") or "").startswith("/"), "must be a path like /admin/x"
    )
    secret = _string(entry, "target", "urlSecret")
    require(("target", "urlSecret"), bool(secret and SECRET_NAME.match(secret)), "must name an SST secret (PascalCase)")
    require(
        ("alarm", "consecutiveFailures"),
        _at_least_one(_field(entry, "alarm", "consecutiveFailures")),
        "must be a whole number of at least 1",
    )
    return problems


@check("JOB-02", "`JobDefinition` added to `services/jobs/src/jobs/registry.ts`", mode="auto", kind=Kind.JOB)
def job_definition_complete(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Reads the job's entry in JOBS and checks every JobDefinition field is a literal with a usable
    value: kebab-case `name`, an EventBridge `schedule`, a `description`, `target.service`, `target.method`
    "POST", `target.path`, a PascalCase `target.urlSecret`, and `alarm.consecutiveFailures` >= 1.

    Why it matters: infra.ts builds the schedule, the Lambda and the alarm from these fields at deploy time; a
    missing one fails the deploy or, worse, deploys a job that never pages.

    How to fix: Complete the entry (see services/jobs/src/jobs/job-definition.ts); `scaffold new job` writes a
    complete one.
    """
    entry = _entry(repo, subject)
    if entry is None:
        return [_registry_failure("JOB-02", repo)]
    if not isinstance(entry.value, dict):
        return [
            Finding(
                "JOB-02",
                Status.FAIL,
                "the JOBS entry is not an object literal",
                file=platform.JOBS_REGISTRY,
                line=entry.line,
                fix="write the JobDefinition inline as an object literal",
            )
        ]
    problems = _definition_problems(entry)
    if problems:
        return [
            Finding(
                "JOB-02",
                Status.FAIL,
                message,
                file=platform.JOBS_REGISTRY,
                line=line,
                fix="complete the JobDefinition (services/jobs/src/jobs/job-definition.ts)",
            )
            for message, line in problems
        ]
    return [Finding("JOB-02", Status.PASS, "JobDefinition complete", file=platform.JOBS_REGISTRY, line=entry.line)]


# --- JOB-03 --------------------------------------------------------------------------------------------------
def secret_declared(parsed: ts.ParsedTs, secret: str) -> str | None:
    """How infra.ts declares the job's URL secret, or None: a literal `new sst.Secret("<secret>")`, or the JOBS
    loop passing `<job>.target.urlSecret` on while the file creates `new sst.Secret(<a variable>)`."""
    for node in _new_expressions(parsed, "sst.Secret"):
        arguments = ts.arguments_of(node)
        if arguments and ts.string_value(arguments[0]) == secret:
            return f'new sst.Secret("{secret}") at line {ts.line_of(node)}'
    computed = [
        n
        for n in _new_expressions(parsed, "sst.Secret")
        if ts.arguments_of(n) and ts.string_value(ts.arguments_of(n)[0]) is None
    ]
    for variable, body in _loops_over_jobs(parsed):
        uses = [
            n
            for n in ts.walk(body)
            if n.type == "member_expression" and ts.compact(ts.text_of(n)) == f"{variable}.target.urlSecret"
        ]
        if uses and computed:
            return (
                f"the JOBS loop declares `{variable}.target.urlSecret` (line {ts.line_of(uses[0])}) as an "
                f"sst.Secret (line {ts.line_of(computed[0])})"
            )
    return None


@check(
    "JOB-03",
    "Target URL SST Secret set per stage",
    mode="auto (declared) + evidence (set)",
    kind=Kind.JOB,
    covers=(platform.SERVICE_INFRA,),
)
def target_url_secret(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that services/jobs/infra.ts declares the job's `target.urlSecret` as an SST secret
    (literally, or through the JOBS loop) and wires it into the job's function. That the secret has a value in
    dev, staging and prod is a fact outside the repo: recorded evidence.

    Why it matters: The runner reads the target's base URL from the secret; undeclared, the deploy fails, and
    declared but unset in one stage, that stage's job fails on every run.

    How to fix: Keep the secret in infra.ts (the template's loop does it), then per stage run
    `pnpm sst secret set <urlSecret> https://<service>.<stage>.platform.loop.health --stage <stage>`, and record
    it with `scaffold attest JOB-03 --subject job:<name> --evidence LINK`.
    """
    entry = _entry(repo, subject)
    if entry is None:
        return [_registry_failure("JOB-03", repo)]
    secret = _string(entry, "target", "urlSecret")
    if not secret:
        return [
            Finding(
                "JOB-03",
                Status.FAIL,
                "the job has no `target.urlSecret`",
                file=platform.JOBS_REGISTRY,
                line=entry.line,
                fix="name the SST secret holding the target's base URL in target.urlSecret",
            )
        ]
    parsed = _infra("JOB-03", repo)
    if isinstance(parsed, Finding):
        return [parsed]
    how = secret_declared(parsed, secret)
    if how is None:
        return [
            Finding(
                "JOB-03",
                Status.FAIL,
                f"infra.ts does not declare the SST secret `{secret}`",
                file=platform.JOBS_INFRA,
                line=1,
                fix=f'declare it: `new sst.Secret("{secret}")`, passed to the job\'s function environment',
            )
        ]
    stages = ", ".join(platform.DEPLOY_STAGES)
    return [
        Finding("JOB-03", Status.PASS, f"declared: {how}", file=platform.JOBS_INFRA),
        needs_evidence(
            "JOB-03",
            subject,
            f"the secret `{secret}` holds the target URL in each stage ({stages}): "
            f"`pnpm sst secret list --stage <stage>` shows it",
        ),
    ]


# --- JOB-04 --------------------------------------------------------------------------------------------------
def runner_logs_runs(parsed: ts.ParsedTs) -> tuple[int, int] | None:
    """Lines of the runner's success and failure log calls, or None when it does not log both."""
    successes = ts.calls(parsed, lambda c: c in {"log.info", "logger.info"})
    failures = ts.calls(parsed, lambda c: c in {"log.error", "logger.error", "log.warn", "logger.warn"})
    return (successes[0].line, failures[0].line) if successes and failures else None


def failure_alarm(parsed: ts.ParsedTs, job: str) -> str | None:
    """How infra.ts alarms on the job's failures: a MetricAlarm in the JOBS loop driven by
    `<job>.alarm.consecutiveFailures`, or one whose arguments name the job."""
    for variable, body in _loops_over_jobs(parsed):
        for alarm in _new_expressions(parsed, "aws.cloudwatch.MetricAlarm", body):
            if f"{variable}.alarm.consecutiveFailures" in ts.compact(ts.text_of(alarm)):
                return f"the JOBS loop's MetricAlarm at line {ts.line_of(alarm)}"
    for alarm in _new_expressions(parsed, "aws.cloudwatch.MetricAlarm"):
        if any(value == job or job in value for value, _ in _strings_in(alarm)):
            return f"the MetricAlarm at line {ts.line_of(alarm)}"
    return None


def _strings_in(node: Node) -> list[tuple[str, int]]:
    return [(value, ts.line_of(n)) for n in ts.walk(node) if (value := ts.string_value(n)) is not None]


@check("JOB-04", "Job logged + alarmed for repeated failures", mode="auto", kind=Kind.JOB)
def job_logged_and_alarmed(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the jobs runner (services/jobs/src/runner.ts) logs both successful and failed
    runs, that services/jobs/infra.ts declares a CloudWatch MetricAlarm for the job's consecutive failures (the
    JOBS loop's alarm driven by `alarm.consecutiveFailures`, or one naming the job), and that the job's
    `alarm.consecutiveFailures` is at least 1.

    Why it matters: A job fails quietly: nobody watches a nightly run. Without the log line there is nothing to
    debug from; without the alarm the first sign is a customer noticing stale data days later.

    How to fix: Keep the runner's `log.info("job run succeeded", ...)` / `log.error("job run failed", ...)` and the
    alarm loop of the template's infra.ts, and give the job `alarm: { consecutiveFailures: 3 }`.
    """
    entry = _entry(repo, subject)
    if entry is None:
        return [_registry_failure("JOB-04", repo)]
    findings = []
    runner = repo.typescript(platform.JOBS_RUNNER)
    if runner is None or runner.error_line is not None or runner_logs_runs(runner) is None:
        problem = (
            "is missing"
            if runner is None
            else (
                f"has a syntax error at line {runner.error_line}" if runner.error_line else "does not log both outcomes"
            )
        )
        findings.append(
            Finding(
                "JOB-04",
                Status.FAIL,
                f"the jobs runner {problem}",
                file=platform.JOBS_RUNNER,
                line=(runner.error_line if runner else None) or 1,
                fix="log every run: log.info on success, log.error on failure, with the job name",
            )
        )
    parsed = _infra("JOB-04", repo)
    if isinstance(parsed, Finding):
        findings.append(parsed)
    elif failure_alarm(parsed, subject.name) is None:
        findings.append(
            Finding(
                "JOB-04",
                Status.FAIL,
                f"infra.ts declares no failure alarm for {subject.name}",
                file=platform.JOBS_INFRA,
                line=1,
                fix="declare an aws.cloudwatch.MetricAlarm on the job function's Errors with "
                "evaluationPeriods = alarm.consecutiveFailures",
            )
        )
    failures = _field(entry, "alarm", "consecutiveFailures")
    if not _at_least_one(failures):
        findings.append(
            Finding(
                "JOB-04",
                Status.FAIL,
                "the job has no `alarm.consecutiveFailures` of at least 1",
                file=platform.JOBS_REGISTRY,
                line=(failures or entry).line,
                fix="add `alarm: { consecutiveFailures: 3 }` to the job",
            )
        )
    return findings or [
        Finding("JOB-04", Status.PASS, "runs are logged and repeated failures alarm", file=platform.JOBS_INFRA)
    ]


# --- JOB-05 --------------------------------------------------------------------------------------------------
@check("JOB-05", "Runbook entry added to `services/jobs/RUNBOOK.md`", mode="auto", kind=Kind.JOB)
def runbook_has_job_section(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Looks in services/jobs/RUNBOOK.md for a `## Job: <name>` section (`## <name>` is accepted)
    whose body is written, not a placeholder.

    Why it matters: The alarm description sends the on-call to this section; at 3 a.m. it is the difference
    between a five-minute fix and waking the job's author.

    How to fix: Add `## Job: <name>` with what the job does, what a failure means and how to remediate or re-run.
    """
    if subject.name == UNREADABLE:
        return [_registry_failure("JOB-05", repo)]
    runbook = repo.markdown(platform.JOBS_RUNBOOK)
    fix = f"add a `## Job: {subject.name}` section: what it does, what a failure means, how to remediate"
    if runbook is None:
        return [
            Finding(
                "JOB-05",
                Status.FAIL,
                "services/jobs/RUNBOOK.md is missing",
                file=platform.JOBS_RUNBOOK,
                line=1,
                fix=fix,
            )
        ]
    section = runbook.section(f"Job: {subject.name}") or runbook.section(subject.name)
    if section is None:
        return [
            Finding(
                "JOB-05",
                Status.FAIL,
                f"no `## Job: {subject.name}` section",
                file=platform.JOBS_RUNBOOK,
                line=1,
                fix=fix,
            )
        ]
    if not section.body or manifests.is_placeholder(section.body):
        return [
            Finding(
                "JOB-05",
                Status.FAIL,
                f"the `{section.heading.title}` section is empty or a placeholder",
                file=platform.JOBS_RUNBOOK,
                line=section.line,
                fix=fix,
            )
        ]
    return [
        Finding(
            "JOB-05",
            Status.PASS,
            f"runbook section `{section.heading.title}`",
            file=platform.JOBS_RUNBOOK,
            line=section.line,
        )
    ]


# --- JOB-06 --------------------------------------------------------------------------------------------------
def jobs_deployed(repo: RepoView) -> bool:
    """Whether sst.config.ts loads services/jobs/infra (the jobs service is part of every deploy)."""
    parsed = repo.typescript(platform.SST_CONFIG)
    if parsed is None or parsed.error_line is not None:
        return False
    return any(
        value.removesuffix(".ts") in {"./services/jobs/infra", "./services/jobs/infra.js"}
        for value, _ in ts.strings(parsed)
    )


@check(
    "JOB-06",
    "At least one cycle executed in dev and verified",
    mode="evidence",
    kind=Kind.JOB,
    covers=("src/runner.ts", "src/handler.ts", platform.SERVICE_INFRA),
)
def cycle_verified_in_dev(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: A run in dev is a fact outside the repo: recorded evidence (a link to the run's log line).
    Before asking for it, checks what a run needs: sst.config.ts deploys services/jobs/infra and the job's
    target service exists.

    Why it matters: A job's first run is where wrong URLs, scopes and payloads show up; better in dev than in
    the first night in prod.

    How to fix: Deploy to dev, invoke the job's Lambda (services/jobs/RUNBOOK.md, "Re-running a job"), check the
    `job run succeeded` log line and the target's effect, then
    `scaffold attest JOB-06 --subject job:<name> --evidence LINK`.
    """
    entry = _entry(repo, subject)
    if entry is None:
        return [_registry_failure("JOB-06", repo)]
    if not jobs_deployed(repo):
        return [
            Finding(
                "JOB-06",
                Status.FAIL,
                "sst.config.ts does not load services/jobs/infra, so no job runs in dev",
                file=platform.SST_CONFIG,
                line=1,
                fix='add `await import("./services/jobs/infra"),` to the services array of sst.config.ts',
            )
        ]
    service = _string(entry, "target", "service")
    if not repo.has_service(service):
        return [
            Finding(
                "JOB-06",
                Status.FAIL,
                f"the target service `{service}` does not exist, so no cycle can run",
                file=platform.JOBS_REGISTRY,
                line=(_field(entry, "target") or entry).line,
                fix="create the target service or fix target.service",
            )
        ]
    return [
        needs_evidence(
            "JOB-06",
            subject,
            f"a run of {subject.name} in dev succeeded and did its work (link the `job run succeeded` log line)",
        )
    ]
