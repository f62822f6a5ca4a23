import type { Context } from "hono";
import type { Db } from "./db";
import { type AppEnv, type AuthEnv, inChainAfter, type TxEnv } from "./env";
import { log } from "./log";
import { problem } from "./problem";

// What a job's work gets: the admin request's transaction, the time the schedule fired and who asked.
export type JobRun = {
  tx: Db;
  // From the jobs runner's `Idempotency-Key: <job>@<scheduled time>`; a run by hand with any other key runs "now".
  scheduledAt: Date;
  idempotencyKey: string;
  brandId: string;
  actor: string;
};

// What the work reports: counts and flags, returned as the response's `result` and logged with the run.
export type JobResult = Record<string, string | number | boolean | null>;

const SCHEDULED_KEY = /^(?<job>[a-z][a-z0-9-]*)@(?<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)$/;

// The body of every job's admin route (JOB-01): runs the job's work once in c.var.tx, so the work, the audit row
// and the idempotency record commit together, and a retry of the same scheduled time replays the first response
// (idempotency() answers it before this runs). Mount after requireScope("jobs:run"), transactional(db),
// idempotency() and audit(). A key naming another job, or a time that is not one, is a 400: the run went to the
// wrong route. A thrown error rolls the transaction back and answers 500, so the scheduler's retry runs afresh.
export async function runJobWork(
  c: Context<AuthEnv & TxEnv & AppEnv>,
  job: string,
  work: (run: JobRun) => Promise<JobResult>,
): Promise<Response> {
  const idempotencyKey = c.req.header("Idempotency-Key") ?? "";
  const scheduled = SCHEDULED_KEY.exec(idempotencyKey)?.groups;
  let scheduledAt = new Date();
  if (scheduled) {
    scheduledAt = new Date(scheduled.time ?? "");
    if (scheduled.job !== job || Number.isNaN(scheduledAt.getTime())) {
      return problem(c, 400, "invalid_request", `The Idempotency-Key names another run than \`${job}@<time>\`.`);
    }
  }
  const { auth, tx } = inChainAfter("runJobWork()", c.var);
  const { sub, brand_id } = auth;
  const started = performance.now();
  const result = await work({ tx, scheduledAt, idempotencyKey, brandId: brand_id, actor: sub });
  const fields = { job, scheduled_at: scheduledAt.toISOString(), idempotency_key: idempotencyKey, result };
  log.info("job work done", { ...fields, duration_ms: Math.round(performance.now() - started) });
  return c.json({ job, scheduled_at: fields.scheduled_at, ran_at: new Date().toISOString(), result }, 202);
}
