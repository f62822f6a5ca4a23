import { JOBS } from "./jobs/registry";
import { runJob } from "./runner";

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// The Lambda behind each job's schedule; infra.ts sets JOB_NAME, JOB_TARGET_URL and JOBS_M2M_TOKEN. A failed run
// throws, so it counts in the function's Errors metric that the job's alarm watches.
export async function handler(event: { time: string }): Promise<void> {
  const name = requiredEnv("JOB_NAME");
  const job = JOBS.find((candidate) => candidate.name === name);
  if (!job) throw new Error(`No job named ${name} in src/jobs/registry.ts`);

  const run = await runJob(job, {
    fetch,
    baseUrl: requiredEnv("JOB_TARGET_URL"),
    token: requiredEnv("JOBS_M2M_TOKEN"),
    scheduledAt: new Date(event.time),
  });
  if (!run.ok) throw new Error(`Job ${name} failed (${run.status ?? "no response"})`);
}
