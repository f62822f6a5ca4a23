"""A service's infra.ts read as SST resources: secrets, queues, the service, topics, subscriptions and alarms.

What SVC-DOC-02, SVC-OBS-03..05 and SVC-DEP-* share. Everything comes from tree-sitter (`new X(...)`
constructions and their option objects) and from running the file through the partial evaluator
(scaffold/parsers/ts_eval.py): alarms built by a helper or in a loop, hostnames computed by a function per stage and
secrets kept in an object are read the way a reviewer reads them; nothing is matched by text. Where the evaluator
stops (an alarm built in a function it cannot follow), `unresolved_alarms` says where and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from scaffold import platform
from scaffold.checks._cache import memo
from scaffold.checks._service import TsFile
from scaffold.parsers import ts_eval
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Status
from scaffold.verify.repo import RepoView, Subject

STAGE_EXPRESSION = "$app.stage"
_STAGE_MARK = "\x00stage\x00"
_SUFFIX = {"arn", "value", "name", "url", "id"}
_DLQ_NAME = re.compile(r"dlq|dead.?letter", re.IGNORECASE)


def _is_secret(constructor: str) -> bool:
    return constructor in {"sst.Secret", "Secret"}


def _is_topic(constructor: str) -> bool:
    return constructor.endswith((".Topic", ".SnsTopic"))


def _is_subscription(constructor: str) -> bool:
    return constructor.endswith(".TopicSubscription")


def _is_alarm(constructor: str) -> bool:
    return constructor.endswith(".MetricAlarm")


@dataclass(frozen=True)
class Metric:
    namespace: str | None
    name: str | None
    statistic: str | None  # statistic / extendedStatistic / stat, e.g. "Sum", "p99"
    dimensions: object  # the evaluated `dimensions` ({"QueueName": Ref(...)}), None when absent


@dataclass(frozen=True)
class Alarm:
    construction: ts.Construction
    name: str  # the `name` option without its stage suffix ("billing-error-rate"), else the logical name
    logical_name: str
    severity: str | None  # tags.severity
    metrics: tuple[Metric, ...]
    actions: tuple[str, ...]  # alarmActions as source text ("critical.arn"), evaluated through helpers
    line: int  # the `new` expression, or the top-level call of the helper that built it


class Infra:
    """infra.ts of one service, parsed."""

    def __init__(self, path: str, parsed: ts.ParsedTs) -> None:
        self.path = path
        self.parsed = parsed
        self.all = ts.constructions(parsed)
        # Only `const x = new X(...)` names a construction; `const secrets = { a: new X(...) }` does not.
        self.by_variable = {c.variable: c for c in self.all if c.variable and _is_initializer(c.node)}
        self.by_node = {c.node.start_byte: c for c in self.all}
        self.consts = ts.declarations(parsed)
        self.run = ts_eval.run(parsed, {STAGE_EXPRESSION: _STAGE_MARK})

    def of(self, predicate: str) -> list[ts.Construction]:
        tests = {"secret": _is_secret, "topic": _is_topic, "subscription": _is_subscription, "alarm": _is_alarm}
        test = tests.get(predicate, lambda constructor: constructor == predicate)
        return [c for c in self.all if test(c.constructor)]

    @cached_property
    def service(self) -> ts.Construction | None:
        return next((c for c in self.all if c.constructor == "sst.aws.Service"), None)

    @cached_property
    def secrets(self) -> list[ts.Construction]:
        return self.of("secret")

    # --- resolving expressions to resources ------------------------------------------------------------------
    def _declared_resource(self, expression: str) -> ts.Construction | None:
        """The construction an expression refers to: `sentryDsn.value` → the Secret, `routeTo.critical` → (through
        `const routeTo = { critical: critical.arn }`) the Topic. None when it names no construction."""
        for _ in range(10):
            parts = ts.compact(expression).split(".")
            if parts[0] in self.by_variable:
                return self.by_variable[parts[0]]
            declared = self.consts.get(parts[0])
            if declared is None or len(parts) < 2:
                return None
            value = ts.object_property(declared, parts[1])
            if value is None:
                return None
            expression = ts.text_of(value) + "".join(f".{p}" for p in parts[2:])
        return None

    def resource(self, expression: str) -> ts.Construction | None:
        """The construction an expression names: through declared consts, then through what the evaluator bound
        it to (`secrets.sentryDsn.value` with `const secrets = { sentryDsn: new sst.Secret(...) }`)."""
        found = self._declared_resource(expression)
        if found is not None:
            return found
        return self.static(self.run.lookup(expression))

    def static(self, value: object) -> ts.Construction | None:
        """The construction an evaluated value refers to (a Constructed or a Ref to one), else None."""
        if isinstance(value, ts_eval.Ref):
            value = value.target
        return self.by_node.get(value.node.start_byte) if isinstance(value, ts_eval.Constructed) else None

    def evaluate(self, node: Node | None, stage: str | None = None) -> str | None:
        """The string a node evaluates to in `stage` (None: leave the stage as a marker), or None."""
        if node is None:
            return None
        return ts.evaluate_string(self.parsed, node, {STAGE_EXPRESSION: stage if stage else _STAGE_MARK})

    # --- alarms ----------------------------------------------------------------------------------------------
    @cached_property
    def alarms(self) -> list[Alarm]:
        return [self._alarm(c) for c in self.run.constructed if _is_alarm(c.constructor)]

    @cached_property
    def unresolved_alarms(self) -> list[tuple[int, str]]:
        """MetricAlarms the evaluator did not reach: (line, why)."""
        found: list[tuple[int, str]] = []
        for node, why in self.run.unreached:
            target = node.child_by_field_name("constructor")
            if target is not None and _is_alarm(ts.compact(ts.text_of(target))):
                found.append((ts.line_of(node), why))
        return found

    def unresolved_note(self) -> str:
        """Where and why the evaluator stopped on MetricAlarms, for a needs_human finding ("" when it did not)."""
        return "; ".join(f"line {line}: {why}" for line, why in self.unresolved_alarms)

    def _alarm(self, built: ts_eval.Constructed) -> Alarm:
        construction = self.by_node[built.node.start_byte]
        raw_logical = built.first_string()
        logical = raw_logical or (construction.variable or f"line {built.line}")
        raw_name = built.option("name")
        name = re.sub(rf"[-_.]?{re.escape(_STAGE_MARK)}", "", raw_name) if isinstance(raw_name, str) else logical
        severity = built.option("tags", "severity")
        metrics = [_metric(built.options())]
        queries = built.option("metricQueries")
        for query in queries if isinstance(queries, list) else []:
            metric = query.get("metric") if isinstance(query, dict) else None
            if isinstance(metric, dict):
                metrics.append(_metric(metric))
        actions = built.option("alarmActions")
        return Alarm(
            construction,
            name,
            logical,
            severity if isinstance(severity, str) else None,
            tuple(m for m in metrics if m.name),
            tuple(_source_text(a) for a in actions) if isinstance(actions, list) else (),
            built.line,
        )

    def dead_letter_queues(self) -> set[str]:
        """Variables of queues used as another queue's `dlq` (or named like one)."""
        found: set[str] = set()
        for queue in self.of("sst.aws.Queue"):
            dlq = queue.option("dlq")
            if dlq is not None:
                target = ts.object_property(dlq, "queue") or dlq
                resource = self.resource(ts.text_of(target))
                if resource is not None and resource.variable:
                    found.add(resource.variable)
            if queue.variable and _DLQ_NAME.search(f"{queue.variable} {queue.first_string() or ''}"):
                found.add(queue.variable)
        return found

    # --- routing -------------------------------------------------------------------------------------------
    def destinations(self, topic: ts.Construction) -> set[str]:
        """Where `topic` delivers: "pagerduty" / "slack" per subscription, by its endpoint (a secret's name, a URL)."""
        found: set[str] = set()
        for subscription in self.of("subscription"):
            target = subscription.option("topic")
            if target is None or self.resource(ts.text_of(target)) is not topic:
                continue
            endpoint = subscription.option("endpoint")
            if endpoint is None:
                continue
            resource = self.resource(ts.text_of(endpoint))
            described = " ".join(
                filter(None, [ts.text_of(endpoint), resource.first_string() if resource else None])
            ).lower()
            found |= {kind for kind in ("pagerduty", "slack") if kind in described.replace("-", "").replace("_", "")}
        return found

    # --- hostnames -----------------------------------------------------------------------------------------
    def hostname_node(self) -> Node | None:
        if self.service is None:
            return None
        domain = self.service.option("loadBalancer", "domain")
        if domain is None:
            return None
        return ts.object_property(domain, "name") or domain

    def hostnames(self) -> dict[str, str | None]:
        """The service's hostname in each deployment stage (None where it is not a constant)."""
        return dict(self._hostnames)

    def hostname_stops(self) -> dict[str, str]:
        """Stage -> why the evaluator could not work out the hostname there (the stages it could are absent)."""
        return {stage: why for stage, (_, why) in self._evaluated_hostnames.items() if why is not None}

    @cached_property
    def _hostnames(self) -> dict[str, str | None]:
        """Folded once per infra.ts: the DNS, deploy and smoke-test checks each ask, some once per stage."""
        return {stage: host for stage, (host, _) in self._evaluated_hostnames.items()}

    @cached_property
    def _evaluated_hostnames(self) -> dict[str, tuple[str | None, str | None]]:
        node = self.hostname_node()
        return {stage: self._hostname(node, stage) for stage in platform.DEPLOY_STAGES}

    def _hostname(self, node: Node | None, stage: str) -> tuple[str | None, str | None]:
        """(the hostname in `stage`, None) or (None, why it is not known)."""
        literal = self.evaluate(node, stage)
        if literal is not None:
            return literal, None
        if node is None:
            return None, None
        # Computed (a function of the stage, a helper): run the file for that stage and read the service's domain.
        staged = ts_eval.run(self.parsed, {STAGE_EXPRESSION: stage})
        service = next((c for c in staged.constructed if c.constructor == "sst.aws.Service"), None)
        domain = service.option("loadBalancer", "domain") if service is not None else None
        name = domain.get("name") if isinstance(domain, dict) else domain
        if isinstance(name, str) and name:
            return name, None
        if isinstance(name, ts_eval.Unknown):
            return None, f"`{name.text[:60]}`: {name.reason}"
        return None, None


