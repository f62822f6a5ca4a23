import { describe, expect, it } from "vitest";
import { CLIENT_ID, REDIRECT_URIS, SCOPES } from "../src/config";
import { exchangeCode, OAuthError, refreshAccessToken, revokeTokens } from "../src/oauth";
import { authorizationUrl, codeChallenge, createPkcePair, createState } from "../src/pkce";
import { currentAccessToken, PostgresTokenStore } from "../src/tokens";
import { TOKEN_KEY, useTestDb } from "./db";
import { fakeIdentity } from "./fake-identity";

const db = useTestDb();

const redirectUri = REDIRECT_URIS.dev[0] ?? "";

async function connect(identity: ReturnType<typeof fakeIdentity>, now = () => Date.now()) {
  const pkce = createPkcePair();
  const code = identity.consent(authorizationUrl("dev", pkce, createState()));
  return exchangeCode({ stage: "dev", fetch: identity.fetch, now }, { code, verifier: pkce.verifier, redirectUri });
}

describe("PKCE", () => {
  it("derives the S256 challenge as base64url(sha256(verifier)) (RFC 7636 appendix B)", () => {
    expect(codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.method).toBe("S256");
  });

  it("asks for the integration's scopes with an S256 challenge and a registered redirect URI", () => {
    const pkce = createPkcePair();
    const url = authorizationUrl("dev", pkce, "state-1");
    expect(url.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: redirectUri,
      scope: SCOPES.join(" "),
      state: "state-1",
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    });
    expect(() => authorizationUrl("dev", pkce, "s", "https://evil.example/callback")).toThrow("not registered");
  });

  it("redeems the code only with the verifier it was requested with", async () => {
    const identity = fakeIdentity();
    const tokens = await connect(identity);
    expect(tokens.accessToken).toMatch(/^at-/);
    expect(tokens.scopes).toEqual([...SCOPES]);

    const pkce = createPkcePair();
    const code = identity.consent(authorizationUrl("dev", pkce, "s"));
    const stolen = exchangeCode({ stage: "dev", fetch: identity.fetch }, { code, verifier: createPkcePair().verifier, redirectUri });
    await expect(stolen).rejects.toMatchObject({ error: "invalid_grant", needsReauthorization: true });
  });
});

describe("token refresh", () => {
  it("refreshAccessToken trades the refresh token for a new pair", async () => {
    const identity = fakeIdentity();
    const first = await connect(identity);
    const second = await refreshAccessToken({ stage: "dev", fetch: identity.fetch }, first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(identity.requests.at(-1)?.get("grant_type")).toBe("refresh_token");
    expect(identity.requests.at(-1)?.get("client_id")).toBe(CLIENT_ID);
  });

  it("asks the user to connect again when the refresh token is no longer valid", async () => {
    const identity = fakeIdentity();
    const tokens = await connect(identity);
    await refreshAccessToken({ stage: "dev", fetch: identity.fetch }, tokens.refreshToken); // rotated away
    const error = await refreshAccessToken({ stage: "dev", fetch: identity.fetch }, tokens.refreshToken).catch((e) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.needsReauthorization).toBe(true);
  });

  it("refreshes an access token that is about to expire before handing it out", async () => {
    const identity = fakeIdentity({ expiresIn: 30 });
    const store = new PostgresTokenStore(db, TOKEN_KEY);
    const deps = { stage: "dev" as const, fetch: identity.fetch };
    const tokens = await connect(identity);
    await store.save("user-1", tokens);
    const fresh = await currentAccessToken(deps, store, "user-1");
    expect(fresh).not.toBe(tokens.accessToken);
    expect((await store.get("user-1"))?.accessToken).toBe(fresh);
    expect(await currentAccessToken(deps, store, "nobody")).toBeUndefined();
  });

  it("refreshes once when two requests find the same expired token, and both get the new one", async () => {
    const identity = fakeIdentity();
    const store = new PostgresTokenStore(db, TOKEN_KEY);
    const deps = { stage: "dev" as const, fetch: identity.fetch };
    const tokens = await connect(identity);
    await store.save("user-1", { ...tokens, expiresAt: Date.now() - 1 });
    const refreshesBefore = identity.requests.filter((form) => form.get("grant_type") === "refresh_token").length;
    // the refresh token rotates: a second refresh with it would be refused as invalid_grant
    const [first, second] = await Promise.all([
      currentAccessToken(deps, store, "user-1"),
      currentAccessToken(deps, store, "user-1"),
    ]);
    expect(identity.requests.filter((form) => form.get("grant_type") === "refresh_token").length - refreshesBefore).toBe(1);
    expect(first).toBe(second);
    expect(first).not.toBe(tokens.accessToken);
    expect((await store.get("user-1"))?.accessToken).toBe(first);
  });

  it("after a 401, uses a token another request already refreshed instead of refreshing again", async () => {
    const identity = fakeIdentity();
    const store = new PostgresTokenStore(db, TOKEN_KEY);
    const deps = { stage: "dev" as const, fetch: identity.fetch };
    await store.save("user-1", await connect(identity));
    const [first, second] = await Promise.all([
      currentAccessToken(deps, store, "user-1", { force: true }),
      currentAccessToken(deps, store, "user-1", { force: true }),
    ]);
    expect(first).toBe(second);
    expect(identity.requests.filter((form) => form.get("grant_type") === "refresh_token")).toHaveLength(1);
  });

  it("revokes the refresh token at /oauth/revoke", async () => {
    const identity = fakeIdentity();
    const tokens = await connect(identity);
    await revokeTokens({ stage: "dev", fetch: identity.fetch }, tokens.refreshToken);
    expect(identity.revoked.has(tokens.refreshToken)).toBe(true);
    await expect(refreshAccessToken({ stage: "dev", fetch: identity.fetch }, tokens.refreshToken)).rejects.toThrow(OAuthError);
  });
});
