import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { JOBS } from "../src/jobs/registry";

it("gives every job a unique name, a failure alarm and a runbook section (JOB-04, JOB-05)", async () => {
  const runbook = await readFile(new URL("../RUNBOOK.md", import.meta.url), "utf8");
  const names = JOBS.map((job) => job.name);
  expect(new Set(names).size).toBe(names.length);
  for (const job of JOBS) {
    expect(job.alarm.consecutiveFailures).toBeGreaterThan(0);
    expect(runbook).toContain(`\n## Job: ${job.name}\n`);
  }
});