def _is_initializer(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type in {"parenthesized_expression", "as_expression", "satisfies_expression"}:
        parent = parent.parent
    return parent is not None and parent.type == "variable_declarator"


def _source_text(value: object) -> str:
    if isinstance(value, ts_eval.Unknown):
        return value.text
    return str(value)


def _metric(fields: dict[str, object]) -> Metric:
    def text(key: str) -> str | None:
        value = fields.get(key)
        return value if isinstance(value, str) else None

    return Metric(
        text("namespace"),
        text("metricName"),
        text("extendedStatistic") or text("statistic") or text("stat"),
        fields.get("dimensions"),
    )


def infra_path(subject: Subject) -> str:
    return subject.join(platform.SERVICE_INFRA)


def load_infra(check_id: str, repo: RepoView, subject: Subject) -> Infra | Finding:
    """The parsed infra.ts, or a fail finding when it is missing or does not parse."""
    path = infra_path(subject)
    parsed = repo.typescript(path)
    if parsed is None:
        return Finding(
            check_id,
            Status.FAIL,
            f"{path} is missing, so nothing declares how {subject.name} is deployed",
            file=path,
            fix="Create infra.ts from the service template (hostname, scaling, health check, alarms, secrets).",
        )
    if parsed.error_line is not None:
        return Finding(
            check_id,
            Status.FAIL,
            f"{path} does not parse as TypeScript (syntax error at line {parsed.error_line})",
            file=path,
            line=parsed.error_line,
            fix="Fix the syntax error at that line.",
        )
    return memo(repo, ("infra", path), lambda: Infra(path, parsed))


# --- alarm kinds (SVC-OBS-04) -------------------------------------------------------------------------------
def is_error_rate(alarm: Alarm) -> bool:
    return any(re.search(r"5xx|error|fault", m.name or "", re.IGNORECASE) for m in alarm.metrics)


def is_latency_p99(alarm: Alarm) -> bool:
    return any(
        re.search(r"latency|responsetime|duration", m.name or "", re.IGNORECASE)
        and (m.statistic or "").lower() == "p99"
        for m in alarm.metrics
    )


def is_dlq_depth(infra: Infra, alarm: Alarm) -> bool:
    queues = infra.dead_letter_queues()
    for metric in alarm.metrics:
        if metric.namespace != "AWS/SQS" or metric.name not in {
            "ApproximateNumberOfMessagesVisible",
            "ApproximateNumberOfMessages",
        }:
            continue
        queue = metric.dimensions.get("QueueName") if isinstance(metric.dimensions, dict) else None
        resource = infra.static(queue) or (infra.resource(_source_text(queue)) if queue is not None else None)
        if resource is not None and resource.variable in queues:
            return True
    return False


# --- SST `link` + `Resource.<Name>.value` (SVC-OBS-03, SVC-DEP-03) ------------------------------------------
SST_PACKAGE = "sst"


def linked(infra: Infra) -> list[ts.Construction]:
    """The resources in the service's `link: [...]`, evaluated (a secret kept in an object is still found)."""
    service = next((c for c in infra.run.constructed if c.constructor == "sst.aws.Service"), None)
    items = service.option("link") if service is not None else None
    found = [infra.static(item) for item in items] if isinstance(items, list) else []
    return [c for c in found if c is not None]


def resource_reads(files: list[TsFile]) -> dict[str, tuple[str, int]]:
    """`Resource.<Name>` reads in code that imports `Resource` from "sst" (SST's linked resources) → where."""
    found: dict[str, tuple[str, int]] = {}
    for file in files:
        for declaration in ts.imports(file.parsed):
            if declaration.module != SST_PACKAGE or declaration.type_only:
                continue
            for local, imported in declaration.names.items():
                if imported == "Resource":
                    for name, line in ts.member_properties(file.parsed, local):
                        found.setdefault(name, (file.path, line))
    return found
