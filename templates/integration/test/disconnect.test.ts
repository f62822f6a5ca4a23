import { describe, expect, it } from "vitest";
import { disconnectRoutes } from "../src/disconnect";
import { PostgresTokenStore } from "../src/tokens";
import { TOKEN_KEY, useTestDb } from "./db";
import { fakeIdentity } from "./fake-identity";

const db = useTestDb();

const ORIGIN = "https://partner.example";

async function setup(connected: boolean) {
  const identity = fakeIdentity();
  const tokens = new PostgresTokenStore(db, TOKEN_KEY);
  if (connected) await tokens.save("user-1", { accessToken: "at-1", refreshToken: "rt-1", expiresAt: Date.now() + 60_000, scopes: [] });
  const app = disconnectRoutes({
    oauth: { stage: "dev", fetch: identity.fetch },
    tokens,
    currentUser: (c) => c.req.header("x-test-user") ?? null,
  });
  const request = (method: string, user: string | null = "user-1") =>
    app.request(`${ORIGIN}/disconnect`, {
      method,
      headers: { ...(user ? { "x-test-user": user } : {}), origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    });
  return { identity, tokens, request };
}

describe("the disconnect page", () => {
  it("shows a connected user the kit's Disconnect button, posting to /disconnect", async () => {
    const { request } = await setup(true);
    const res = await request("GET");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form class="loop-button-form" method="post" action="/disconnect">');
    expect(html).toMatch(/<button type="submit" class="loop-button loop-button--danger">Disconnect .+<\/button>/);
  });

  it("says when there is nothing to disconnect, and asks strangers to sign in", async () => {
    const { request } = await setup(false);
    expect(await (await request("GET")).text()).toContain("is not connected");
    expect((await request("GET", null)).status).toBe(401);
  });

  it("revokes the refresh token at the identity service, then forgets the tokens", async () => {
    const { request, identity, tokens } = await setup(true);
    const res = await request("POST");
    expect(res.status).toBe(200);
    expect(identity.revoked.has("rt-1")).toBe(true);
    expect(await tokens.get("user-1")).toBeUndefined();
  });

  it("keeps the tokens and offers a retry when the revocation fails", async () => {
    const { request, identity, tokens } = await setup(true);
    identity.failRevocations(true);
    const res = await request("POST");
    expect(res.status).toBe(502);
    expect(await res.text()).toContain("Try again");
    expect(await tokens.get("user-1")).toBeDefined();
  });

  it("refuses a cross-site form post", async () => {
    const { tokens } = await setup(true);
    const app = disconnectRoutes({ oauth: { stage: "dev" }, tokens, currentUser: () => "user-1" });
    const res = await app.request(`${ORIGIN}/disconnect`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(403);
    expect(await tokens.get("user-1")).toBeDefined();
  });
});
