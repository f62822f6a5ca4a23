"""SVC / Observability: OTel, service.name, Sentry per stage, CloudWatch alarms and their routing (SVC-OBS-01..05)."""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._cache import memo
from scaffold.checks._contracts import function_name, needs_evidence, needs_human
from scaffold.checks._infra import (
    Infra,
    is_dlq_depth,
    is_error_rate,
    is_latency_p99,
    linked,
    load_infra,
    resource_reads,
)
from scaffold.checks._service import TsFile, fail, manifest_data, manifest_unreadable, passed, sources
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

OTEL_NODE_SDK = "@opentelemetry/sdk-node"
SENTRY_PACKAGE_PREFIX = "@sentry/"
SERVICE_NAME_KEYS = ("serviceName", "service.name", "[ATTR_SERVICE_NAME]", "[SEMRESATTRS_SERVICE_NAME]")


# --- where telemetry starts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TelemetryStart:
    file: TsFile
    node: Node  # the startTelemetry(...) call or the `new NodeSDK(...)` expression
    how: str  # "startTelemetry() from @platform/service-kit" or "NodeSDK from @opentelemetry/sdk-node"
    service_name: Node | None  # the expression giving service.name

    @property
    def line(self) -> int:
        return ts.line_of(self.node)

    @property
    def function(self) -> str | None:
        """The function the start sits in (None when it runs at module load)."""
        enclosing = next(ts.enclosing_functions(self.node), None)
        return None if enclosing is None else function_name(enclosing)


def _imported(file: TsFile, module: str, name: str) -> set[str]:
    """Local names under which `name` is imported from `module` (`*` for namespace imports gives `ns.name`)."""
    found: set[str] = set()
    for declaration in ts.imports(file.parsed):
        if declaration.module != module or declaration.type_only:
            continue
        for local, imported in declaration.names.items():
            if imported == name:
                found.add(local)
            elif imported == "*":
                found.add(f"{local}.{name}")
    return found


def _name_in_resource(node: Node | None) -> Node | None:
    """service.name inside `resourceFromAttributes({...})` / `new Resource({...})` / a plain object."""
    if node is None:
        return None
    node = ts.unwrap(node)
    if node.type in {"call_expression", "new_expression"}:
        objects = [ts.unwrap(a) for a in ts.arguments_of(node) if ts.unwrap(a).type == "object"]
        node = objects[0] if objects else node
    for key in SERVICE_NAME_KEYS[1:]:
        value = ts.object_property(node, key)
        if value is not None:
            return value
    return None


def telemetry_starts(repo: RepoView, subject: Subject, files: list[TsFile]) -> list[TelemetryStart]:
    """Every place the service's code starts an OTel SDK (computed once per service)."""
    return memo(repo, ("telemetry", subject.path), lambda: _telemetry_starts(files))


def _telemetry_starts(files: list[TsFile]) -> list[TelemetryStart]:
    found: list[TelemetryStart] = []
    for file in files:
        kit_names = _imported(file, platform.SERVICE_KIT_PACKAGE, "startTelemetry")
        for call in ts.calls(file.parsed, kit_names.__contains__):
            options = call.arguments[0].node if call.arguments else None
            name = ts.object_property(options, "serviceName") if options is not None else None
            found.append(TelemetryStart(file, call.node, f"startTelemetry() from {platform.SERVICE_KIT_PACKAGE}", name))
        sdk_names = _imported(file, OTEL_NODE_SDK, "NodeSDK")
        for construction in ts.constructions(file.parsed, sdk_names.__contains__):
            started = construction.variable and ts.calls(file.parsed, f"{construction.variable}.start")
            if started:
                name = construction.option("serviceName") or _name_in_resource(construction.option("resource"))
                found.append(TelemetryStart(file, construction.node, f"NodeSDK from {OTEL_NODE_SDK}", name))
    return found


