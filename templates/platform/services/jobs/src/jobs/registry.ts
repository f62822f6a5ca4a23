import type { JobDefinition } from "./job-definition";

// Every scheduled job (JOB-02). `scaffold job` adds one object literal per job; each needs a RUNBOOK.md section.
export const JOBS: JobDefinition[] = [
];
