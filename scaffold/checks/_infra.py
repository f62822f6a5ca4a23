"""A service's infra.ts read as SST resources: secrets, queues, the service, topics, subscriptions and alarms.

What SVC-DOC-02, SVC-OBS-03..05 and SVC-DEP-* share. Everything comes from tree-sitter (`new X(...)`
constructions, their option objects, and constant folding of strings per stage); nothing is matched by text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from scaffold import platform
from scaffold.checks._cache import memo
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
    dimensions: ts.Value | None


@dataclass(frozen=True)
class Alarm:
    construction: ts.Construction
    name: str  # the `name` option without its stage suffix ("billing-error-rate"), else the logical name
    logical_name: str
    severity: str | None  # tags.severity
    metrics: tuple[Metric, ...]
    actions: tuple[str, ...]  # alarmActions as source text

    @property
    def line(self) -> int:
        return self.construction.line


class Infra:
    """infra.ts of one service, parsed."""

    def __init__(self, path: str, parsed: ts.ParsedTs) -> None:
        self.path = path
        self.parsed = parsed
        self.all = ts.constructions(parsed)
        self.by_variable = {c.variable: c for c in self.all if c.variable}
        self.consts = ts.declarations(parsed)

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
    def resource(self, expression: str) -> ts.Construction | None:
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

    def evaluate(self, node: Node | None, stage: str | None = None) -> str | None:
        """The string a node evaluates to in `stage` (None: leave the stage as a marker), or None."""
        if node is None:
            return None
        return ts.evaluate_string(self.parsed, node, {STAGE_EXPRESSION: stage if stage else _STAGE_MARK})

    # --- alarms ----------------------------------------------------------------------------------------------
    @cached_property
    def alarms(self) -> list[Alarm]:
        return [self._alarm(c) for c in self.of("alarm")]

    def _alarm(self, construction: ts.Construction) -> Alarm:
        logical = construction.first_string() or (construction.variable or f"line {construction.line}")
        raw_name = self.evaluate(construction.option("name"))
        name = re.sub(rf"[-_.]?{re.escape(_STAGE_MARK)}", "", raw_name) if raw_name else logical
        options = construction.options()
        plain = options.plain() if options is not None else {}
        fields = plain if isinstance(plain, dict) else {}
        tags = fields.get("tags")
        severity = tags.get("severity") if isinstance(tags, dict) else None
        metrics = [_metric(options.value if options is not None and isinstance(options.value, dict) else {})]
        queries = (
            options.value.get("metricQueries") if options is not None and isinstance(options.value, dict) else None
        )
        for query in queries.value if queries is not None and isinstance(queries.value, list) else []:
            metric = query.value.get("metric") if isinstance(query.value, dict) else None
            if metric is not None and isinstance(metric.value, dict):
                metrics.append(_metric(metric.value))
        actions = fields.get("alarmActions")
        return Alarm(
            construction,
            name,
            logical,
            severity if isinstance(severity, str) else None,
            tuple(m for m in metrics if m.name),
            tuple(str(a) for a in actions) if isinstance(actions, list) else (),
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

    @cached_property
    def _hostnames(self) -> dict[str, str | None]:
        """Folded once per infra.ts: the DNS, deploy and smoke-test checks each ask, some once per stage."""
        node = self.hostname_node()
        return {stage: self.evaluate(node, stage) for stage in platform.DEPLOY_STAGES}


def _metric(fields: dict[str, ts.Value]) -> Metric:
    def text(key: str) -> str | None:
        value = fields.get(key)
        return value.value if value is not None and isinstance(value.value, str) else None

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
        dimensions = metric.dimensions.plain() if metric.dimensions is not None else None
        queue = dimensions.get("QueueName") if isinstance(dimensions, dict) else None
        resource = infra.resource(str(queue)) if queue is not None else None
        if resource is not None and resource.variable in queues:
            return True
    return False