def entry_point(repo: RepoView, subject: Subject) -> str:
    """The file the service process starts from: package.json `main`, or the .ts/.js file its `start` or `dev`
    script runs, else src/index.ts."""
    package = repo.json(subject.join(platform.SERVICE_PACKAGE_JSON))
    candidates: list[str] = []
    if isinstance(package, Mapping):
        if isinstance(package.get("main"), str):
            candidates.append(str(package["main"]))
        scripts = package.get("scripts")
        for script in ("start", "dev"):
            command = scripts.get(script) if isinstance(scripts, Mapping) else None
            if isinstance(command, str):
                try:
                    candidates += [t for t in shlex.split(command) if t.endswith((".ts", ".js", ".mts", ".mjs"))]
                except ValueError:
                    continue
    for candidate in candidates:
        resolved = _existing(repo, subject.join(posixpath.normpath(candidate)))
        if resolved is not None:
            return resolved
    return subject.join(platform.SERVICE_ENTRY)


def _existing(repo: RepoView, path: str) -> str | None:
    stem = path.rsplit(".", 1)[0] if path.endswith((".js", ".mjs", ".ts", ".mts")) else path
    for candidate in (path, f"{stem}.ts", f"{stem}.tsx", f"{path}/index.ts"):
        if repo.has_file(candidate):
            return candidate
    return None


def resolve_import(repo: RepoView, from_file: str, module: str) -> str | None:
    """The repo file a relative import names (`./telemetry` → src/telemetry.ts), or None."""
    if not module.startswith("."):
        return None
    return _existing(repo, posixpath.normpath(posixpath.join(posixpath.dirname(from_file), module)))


def started_from_entry(repo: RepoView, entry: TsFile, start: TelemetryStart) -> str | None:
    """How the entry point runs the start, or None when it does not."""
    if start.file.path == entry.path:
        return f"{entry.path}:{start.line} starts it"
    for declaration in ts.imports(entry.parsed):
        if declaration.type_only or resolve_import(repo, entry.path, declaration.module) != start.file.path:
            continue
        if start.function is None:
            return f"{entry.path}:{declaration.line} imports {start.file.path}, which starts it on load"
        for local, imported in declaration.names.items():
            if imported == start.function:
                call = next(iter(ts.calls(entry.parsed, local)), None)
                if call is not None:
                    return f"{entry.path}:{call.line} calls {start.function}()"
    return None


