import { createHash, randomUUID } from "node:crypto";
import { Hono } from "hono";
import { CLIENT_ID } from "../src/config";

// A stand-in for the identity service's OAuth endpoints: codes are bound to their PKCE challenge and redirect
// URI, every request must name the registered client, refresh tokens rotate, revoked tokens stop working.
export function fakeIdentity(options: { expiresIn?: number } = {}) {
  const codes = new Map<string, { challenge: string; method: string; redirectUri: string; scope: string }>();
  const refreshTokens = new Map<string, string>();
  const revoked = new Set<string>();
  const requests: URLSearchParams[] = [];
  let failRevocation = false;

  const app = new Hono();
  const issue = (scope: string) => {
    const refreshToken = `rt-${randomUUID()}`;
    refreshTokens.set(refreshToken, scope);
    return { access_token: `at-${randomUUID()}`, refresh_token: refreshToken, expires_in: options.expiresIn ?? 3600, scope, token_type: "Bearer" };
  };
  app.post("/oauth/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    requests.push(form);
    if (form.get("client_id") !== CLIENT_ID) return c.json({ error: "invalid_client" }, 401);
    if (form.get("grant_type") === "authorization_code") {
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const challenge = createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url");
      if (!grant || grant.method !== "S256" || grant.challenge !== challenge || grant.redirectUri !== form.get("redirect_uri")) {
        return c.json({ error: "invalid_grant", error_description: "code, verifier or redirect URI mismatch" }, 400);
      }
      return c.json(issue(grant.scope));
    }
    if (form.get("grant_type") === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const scope = refreshTokens.get(presented);
      if (scope === undefined || revoked.has(presented)) return c.json({ error: "invalid_grant" }, 400);
      refreshTokens.delete(presented);
      return c.json(issue(scope));
    }
    return c.json({ error: "unsupported_grant_type" }, 400);
  });
  app.post("/oauth/revoke", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    requests.push(form);
    if (failRevocation) return c.body(null, 503);
    revoked.add(form.get("token") ?? "");
    return c.body(null, 200);
  });

  return {
    fetch: (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => app.request(input instanceof URL ? input.href : input, init)) as typeof fetch,
    // What the consent screen does once the user agrees: a code bound to the authorization request.
    consent(authorizeUrl: URL): string {
      const params = authorizeUrl.searchParams;
      if (params.get("client_id") !== CLIENT_ID) throw new Error("invalid_client");
      const code = `code-${randomUUID()}`;
      codes.set(code, {
        challenge: params.get("code_challenge") ?? "",
        method: params.get("code_challenge_method") ?? "",
        redirectUri: params.get("redirect_uri") ?? "",
        scope: params.get("scope") ?? "",
      });
      return code;
    },
    revoked,
    requests,
    failRevocations(fail: boolean) {
      failRevocation = fail;
    },
  };
}
