import { PLATFORM_ERROR_CODES } from "@platform/contracts";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { backoffDelay, MAX_RETRY_AFTER_MS, retryAfterMs } from "../src/backoff";
import { PlatformApiError, REACTIONS, reactionTo } from "../src/errors";
import { circuitBreakers } from "../src/outbound";
import { callPlatform } from "../src/platform-client";
import { fakeIdentity } from "./fake-identity";
import { MemoryTokenStore } from "./memory-token-store";

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: `https://docs.platform.loop.health/errors/${code}`, title: code, status, code, detail: code }), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });

describe("platform error codes", () => {
  it("has a reaction for every code in PLATFORM_ERROR_CODES and a safe one for unknown codes", () => {
    expect(Object.keys(REACTIONS).sort()).toEqual(Object.keys(PLATFORM_ERROR_CODES).sort());
    for (const code of Object.keys(PLATFORM_ERROR_CODES)) expect(reactionTo(code).message).not.toBe("");
    expect(reactionTo("brand_new_code").action).toBe("fail");
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter between half and all of the step", () => {
    expect(backoffDelay(0, null, { random: () => 0 })).toBe(250);
    expect(backoffDelay(0, null, { random: () => 1 })).toBe(500);
    expect(backoffDelay(3, null, { random: () => 1 })).toBe(4000);
    expect(backoffDelay(30, null, { random: () => 1 })).toBe(60_000);
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(2, null)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it("never waits longer than MAX_RETRY_AFTER_MS, whatever Retry-After says", () => {
    expect(backoffDelay(0, 86_400_000, { random: () => 1 })).toBe(MAX_RETRY_AFTER_MS);
  });

  it("never retries sooner than Retry-After, in seconds or as a date", () => {
    expect(backoffDelay(0, 7000, { random: () => 1 })).toBe(7000);
    const now = Date.UTC(2025, 0, 15, 9, 30);
    expect(retryAfterMs(new Response(null, { headers: { "Retry-After": "7" } }), now)).toBe(7000);
    expect(retryAfterMs(new Response(null, { headers: { "Retry-After": new Date(now + 3000).toUTCString() } }), now)).toBe(3000);
    expect(retryAfterMs(new Response(null, { headers: { "Retry-After": "soon" } }), now)).toBeNull();
    expect(retryAfterMs(new Response(null), now)).toBeNull();
  });
});

describe("callPlatform", () => {
  async function setup(answers: Response[]) {
    const identity = fakeIdentity();
    const api = new Hono();
    const seen: string[] = [];
    const keys: (string | undefined)[] = [];
    api.all("*", (c) => {
      seen.push(c.req.header("authorization") ?? "");
      keys.push(c.req.header("idempotency-key"));
      return answers.shift() ?? c.json({ ok: true });
    });
    // Every request that leaves, wherever it goes, and whether it carried the user's token.
    const sent: { url: string; bearer: boolean; redirect?: RequestInit["redirect"] }[] = [];
    const tokens = new MemoryTokenStore();
    await tokens.save("user-1", { accessToken: "at-old", refreshToken: "rt-unknown", expiresAt: Date.now() + 3_600_000, scopes: [] });
    const sleeps: number[] = [];
    const deps = {
      stage: "dev" as const,
      tokens,
      random: () => 1,
      sleep: async (ms: number) => void sleeps.push(ms),
      breakers: circuitBreakers(),
      fetch: (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        sent.push({ url: String(input), bearer: new Headers(init?.headers).has("authorization"), redirect: init?.redirect });
        const url = new URL(String(input));
        if (url.hostname === "identity.dev.platform.loop.health") return identity.fetch(input, init);
        if (url.hostname.endsWith(".dev.platform.loop.health")) return api.request(String(input), init);
        return new Response("attacker's server", { status: 200 });
      }) as typeof fetch,
    };
    return { deps, seen, keys, sent, sleeps, tokens, identity };
  }

  it("retries rate-limited and unavailable answers with backoff honouring Retry-After", async () => {
    const { deps, sleeps } = await setup([problem(429, "rate_limited", { "Retry-After": "2" }), problem(503, "unavailable")]);
    expect(await callPlatform(deps, "user-1", { service: "billing", path: "/items" })).toEqual({ ok: true });
    expect(sleeps).toEqual([2000, 1000]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const { deps, sleeps } = await setup(Array.from({ length: 5 }, () => problem(503, "unavailable")));
    const error = await callPlatform({ ...deps, maxAttempts: 3 }, "user-1", { service: "billing", path: "/items" }).catch((e) => e);
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ status: 503, code: "unavailable" });
    expect(sleeps).toHaveLength(2);
  });

  it("refreshes the token once on unauthorized, then asks the user to reconnect", async () => {
    const { deps } = await setup([problem(401, "unauthorized")]);
    // the stored refresh token is unknown to identity: the refresh fails and the user must connect again
    await expect(callPlatform(deps, "user-1", { service: "billing", path: "/items" })).rejects.toMatchObject({
      needsReauthorization: true,
    });
  });

  it.each([
    ["insufficient_scope", 403, "reauthorize"],
    ["baa_required", 403, "fail"],
    ["not_found", 404, "fail"],
  ])("surfaces %s with its reaction", async (code, status, action) => {
    const { deps } = await setup([problem(status, code)]);
    const error = await callPlatform(deps, "user-1", { service: "billing", path: "/items/1" }).catch((e) => e);
    expect(error).toMatchObject({ status, code, reaction: { action } });
  });

  it.each([
    ["an absolute URL as the path", "billing", "https://evil.example/x"],
    ["a protocol-relative path", "billing", "//evil.example/x"],
    ["a backslash path", "billing", "/\\evil.example/x"],
    ["a relative path", "billing", "x"],
    ["a service that ends the host", "evil.example/", "/x"],
    ["a service with a dot", "evil.example", "/x"],
    ["a service with credentials", "billing@evil.example", "/x"],
    ["a service with a port", "billing:8443", "/x"],
    ["an empty service", "", "/x"],
  ])("never sends the token with %s", async (_, service, path) => {
    const { deps, sent } = await setup([]);
    await expect(callPlatform(deps, "user-1", { service, path })).rejects.toThrow();
    expect(sent.filter((request) => request.bearer)).toEqual([]);
  });

  it("sends the token to the platform service it names, and follows no redirect elsewhere", async () => {
    const { deps, sent } = await setup([]);
    await callPlatform(deps, "user-1", { service: "billing-ledger", path: "/items?limit=5" });
    expect(sent).toEqual([{ url: "https://billing-ledger.dev.platform.loop.health/items?limit=5", bearer: true, redirect: "error" }]);
  });

  it("retries a POST with one Idempotency-Key, the same on every attempt", async () => {
    const { deps, keys } = await setup([problem(503, "unavailable"), problem(429, "rate_limited")]);
    await callPlatform(deps, "user-1", { service: "billing", path: "/items", method: "POST", body: { name: "x" } });
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    await callPlatform(deps, "user-1", { service: "billing", path: "/items", method: "POST", body: { name: "y" } });
    expect(keys[3]).not.toBe(keys[0]);
  });

  it("gives up at once when Retry-After asks for longer than it will wait", async () => {
    const { deps, sleeps, seen } = await setup([problem(429, "rate_limited", { "Retry-After": String(MAX_RETRY_AFTER_MS / 1000 + 1) })]);
    await expect(callPlatform(deps, "user-1", { service: "billing", path: "/items" })).rejects.toMatchObject({ code: "rate_limited" });
    expect(sleeps).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("stops calling a service whose circuit breaker opened", async () => {
    const { deps, seen } = await setup(Array.from({ length: 20 }, () => problem(503, "unavailable")));
    const failing = { ...deps, maxAttempts: 1, breakers: circuitBreakers({ volumeThreshold: 3 }) };
    for (let call = 0; call < 3; call++) {
      await expect(callPlatform(failing, "user-1", { service: "billing", path: "/items" })).rejects.toMatchObject({ status: 503 });
    }
    await expect(callPlatform(failing, "user-1", { service: "billing", path: "/items" })).rejects.toMatchObject({
      code: "unavailable",
      detail: "circuit open",
    });
    expect(seen).toHaveLength(3);
  });
});