# --- SVC-OBS-01 --------------------------------------------------------------------------------------------
@check(
    "SVC-OBS-01",
    "OTel instrumented (logs, traces, metrics)",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**", platform.SERVICE_PACKAGE_JSON),
)
def otel_instrumented(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds where the service starts OpenTelemetry: a `startTelemetry(...)` call imported from
    `@platform/service-kit` (a NodeSDK whose traces, metrics and logs follow the OTEL_* exporters), or a
    `new NodeSDK(...)` from `@opentelemetry/sdk-node` that is `.start()`ed. Then checks that the process entry
    point (package.json `main` / the file `start` runs, default src/index.ts) starts it: directly, by importing the
    module that starts it on load, or by calling the imported function that starts it.

    Why it matters: Telemetry that is set up but never started reports nothing; traces, metrics and logs are how
    the alarms and the on-call engineer see the service.

    How to fix: Call `startTelemetry({ serviceName, stage })` from `@platform/service-kit` in src/telemetry.ts and
    call that function first thing in src/index.ts (as the service template does).
    """
    files, failures = sources(repo, subject, "SVC-OBS-01")
    yield from failures
    starts = telemetry_starts(repo, subject, files)
    entry_path = entry_point(repo, subject)
    if not starts:
        yield fail(
            "SVC-OBS-01",
            subject.join(platform.SERVICE_SRC_DIR),
            None,
            f"no source file under {subject.join('src')} starts OTel (no startTelemetry() from "
            f"{platform.SERVICE_KIT_PACKAGE}, no started NodeSDK)",
            "Add src/telemetry.ts calling startTelemetry({ serviceName, stage }) and call it from src/index.ts.",
        )
        return
    entry = next((f for f in files if f.path == entry_path), None)
    if entry is None:
        yield fail(
            "SVC-OBS-01",
            entry_path,
            None,
            f"the entry point {entry_path} is missing or unreadable, so nothing runs the telemetry start",
            "Create the entry point (package.json `start`) and start telemetry from it.",
        )
        return
    for start in starts:
        how = started_from_entry(repo, entry, start)
        if how is not None:
            yield passed(
                "SVC-OBS-01",
                f"{start.file.path}:{start.line} starts OTel through {start.how} (traces, metrics, logs); {how}",
                start.file.path,
            )
            return
    first = starts[0]
    yield fail(
        "SVC-OBS-01",
        entry_path,
        1,
        f"{first.file.path}:{first.line} starts OTel in {first.function or 'module scope'}, but the entry point "
        f"{entry_path} neither imports nor calls it",
        f"Import {first.function or 'the telemetry module'} in {entry_path} and call it before serving requests.",
    )


# --- SVC-OBS-02 --------------------------------------------------------------------------------------------
@check(
    "SVC-OBS-02",
    "OTel `service.name` set in resource attributes",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("src/**", platform.SERVICE_INFRA, platform.SERVICE_MANIFEST),
)
def otel_service_name(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Evaluates the `service.name` the service gives OTel — the `serviceName` passed to
    `startTelemetry(...)`, or NodeSDK's `serviceName` / `service.name` resource attribute — through string
    literals and constants, and compares it with `name` in service.yaml. When infra.ts sets `OTEL_SERVICE_NAME`
    in the service's environment (which OTel's environment detector applies on top), that must match too.

    Why it matters: Dashboards, traces and the alarms key on `service.name`; a copied or computed name files the
    service's telemetry under another service.

    How to fix: Set `serviceName` to the service.yaml name as a literal or a constant (the template keeps it in
    `RESOURCE["service.name"]` in src/telemetry.ts), and `OTEL_SERVICE_NAME` in infra.ts to the same.
    """
    unreadable = manifest_unreadable("SVC-OBS-02", repo, subject)
    if unreadable is not None:
        yield unreadable
        return
    expected = manifest_data(repo, subject).get("name")
    files, failures = sources(repo, subject, "SVC-OBS-02")
    yield from failures
    starts = telemetry_starts(repo, subject, files)
    if not starts:
        yield fail(
            "SVC-OBS-02",
            subject.join(platform.SERVICE_SRC_DIR),
            None,
            "no OTel SDK is started (see SVC-OBS-01), so no service.name is set",
            "Start telemetry with startTelemetry({ serviceName: ... }) from @platform/service-kit.",
        )
        return
    findings: list[Finding] = []
    for start in starts:
        if start.service_name is None:
            findings.append(
                fail(
                    "SVC-OBS-02",
                    start.file.path,
                    start.line,
                    f"{start.how} is given no service.name",
                    f"Pass serviceName: {expected!r}.",
                )
            )
            continue
        value = ts.evaluate_string(start.file.parsed, start.service_name)
        line = ts.line_of(start.service_name)
        if value != expected:
            shown = repr(value) if value is not None else f"`{ts.text_of(start.service_name)}` (not a constant)"
            findings.append(
                fail(
                    "SVC-OBS-02",
                    start.file.path,
                    line,
                    f"service.name is {shown}, service.yaml name is {expected!r}",
                    f"Set service.name to {expected!r}.",
                )
            )
    loaded = load_infra("SVC-OBS-02", repo, subject)
    infra = loaded if isinstance(loaded, Infra) else None  # a missing or broken infra.ts is SVC-DEP-01's finding
    environment_name = infra.service.option("environment", "OTEL_SERVICE_NAME") if infra and infra.service else None
    if infra is not None and environment_name is not None:
        value = infra.evaluate(environment_name)
        if value != expected:
            findings.append(
                fail(
                    "SVC-OBS-02",
                    infra.path,
                    ts.line_of(environment_name),
                    f"infra.ts sets OTEL_SERVICE_NAME to {value!r}, which overrides service.name {expected!r}",
                    f"Set OTEL_SERVICE_NAME to {expected!r} (or drop it).",
                )
            )
    if findings:
        yield from findings
        return
    start = starts[0]
    yield passed(
        "SVC-OBS-02",
        f"{start.file.path}:{start.line} sets service.name {expected!r}, the service.yaml name",
        start.file.path,
    )


# --- SVC-OBS-03 --------------------------------------------------------------------------------------------
def _sentry_inits(files: list[TsFile]) -> list[tuple[TsFile, ts.Call]]:
    found = []
    for file in files:
        names: set[str] = set()
        for declaration in ts.imports(file.parsed):
            if declaration.module.startswith(SENTRY_PACKAGE_PREFIX) and not declaration.type_only:
                names |= {
                    f"{local}.init" if imported == "*" else local
                    for local, imported in declaration.names.items()
                    if imported in {"*", "init"}
                }
        found += [(file, call) for call in ts.calls(file.parsed, names.__contains__)]
    return found


def _reads_variable(files: list[TsFile], variable: str) -> tuple[TsFile, int] | None:
    """Where the service's code reads an environment variable: a config schema key or `process.env.X`."""
    for file in files:
        for name, line in [*ts.property_keys(file.parsed), *ts.member_properties(file.parsed, "process.env")]:
            if name == variable:
                return file, line
    return None


@check(
    "SVC-OBS-03",
    "Sentry DSN wired per stage",
    mode="auto (wiring) + evidence (secret set)",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA, "src/**"),
)
def sentry_dsn_per_stage(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Follows the DSN from infra to code: infra.ts declares an SST secret for it (`new
    sst.Secret("...SentryDsn")`), passes `<secret>.value` into the service's `environment` under some variable,
    the service's code reads that variable (a config schema key or `process.env.X`), and `Sentry.init({ dsn })`
    gets it from configuration rather than a hard-coded string. The wiring passing, it asks for evidence that
    the secret holds a DSN in dev, staging and prod.

    Why it matters: An SST secret has one value per stage, so errors of each stage reach that stage's Sentry
    environment; a hard-coded or missing DSN loses them or mixes stages.

    How to fix: Declare the secret in infra.ts, map it to `SENTRY_DSN` in the service's environment, read it in
    src/config.ts and pass `config.sentryDsn` to `Sentry.init`. Then `sst secret set <Name>SentryDsn <dsn> --stage
    <stage>` for each stage and record it with `scaffold attest SVC-OBS-03 --evidence ...`.
    """
    infra = load_infra("SVC-OBS-03", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    files, failures = sources(repo, subject, "SVC-OBS-03")
    yield from failures
    secret = next((s for s in infra.secrets if "sentry" in (s.first_string() or "").lower()), None)
    anchor = infra.service.line if infra.service else 1
    if secret is None:
        yield fail(
            "SVC-OBS-03",
            infra.path,
            anchor,
            "infra.ts declares no SST secret for the Sentry DSN",
            'Declare `const sentryDsn = new sst.Secret("<Name>SentryDsn")`.',
        )
        return
    environment = infra.service.option("environment") if infra.service else None
    variable = None
    for key, value in environment_entries(environment) if environment is not None else []:
        if infra.resource(ts.text_of(value)) is secret:
            variable = key
    read: tuple[TsFile, int] | None = None
    if variable is None and secret in linked(infra):
        # SST `link`: the code reads the secret as `Resource.<Name>.value` from "sst".
        name = secret.first_string() or ""
        where = resource_reads(files).get(name)
        if where is not None:
            variable = f"Resource.{name}"
            read = next(((f, where[1]) for f in files if f.path == where[0]), None)
    if variable is None:
        yield fail(
            "SVC-OBS-03",
            infra.path,
            anchor,
            f"the secret {secret.first_string()} (line {secret.line}) is not passed to the service's environment"
            " nor linked and read as `Resource.<Name>.value`",
            f"Add `SENTRY_DSN: {secret.variable or 'secret'}.value` to the service's `environment` (or link it and"
            f" read `Resource.{secret.first_string()}.value`).",
        )
        return
    read = read or _reads_variable(files, variable)
    config_path = subject.join(platform.SERVICE_CONFIG)
    if read is None:
        yield fail(
            "SVC-OBS-03",
            config_path,
            None,
            f"the service's code never reads {variable}",
            f"Read {variable} in src/config.ts and pass it to Sentry.init.",
        )
        return
    inits = _sentry_inits(files)
    if not inits:
        yield fail(
            "SVC-OBS-03",
            read[0].path,
            read[1],
            f"{variable} is read but Sentry.init is never called",
            "Call Sentry.init({ dsn: config.sentryDsn, environment: config.stage }) at start-up.",
        )
        return
    for file, call in inits:
        dsn = ts.object_property(call.arguments[0].node, "dsn") if call.arguments else None
        if dsn is None:
            yield fail(
                "SVC-OBS-03", file.path, call.line, "Sentry.init is called without a dsn", "Pass dsn: config.sentryDsn."
            )
            return
        if ts.string_value(dsn) is not None:
            yield fail(
                "SVC-OBS-03",
                file.path,
                ts.line_of(dsn),
                "Sentry.init has a hard-coded DSN, the same in every stage",
                f"Pass the per-stage DSN from configuration ({variable}).",
            )
            return
    file, call = inits[0]
    yield passed(
        "SVC-OBS-03",
        f"{infra.path}:{secret.line} secret {secret.first_string()} → environment {variable} → read at "
        f"{read[0].path}:{read[1]} → Sentry.init at {file.path}:{call.line}",
        infra.path,
    )
    yield needs_evidence(
        "SVC-OBS-03",
        subject,
        f"the SST secret {secret.first_string()} is set in {', '.join(platform.DEPLOY_STAGES)} "
        f"(`sst secret list --stage <stage>`)",
    )


def environment_entries(environment: Node) -> list[tuple[str, Node]]:
    """(key, value node) of an object literal such as the service's `environment: {...}`."""
    found = []
    for pair in (c for c in ts.unwrap(environment).named_children if c.type == "pair"):
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is not None and value is not None:
            name = ts.string_value(key) if key.type == "string" else ts.text_of(key)
            if name:
                found.append((name, value))
    return found


# --- SVC-OBS-04 --------------------------------------------------------------------------------------------
@check(
    "SVC-OBS-04",
    "CloudWatch alarms defined for: error rate, latency p99, dead-letter queue depth",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA,),
)
def cloudwatch_alarms_defined(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Reads every `new aws.cloudwatch.MetricAlarm(...)` in infra.ts with its metrics (direct or in
    `metricQueries`) and finds: an error-rate alarm (a 5XX / error / fault metric), a p99 latency alarm (a latency,
    response-time or duration metric with statistic `p99`), and a dead-letter-queue depth alarm
    (`ApproximateNumberOfMessagesVisible` of AWS/SQS whose QueueName is a queue used as another queue's `dlq`).

    Why it matters: These three are how on-call learns the service is failing, slow, or dropping events.

    How to fix: Add the missing alarm to infra.ts (the service template defines all three).
    """
    infra = load_infra("SVC-OBS-04", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    wanted = {
        "error rate": [a for a in infra.alarms if is_error_rate(a)],
        "p99 latency": [a for a in infra.alarms if is_latency_p99(a)],
        "dead-letter queue depth": [a for a in infra.alarms if is_dlq_depth(infra, a)],
    }
    anchor = infra.service.line if infra.service else 1
    missing = [kind for kind, alarms in wanted.items() if not alarms]
    if missing and infra.unresolved_alarms:
        yield needs_human(
            "SVC-OBS-04",
            subject,
            f"no {', '.join(missing)} alarm among those the verifier could evaluate, but infra.ts builds MetricAlarms "
            f"it could not follow ({infra.unresolved_note()}): check that they include them",
        )
        return
    for kind in missing:
        yield fail(
            "SVC-OBS-04",
            infra.path,
            anchor,
            f"infra.ts defines no {kind} alarm ({len(infra.alarms)} MetricAlarm(s) found)",
            f"Add a {kind} MetricAlarm (see the service template).",
        )
    if not missing:
        yield passed(
            "SVC-OBS-04",
            "; ".join(f"{kind}: {alarms[0].name} (line {alarms[0].line})" for kind, alarms in wanted.items()),
            infra.path,
        )


# --- SVC-OBS-05 --------------------------------------------------------------------------------------------
def routing_problems(infra: Infra) -> Iterator[tuple[int, str]]:
    """(line, problem) for each alarm not routed critical → PagerDuty, warning → Slack."""
    for alarm in infra.alarms:
        if alarm.severity not in {"critical", "warning"}:
            yield alarm.line, f"alarm {alarm.name} has no `tags.severity` of critical or warning"
            continue
        if not alarm.actions:
            yield alarm.line, f"alarm {alarm.name} has no alarmActions, so it notifies nobody"
            continue
        destinations: set[str] = set()
        for action in alarm.actions:
            topic = infra.resource(action)
            if topic is not None:
                destinations |= infra.destinations(topic)
        wanted, unwanted = ("pagerduty", "") if alarm.severity == "critical" else ("slack", "pagerduty")
        if wanted not in destinations:
            yield (
                alarm.line,
                f"{alarm.severity} alarm {alarm.name} does not reach {wanted} (reaches: "
                f"{', '.join(sorted(destinations)) or 'nothing'})",
            )
        elif unwanted and unwanted in destinations:
            yield alarm.line, f"warning alarm {alarm.name} pages through PagerDuty; warnings go to Slack"


@check(
    "SVC-OBS-05",
    "PagerDuty routing configured (critical → page, warn → Slack)",
    mode="auto (routing in config) + evidence",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA,),
)
def pagerduty_routing(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every MetricAlarm in infra.ts, reads `tags.severity` and follows `alarmActions` to SNS
    topics and their `TopicSubscription`s; a subscription's endpoint counts as PagerDuty or Slack by the secret it
    reads (`<Name>PagerDutyUrl`, `<Name>SlackWebhookUrl`) or its URL. Critical alarms must reach PagerDuty;
    warnings must reach Slack and not page. The routing passing, it asks for evidence that the integration works.

    Why it matters: A critical alarm that only posts to Slack at 3 a.m. pages nobody; a warning that pages wears
    out the on-call engineer.

    How to fix: Tag each alarm `severity: "critical" | "warning"` and send its alarmActions to the topic
    subscribed by PagerDuty (critical) or Slack (warning), as the service template does. Then trigger a test
    alarm and record it with `scaffold attest SVC-OBS-05 --evidence ...`.
    """
    infra = load_infra("SVC-OBS-05", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    if not infra.alarms and not infra.unresolved_alarms:
        yield fail(
            "SVC-OBS-05",
            infra.path,
            infra.service.line if infra.service else 1,
            "infra.ts defines no alarms, so nothing is routed",
            "Define the alarms (SVC-OBS-04) and route them.",
        )
        return
    problems = list(routing_problems(infra))
    for line, message in problems:
        yield fail(
            "SVC-OBS-05",
            infra.path,
            line,
            message,
            "Route critical alarms to the PagerDuty topic and warnings to the Slack topic.",
        )
    if problems:
        return
    if infra.unresolved_alarms:
        yield needs_human(
            "SVC-OBS-05",
            subject,
            f"infra.ts builds MetricAlarms the verifier could not follow ({infra.unresolved_note()}): check that "
            "each routes critical → PagerDuty, warning → Slack",
        )
        return
    critical = sum(1 for a in infra.alarms if a.severity == "critical")
    yield passed(
        "SVC-OBS-05",
        f"{critical} critical alarm(s) page through PagerDuty, {len(infra.alarms) - critical} warning(s) go to Slack",
        infra.path,
    )
    yield needs_evidence(
        "SVC-OBS-05",
        subject,
        "the PagerDuty integration URL and Slack webhook secrets are set per stage and a test alarm reached both "
        f"(PagerDuty schedule: {manifest_data(repo, subject).get('on_call') or 'the service.yaml on_call'})",
    )
