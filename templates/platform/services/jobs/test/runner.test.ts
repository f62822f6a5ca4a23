import { describe, expect, it, vi } from "vitest";
import type { JobDefinition } from "../src/jobs/job-definition";
import { runJob } from "../src/runner";

const job: JobDefinition = {
  name: "nightly-cleanup",
  schedule: "cron(0 3 * * ? *)",
  description: "Deletes expired drafts.",
  target: { service: "drafts", method: "POST", path: "/admin/cleanup", urlSecret: "DraftsUrl" },
  alarm: { consecutiveFailures: 3 },
};
const scheduledAt = new Date("2026-03-01T03:00:00Z");

function respondWith(...statuses: number[]) {
  return vi.fn<typeof fetch>(async () => new Response(null, { status: statuses.shift() ?? 500 }));
}

describe("runJob", () => {
  it("POSTs to the target with a bearer token and an Idempotency-Key from the job and its scheduled time", async () => {
    const fetch = respondWith(204);
    const run = await runJob(job, { fetch, baseUrl: "https://drafts.example", token: "t0k", scheduledAt });

    expect(run).toEqual({ ok: true, status: 204, idempotencyKey: "nightly-cleanup@2026-03-01T03:00:00.000Z" });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe("https://drafts.example/admin/cleanup");
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer t0k");
    expect(new Headers(init?.headers).get("Idempotency-Key")).toBe("nightly-cleanup@2026-03-01T03:00:00.000Z");
  });

  it("reports a 5xx and a network error as failed runs, and keeps nothing between runs", async () => {
    const fetch = respondWith(503, 200);
    const deps = { fetch, baseUrl: "https://drafts.example", token: "t0k", scheduledAt };

    expect(await runJob(job, deps)).toMatchObject({ ok: false, status: 503 });
    expect(await runJob(job, deps)).toMatchObject({ ok: true, status: 200 });
    fetch.mockRejectedValueOnce(new TypeError("fetch failed"));
    expect(await runJob(job, deps)).toEqual({ ok: false, status: undefined, idempotencyKey: expect.any(String) });
    // the same failing run twice gives the same answer: what counts failures in a row is the alarm (infra.ts)
    fetch.mockResolvedValueOnce(new Response(null, { status: 500 }));
    fetch.mockResolvedValueOnce(new Response(null, { status: 500 }));
    expect(await runJob(job, deps)).toEqual(await runJob(job, deps));
  });
});
