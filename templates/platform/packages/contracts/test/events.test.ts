import { describe, expect, it } from "vitest";
import { EVENT_NAMES, EVENT_SCHEMAS } from "../src";

const eventNames = Object.keys(EVENT_SCHEMAS);

describe("EVENT_SCHEMAS", () => {
  it.each(eventNames)("%s is named family.what_happened", (name) => {
    expect(name).toMatch(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*$/);
  });

  it("matches the generated EVENT_NAMES (run `pnpm --filter @platform/contracts gen`)", () => {
    expect([...EVENT_NAMES]).toEqual([...eventNames].sort());
  });

  it("accepts the heartbeat a smoke test publishes", () => {
    const payload = { service: "jobs", stage: "dev", sentAt: new Date().toISOString() };
    expect(EVENT_SCHEMAS["platform.heartbeat"].parse(payload)).toEqual(payload);
  });
});
