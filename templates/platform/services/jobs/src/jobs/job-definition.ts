export type JobDefinition = {
  // kebab-case and unique: names the Lambda, its alarm and the `## Job: <name>` section of RUNBOOK.md.
  name: string;
  // An EventBridge schedule expression in UTC, e.g. `cron(0 3 * * ? *)` or `rate(15 minutes)`.
  schedule: string;
  description: string;
  // The target's admin endpoint; it must be idempotent (JOB-01). urlSecret names the SST secret holding the
  // target's base URL for the stage (JOB-03).
  target: { service: string; method: "POST"; path: string; urlSecret: string };
  // Page after this many failed runs in a row (JOB-04).
  alarm: { consecutiveFailures: number };
};
