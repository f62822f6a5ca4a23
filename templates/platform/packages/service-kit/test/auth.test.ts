import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AuthEnv, authenticate, signToken, VERIFIED_TOKENS_KEPT } from "../src";

const SECRET = "test-secret";

function appWithAuth() {
  const app = new Hono<AuthEnv>();
  app.use(authenticate({ secret: SECRET }));
  app.get("/me", (c) => c.json(c.var.auth));
  app.onError((_, c) => c.text("refused", 500)); // a handler that tries to change the claims throws
  app.get("/grow", (c) => {
    c.var.auth.scopes.push("admin:all");
    return c.json(c.var.auth);
  });
  return app;
}

const asUser = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const claims = (sub = "user-1") => ({ sub, brand_id: "brand-a", scopes: ["widgets:read"] });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("authenticate()", () => {
  it("verifies a token's signature once and remembers it for its next requests", async () => {
    const app = appWithAuth();
    const token = await signToken(SECRET, claims());
    const verify = vi.spyOn(crypto.subtle, "verify");
    for (let i = 0; i < 3; i++) expect((await app.request("/me", asUser(token))).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it("refuses a remembered token from the second its exp passes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const app = appWithAuth();
    const token = await signToken(SECRET, claims());
    expect((await app.request("/me", asUser(token))).status).toBe(200);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect((await app.request("/me", asUser(token))).status).toBe(401);
  });

  it("never remembers a token that failed: a forged one is checked, and refused, every time", async () => {
    const app = appWithAuth();
    const forged = await signToken("another-secret", claims());
    const verify = vi.spyOn(crypto.subtle, "verify");
    expect((await app.request("/me", asUser(forged))).status).toBe(401);
    expect((await app.request("/me", asUser(forged))).status).toBe(401);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it(`remembers at most ${VERIFIED_TOKENS_KEPT} tokens, forgetting the oldest first`, async () => {
    const app = appWithAuth();
    const tokens = await Promise.all(
      Array.from({ length: VERIFIED_TOKENS_KEPT + 1 }, (_, i) => signToken(SECRET, claims(`user-${i}`))),
    );
    for (const token of tokens) expect((await app.request("/me", asUser(token))).status).toBe(200);
    const verify = vi.spyOn(crypto.subtle, "verify");
    expect((await app.request("/me", asUser(tokens[VERIFIED_TOKENS_KEPT]!))).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(0); // the newest is still remembered
    expect((await app.request("/me", asUser(tokens[0]!))).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1); // the oldest was forgotten, so it is verified again
  });

  it("hands each request claims it cannot change for the next one", async () => {
    const app = appWithAuth();
    const token = await signToken(SECRET, claims());
    expect((await app.request("/grow", asUser(token))).status).toBe(500);
    expect(await (await app.request("/me", asUser(token))).json()).toMatchObject({ scopes: ["widgets:read"] });
  });
});
