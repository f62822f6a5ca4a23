import { describe, expect, it } from "vitest";
import { createIntegrationApp } from "../src/app";
import { FLOW_TTL_MS } from "../src/oauth-flow";
import { PostgresTokenStore } from "../src/tokens";
import { TOKEN_KEY, useTestDb } from "./db";
import { fakeIdentity } from "./fake-identity";

const db = useTestDb();

function setup() {
  const identity = fakeIdentity();
  const tokens = new PostgresTokenStore(db, TOKEN_KEY);
  const clock = { now: Date.UTC(2025, 0, 15, 9, 30) };
  const app = createIntegrationApp({
    stage: "dev",
    db,
    tokenKey: TOKEN_KEY,
    oauth: { stage: "dev", fetch: identity.fetch },
    tokens,
    currentUser: (c) => c.req.header("x-test-user") ?? null,
    cookieSecret: "cookie-secret-for-tests",
    webhookSecret: "whsec-test",
    onEvent: async () => {},
    now: () => clock.now,
  });
  // Starts connecting as `user`: what the browser holds afterwards (its cookie) and the consent screen's URL.
  const start = async (user = "user-1") => {
    const res = await app.request("/oauth/start", { headers: { "x-test-user": user } });
    expect(res.status).toBe(302);
    return {
      authorize: new URL(res.headers.get("location") ?? ""),
      cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
    };
  };
  const callback = (flow: { authorize: URL; cookie: string }, options: { user?: string; state?: string } = {}) => {
    const code = identity.consent(flow.authorize);
    const state = options.state ?? flow.authorize.searchParams.get("state");
    return app.request(`/oauth/callback?code=${code}&state=${state}`, {
      headers: { "x-test-user": options.user ?? "user-1", cookie: flow.cookie },
    });
  };
  return { app, identity, tokens, clock, start, callback };
}

describe("connecting", () => {
  it("runs the authorization-code flow with PKCE and stores the user's tokens", async () => {
    const { start, callback, tokens } = await setup();
    const flow = await start();
    expect(flow.authorize.searchParams.get("code_challenge_method")).toBe("S256");
    // the browser carries neither the state nor the verifier
    expect(flow.cookie).not.toContain(flow.authorize.searchParams.get("state") ?? "-");
    const done = await callback(flow);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/disconnect");
    expect((await tokens.get("user-1"))?.accessToken).toMatch(/^at-/);
  });

  it("refuses a callback whose state does not match the one it started with", async () => {
    const { start, callback, tokens } = await setup();
    expect((await callback(await start(), { state: "forged" })).status).toBe(400);
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("uses a state once: a replayed callback, even with a fresh code, is refused", async () => {
    const { start, callback, tokens } = await setup();
    const flow = await start();
    expect((await callback(flow)).status).toBe(302);
    await tokens.delete("user-1");
    expect((await callback(flow)).status).toBe(400);
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("spends the state on a failed attempt too", async () => {
    const { start, callback, tokens } = await setup();
    const flow = await start();
    expect((await callback(flow, { state: "guess" })).status).toBe(400);
    expect((await callback(flow)).status).toBe(400);
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("binds the state to the user who started the flow", async () => {
    const { start, callback, tokens } = await setup();
    const flow = await start("user-1");
    expect((await callback(flow, { user: "user-2" })).status).toBe(400);
    expect(await tokens.get("user-2")).toBeUndefined();
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("lets a state expire after FLOW_TTL_MS", async () => {
    const { start, callback, tokens, clock } = await setup();
    const flow = await start();
    clock.now += FLOW_TTL_MS + 1;
    expect((await callback(flow)).status).toBe(400);
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("keeps no flow behind: finished and expired ones leave the table", async () => {
    const { start, callback, clock } = await setup();
    await callback(await start());
    await start("user-2");
    clock.now += FLOW_TTL_MS + 1;
    await start("user-3");
    const { rows } = await db.query<{ user_id: string }>("SELECT user_id FROM integration_oauth_flows");
    expect(rows.map((row) => row.user_id)).toEqual(["user-3"]);
  });
});
