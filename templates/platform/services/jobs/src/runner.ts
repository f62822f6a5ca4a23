import { log } from "@platform/service-kit";
import type { JobDefinition } from "./jobs/job-definition";

export type RunJobDeps = {
  fetch: typeof fetch;
  baseUrl: string;
  token: string;
  // The time the schedule fired; retries of one run reuse it, so the target sees one Idempotency-Key.
  scheduledAt: Date;
};

export type JobRun = { ok: boolean; status?: number; idempotencyKey: string };

// One run, and nothing kept between runs: a failed run throws in handler.ts, and the job's CloudWatch alarm over the
// function's Errors (infra.ts) counts failures in a row across every container. A counter in this process would
// count only the runs one warm container happened to serve.
export async function runJob(job: JobDefinition, deps: RunJobDeps): Promise<JobRun> {
  const idempotencyKey = `${job.name}@${deps.scheduledAt.toISOString()}`;
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
  const fields = { job: job.name, target: job.target.service, status, error, idempotency_key: idempotencyKey };
  if (ok) log.info("job run succeeded", fields);
  else log.error("job run failed", { ...fields, alarm_after: job.alarm.consecutiveFailures });
  return { ok, status, idempotencyKey };
}
