import { afterEach, describe, expect, it, vi } from "vitest";
import { log, REDACTED, redact } from "../src/log";

afterEach(() => vi.restoreAllMocks());

describe("redact", () => {
  it("drops tokens, secrets and PHI at any depth, keeps the rest", () => {
    expect(
      redact({
        user: "u-1",
        access_token: "at-1",
        nested: { refreshToken: "rt-1", email: "a@b.c", date_of_birth: "1990-01-01", count: 3 },
        list: [{ patient_name: "Ann" }],
      }),
    ).toEqual({
      user: "u-1",
      access_token: REDACTED,
      nested: { refreshToken: REDACTED, email: REDACTED, date_of_birth: REDACTED, count: 3 },
      list: [{ patient_name: REDACTED }],
    });
  });

  it("masks bearer credentials inside free text", () => {
    expect(redact("sent Authorization: Bearer eyJhbGciOi.abc-def")).toBe(`sent Authorization: Bearer ${REDACTED}`);
  });

  it("is applied to every log line", () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    log.info("refreshed", { user: "u-1", token: "at-secret" });
    const line = JSON.parse(String(write.mock.calls[0]?.[0]));
    expect(line).toMatchObject({ level: "info", message: "refreshed", user: "u-1", token: REDACTED });
    expect(String(write.mock.calls[0]?.[0])).not.toContain("at-secret");
  });
});
