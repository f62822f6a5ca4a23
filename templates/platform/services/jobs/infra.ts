// SST resources of the jobs service, loaded by sst.config.ts (not type-checked: SST generates its types on deploy).
// One schedule + Lambda per job in src/jobs/registry.ts, and an alarm that pages after the job's
// `alarm.consecutiveFailures` failed runs in a row (JOB-04).
import { JOBS } from "./src/jobs/registry";

const m2mToken = new sst.Secret("JobsM2mToken");
const pagerDutyUrl = new sst.Secret("PagerDutyCriticalUrl");

const critical = new aws.sns.Topic("JobsCriticalAlarms");
new aws.sns.TopicSubscription("JobsCriticalToPagerDuty", {
  topic: critical.arn,
  protocol: "https",
  endpoint: pagerDutyUrl.value,
});

// Several jobs may target one service: declare each base-URL secret once (JOB-03).
const targetUrls = new Map<string, sst.Secret>();
function targetUrl(secretName: string): sst.Secret {
  if (!targetUrls.has(secretName)) targetUrls.set(secretName, new sst.Secret(secretName));
  return targetUrls.get(secretName)!;
}

const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

for (const job of JOBS) {
  const id = `Job${pascal(job.name)}`;
  const cron = new sst.aws.Cron(id, {
    schedule: job.schedule,
    function: {
      handler: "services/jobs/src/handler.handler",
      timeout: "5 minutes",
      environment: {
        JOB_NAME: job.name,
        JOB_TARGET_URL: targetUrl(job.target.urlSecret).value,
        JOBS_M2M_TOKEN: m2mToken.value,
      },
    },
  });

  // Lambda reports Errors only for minutes with a run; missing minutes are ignored, so N error datapoints in a row
  // are N failed runs in a row.
  new aws.cloudwatch.MetricAlarm(`${id}Failures`, {
    alarmDescription: `Job ${job.name} failed ${job.alarm.consecutiveFailures} runs in a row. See services/jobs/RUNBOOK.md, "Job: ${job.name}".`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: cron.nodes.function.name },
    statistic: "Sum",
    period: 60,
    evaluationPeriods: job.alarm.consecutiveFailures,
    datapointsToAlarm: job.alarm.consecutiveFailures,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "ignore",
    alarmActions: [critical.arn],
    okActions: [critical.arn],
  });
}

export const outputs = { jobs: JOBS.map((job) => job.name) };
