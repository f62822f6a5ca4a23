import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { type AppEnv, authenticate, OAuthTestServer, oauthAuthorizationCode, rateLimit, requireScope, TEST_REDIRECT_URI } from "../src";

const SECRET = "test-secret";
const request = { clientId: "partner-app", sub: "user-1", brand_id: "brand-a", scopes: ["widgets:read"] };
const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url"), method: "S256" as const };
};

describe("OAuthTestServer", () => {
  it("issues tokens through the PKCE flow that authenticate() accepts and introspection describes", async () => {
    const server = new OAuthTestServer(SECRET);
    const tokens = await oauthAuthorizationCode(server, request);
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "widgets:read" });
    expect(await server.introspect(tokens.access_token)).toMatchObject({
      active: true, sub: "user-1", brand_id: "brand-a", scope: "widgets:read", baa: false,
    });
    expect(await server.introspect("not-a-token")).toEqual({ active: false });
  });

  it("redeems a code once, and only with its verifier", async () => {
    const server = new OAuthTestServer(SECRET);
    const grant = { verifier: "some-verifier", clientId: "partner-app", redirectUri: TEST_REDIRECT_URI };
    const code = server.authorize(request, { challenge: "not-the-challenge", method: "S256" });
    await expect(server.token({ code, ...grant })).rejects.toThrow("invalid_grant");
    const { verifier, ...challenge } = pkce();
    const good = server.authorize(request, challenge);
    await server.token({ ...grant, code: good, verifier });
    await expect(server.token({ ...grant, code: good, verifier })).rejects.toThrow("invalid_grant");
  });

  it("refuses an unknown client_id and a redirect_uri that is not registered, exactly", () => {
    const server = new OAuthTestServer(SECRET, { "partner-app": ["https://partner.example/cb", "https://partner.example/cb2"] });
    const { challenge, method } = pkce();
    expect(() => server.authorize({ ...request, clientId: "stranger" }, { challenge, method })).toThrow("invalid_client");
    for (const uri of [undefined, "https://evil.example/cb", "https://partner.example/cb/", "https://partner.example/cb?x=1", "https://PARTNER.example/cb"]) {
      expect(() => server.authorize(request, { challenge, method }, uri), String(uri)).toThrow("invalid_request");
    }
    expect(server.authorize(request, { challenge, method }, "https://partner.example/cb2")).toMatch(/^[\w-]{22}$/);
  });

  it("redeems a code only for the client and redirect_uri it was issued to", async () => {
    const server = new OAuthTestServer(SECRET, { "partner-app": [TEST_REDIRECT_URI], other: [TEST_REDIRECT_URI] });
    const attempts = [
      { clientId: "other", redirectUri: TEST_REDIRECT_URI },
      { clientId: "partner-app", redirectUri: "https://evil.example/cb" },
    ];
    for (const attempt of attempts) {
      const { verifier, ...challenge } = pkce();
      const code = server.authorize(request, challenge);
      await expect(server.token({ code, verifier, ...attempt }), attempt.clientId).rejects.toThrow("invalid_grant");
    }
  });
});

describe("rateLimit", () => {
  it("answers 429 with Retry-After past the limit, per caller, and resets with the window", async () => {
    let now = 120_000;
    const app = new Hono<AppEnv>();
    app.use(authenticate({ secret: SECRET }));
    app.get("/widgets", requireScope("widgets:read"), rateLimit({ requests: 2, per: "minute" }, () => now), (c) => c.json([]));
    const server = new OAuthTestServer(SECRET);
    const call = async (sub: string) => {
      const { access_token } = await oauthAuthorizationCode(server, { ...request, sub });
      return app.request("/widgets", { headers: { Authorization: `Bearer ${access_token}` } });
    };
    expect((await call("user-1")).status).toBe(200);
    now += 10_000;
    expect((await call("user-1")).headers.get("RateLimit-Remaining")).toBe("0");
    const limited = await call("user-1");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("50");
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    expect((await call("user-2")).status).toBe(200);
    now += 50_000;
    expect((await call("user-1")).status).toBe(200);
  });

  it("starts a caller's window at its first request, so a clock minute turning over does not reset it", async () => {
    let now = 59_500; // half a second before a wall-clock minute boundary
    const app = new Hono<AppEnv>();
    app.use(authenticate({ secret: SECRET }));
    app.get("/widgets", requireScope("widgets:read"), rateLimit({ requests: 2, per: "minute" }, () => now), (c) => c.json([]));
    const { access_token } = await oauthAuthorizationCode(new OAuthTestServer(SECRET), { ...request, sub: "user-1" });
    const call = () => app.request("/widgets", { headers: { Authorization: `Bearer ${access_token}` } });
    expect((await call()).status).toBe(200);
    now = 60_500;
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("59");
  });

  it("keeps at most maxCallers windows: ended ones go first, then the oldest", async () => {
    let now = 0;
    const limiter = rateLimit({ requests: 1, per: "minute" }, () => now, 3);
    const app = new Hono<AppEnv>();
    app.use(authenticate({ secret: SECRET }));
    app.get("/widgets", requireScope("widgets:read"), limiter, (c) => c.json([]));
    const server = new OAuthTestServer(SECRET);
    const tokens = new Map<string, string>();
    const call = async (sub: string) => {
      if (!tokens.has(sub)) tokens.set(sub, (await oauthAuthorizationCode(server, { ...request, sub })).access_token);
      return app.request("/widgets", { headers: { Authorization: `Bearer ${tokens.get(sub)}` } });
    };
    for (const sub of ["user-1", "user-2", "user-3", "user-4", "user-5"]) expect((await call(sub)).status).toBe(200);
    expect(limiter.tracked()).toBe(3);
    expect((await call("user-5")).status).toBe(429); // its window is kept
    expect((await call("user-1")).status).toBe(200); // the oldest was dropped: a new window
    now += 60_000;
    expect((await call("user-6")).status).toBe(200);
    expect(limiter.tracked()).toBe(1); // every ended window went before anything live would
  });
});
