import { describe, expect, it } from "vitest";
import { createIntegrationApp } from "../src/app";
import { MemoryTokenStore } from "../src/tokens";
import { fakeIdentity } from "./fake-identity";

function setup() {
  const identity = fakeIdentity();
  const tokens = new MemoryTokenStore();
  const app = createIntegrationApp({
    stage: "dev",
    oauth: { stage: "dev", fetch: identity.fetch },
    tokens,
    currentUser: (c) => c.req.header("x-test-user") ?? null,
    cookieSecret: "cookie-secret-for-tests",
    webhookSecret: "whsec-test",
    onEvent: async () => {},
  });
  return { app, identity, tokens };
}

const user = { "x-test-user": "user-1" };

describe("connecting", () => {
  it("runs the authorization-code flow with PKCE and stores the user's tokens", async () => {
    const { app, identity, tokens } = setup();
    const start = await app.request("/oauth/start", { headers: user });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).not.toContain(authorize.searchParams.get("code_challenge") ?? "-");

    const code = identity.consent(authorize);
    const callback = `/oauth/callback?code=${code}&state=${authorize.searchParams.get("state")}`;
    const done = await app.request(callback, { headers: { ...user, cookie } });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/disconnect");
    expect((await tokens.get("user-1"))?.accessToken).toMatch(/^at-/);
  });

  it("refuses a callback whose state does not match the one it started with", async () => {
    const { app, identity, tokens } = setup();
    const start = await app.request("/oauth/start", { headers: user });
    const authorize = new URL(start.headers.get("location") ?? "");
    const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const code = identity.consent(authorize);
    const res = await app.request(`/oauth/callback?code=${code}&state=forged`, { headers: { ...user, cookie } });
    expect(res.status).toBe(400);
    expect(await tokens.get("user-1")).toBeUndefined();
  });
});
