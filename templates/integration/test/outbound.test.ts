import { describe, expect, it } from "vitest";
import { REDIRECT_URIS } from "../src/config";
import { exchangeCode, refreshAccessToken, revokeTokens } from "../src/oauth";
import { circuitBreakers } from "../src/outbound";
import { callPlatform } from "../src/platform-client";
import { MemoryTokenStore } from "./memory-token-store";

// A server that never answers: the request ends only when its signal aborts it.
const hangingFetch = (async (_input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    if (!init?.signal) return reject(new Error("sent without a timeout"));
    init.signal.addEventListener("abort", () => reject(init.signal?.reason));
  })) as typeof fetch;

describe("every outbound call", () => {
  const deps = { stage: "dev" as const, fetch: hangingFetch, timeoutMs: 20, breakers: circuitBreakers() };

  it.each([
    ["the code exchange", () => exchangeCode(deps, { code: "c", verifier: "v", redirectUri: REDIRECT_URIS.dev[0] ?? "" })],
    ["a refresh", () => refreshAccessToken(deps, "rt-1")],
    ["a revocation", () => revokeTokens(deps, "rt-1")],
  ])("gives up on %s when the identity service does not answer", async (_, call) => {
    await expect(call()).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("gives up on a platform API that does not answer", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.save("user-1", { accessToken: "at-1", refreshToken: "rt-1", expiresAt: Date.now() + 3_600_000, scopes: [] });
    const error = await callPlatform({ ...deps, tokens, maxAttempts: 1 }, "user-1", { service: "billing", path: "/items" }).catch((e) => e);
    expect(error).toMatchObject({ status: 503, code: "unavailable", detail: expect.stringContaining("TimeoutError") });
  });

  it("goes through the origin's circuit breaker", async () => {
    let sent = 0;
    const failing = (async () => {
      sent++;
      return new Response(null, { status: 503 });
    }) as typeof fetch;
    const breakerDeps = { stage: "dev" as const, fetch: failing, breakers: circuitBreakers({ volumeThreshold: 2 }) };
    for (let call = 0; call < 2; call++) await expect(revokeTokens(breakerDeps, "rt-1")).rejects.toThrow("503");
    await expect(refreshAccessToken(breakerDeps, "rt-1")).rejects.toMatchObject({ code: "EOPENBREAKER" });
    expect(sent).toBe(2);
  });
});
