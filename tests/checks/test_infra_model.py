"""scaffold.checks._infra: alarms, their kinds and routing, read from an infra.ts through tree-sitter."""

from __future__ import annotations

from scaffold.checks._infra import Infra, is_dlq_depth, is_error_rate, is_latency_p99
from scaffold.parsers.typescript import parse_typescript

INFRA = """const stage = $app.stage;
const pagerDuty = new sst.Secret("BillingPagerDutyUrl");
const slack = new sst.Secret("BillingSlackWebhookUrl");
const dlq = new sst.aws.Queue("Dead");
const events = new sst.aws.Queue("Events", { dlq: { queue: dlq.arn, retry: 3 } });
const critical = new aws.sns.Topic("Critical");
new aws.sns.TopicSubscription("ToPagerDuty", { topic: critical.arn, protocol: "https", endpoint: pagerDuty.value });
const warning = new aws.sns.Topic("Warning");
new aws.sns.TopicSubscription("ToSlack", { topic: warning.arn, protocol: "https", endpoint: slack.value });
const route = { critical: critical.arn, warning: warning.arn };
new aws.cloudwatch.MetricAlarm("Errors", {
  name: `billing-errors-${stage}`,
  metricQueries: [{ id: "e", metric: { metricName: "HTTPCode_Target_5XX_Count", stat: "Sum" } }],
  alarmActions: [route.critical],
  tags: { severity: "critical" },
});
new aws.cloudwatch.MetricAlarm("Slow", {
  metricName: "TargetResponseTime", extendedStatistic: "p99",
  alarmActions: [warning.arn], tags: { severity: "warning" },
});
new aws.cloudwatch.MetricAlarm("Backlog", {
  namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: dlq.nodes.queue.name },
  alarmActions: [warning.arn], tags: { severity: "warning" },
});
"""


def test_alarm_names_kinds_and_severities() -> None:
    infra = Infra("infra.ts", parse_typescript(INFRA))
    errors, slow, backlog = infra.alarms
    assert (errors.name, slow.name, backlog.name) == ("billing-errors", "Slow", "Backlog")  # stage suffix dropped
    assert [is_error_rate(a) for a in infra.alarms] == [True, False, False]
    assert [is_latency_p99(a) for a in infra.alarms] == [False, True, False]
    assert [is_dlq_depth(infra, a) for a in infra.alarms] == [False, False, True]
    assert errors.severity == "critical" and backlog.severity == "warning"


def test_routing_follows_actions_to_topics_and_their_subscribers() -> None:
    infra = Infra("infra.ts", parse_typescript(INFRA))
    errors, slow, _ = infra.alarms
    critical = infra.resource(errors.actions[0])  # `route.critical` through the const object
    warning = infra.resource(slow.actions[0])
    assert critical is not None and critical.first_string() == "Critical"
    assert infra.destinations(critical) == {"pagerduty"}
    assert warning is not None and infra.destinations(warning) == {"slack"}


def test_a_queue_is_a_dead_letter_queue_only_when_used_as_one() -> None:
    infra = Infra("infra.ts", parse_typescript(INFRA))
    assert infra.dead_letter_queues() == {"dlq"}
