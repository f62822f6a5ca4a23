import { log } from "@platform/service-kit";
import type { JobDefinition } from "./jobs/job-definition";

export type RunJobDeps = {
  fetch: typeof fetch;
  baseUrl: string;
  token: string;
  // The time the schedule fired; retries of one run reuse it, so the target sees one Idempotency-Key.
  scheduledAt: Date;
  // Consecutive failures per job name. The default lives as long as the warm Lambda; the CloudWatch alarm on the
  // function's errors (infra.ts) is what pages.
  failures?: Map<string, number>;
};

export type JobRun = { ok: boolean; status?: number; idempotencyKey: string; consecutiveFailures: number };

const failuresInThisContainer = new Map<string, number>();

export async function runJob(job: JobDefinition, deps: RunJobDeps): Promise<JobRun> {
  const idempotencyKey = `${job.name}@${deps.scheduledAt.toISOString()}`;
  const failures = deps.failures ?? failuresInThisContainer;
  let status: number | undefined;
  let error: string | undefined;
  try {
    const res = await deps.fetch(new URL(job.target.path, deps.baseUrl), {
      method: job.target.method,
      headers: { Authorization: `Bearer ${deps.token}`, "Idempotency-Key": idempotencyKey },
    });
    status = res.status;
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
  }

  const ok = status !== undefined && status < 400;
  const consecutiveFailures = ok ? 0 : (failures.get(job.name) ?? 0) + 1;
  failures.set(job.name, consecutiveFailures);
  const fields = {
    job: job.name,
    target: job.target.service,
    status,
    error,
    idempotency_key: idempotencyKey,
    consecutive_failures: consecutiveFailures,
  };
  if (ok) log.info("job run succeeded", fields);
  else log.error("job run failed", { ...fields, alarm_after: job.alarm.consecutiveFailures });
  return { ok, status, idempotencyKey, consecutiveFailures };
}
