import { createHash, randomBytes } from "node:crypto";
import { verify } from "hono/jwt";
import { type AuthClaims, signToken } from "./auth";

export type AuthorizationRequest = AuthClaims & { clientId: string };
export type TokenResponse = { access_token: string; token_type: "Bearer"; expires_in: number; scope: string };
// RFC 7662: what the identity service answers about a token.
export type Introspection =
  | { active: false }
  | { active: true; sub: string; brand_id: string; scope: string; baa: boolean; exp: number; token_type: "Bearer" };

const base64url = (bytes: Buffer) => bytes.toString("base64url");
const challengeOf = (verifier: string) => base64url(createHash("sha256").update(verifier).digest());

// The identity service's authorization-code flow (PKCE S256) and token introspection, in process, signing with
// the secret authenticate() verifies: for end-to-end tests of third-party routes and for local runs (EP-03).
export class OAuthTestServer {
  private readonly codes = new Map<string, { request: AuthorizationRequest; challenge: string }>();

  constructor(private readonly secret: string) {}

  // The user consented: a one-time code bound to the PKCE challenge.
  authorize(request: AuthorizationRequest, pkce: { challenge: string; method: "S256" }): string {
    const code = base64url(randomBytes(16));
    this.codes.set(code, { request, challenge: pkce.challenge });
    return code;
  }

  async token(grant: { code: string; verifier: string }): Promise<TokenResponse> {
    const pending = this.codes.get(grant.code);
    this.codes.delete(grant.code);
    if (!pending || pending.challenge !== challengeOf(grant.verifier)) throw new Error("invalid_grant");
    const { clientId: _clientId, ...claims } = pending.request;
    return {
      access_token: await signToken(this.secret, claims),
      token_type: "Bearer",
      expires_in: 3600,
      scope: claims.scopes.join(" "),
    };
  }

  async introspect(token: string): Promise<Introspection> {
    const payload = await verify(token, this.secret, "HS256").catch(() => null);
    if (!payload || typeof payload.sub !== "string" || typeof payload.brand_id !== "string") return { active: false };
    const scopes = Array.isArray(payload.scopes) ? payload.scopes.map(String) : [];
    return {
      active: true,
      sub: payload.sub,
      brand_id: payload.brand_id,
      scope: scopes.join(" "),
      baa: payload.baa === true,
      exp: Number(payload.exp),
      token_type: "Bearer",
    };
  }
}

// Runs the flow as a third-party client does: PKCE pair, authorization, code exchange.
export async function oauthAuthorizationCode(server: OAuthTestServer, request: AuthorizationRequest): Promise<TokenResponse> {
  const verifier = base64url(randomBytes(32));
  const code = server.authorize(request, { challenge: challengeOf(verifier), method: "S256" });
  return server.token({ code, verifier });
}
