import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type AppEnv, authenticate, OAuthTestServer, oauthAuthorizationCode, rateLimit, requireScope } from "../src";

const SECRET = "test-secret";
const request = { clientId: "partner", sub: "user-1", brand_id: "brand-a", scopes: ["widgets:read"] };

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
    const code = server.authorize(request, { challenge: "not-the-challenge", method: "S256" });
    await expect(server.token({ code, verifier: "some-verifier" })).rejects.toThrow("invalid_grant");
    await expect(server.token({ code, verifier: "some-verifier" })).rejects.toThrow("invalid_grant");
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
});
