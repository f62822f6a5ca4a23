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

// A client's registered redirect URIs, matched exactly as a real authorization server does (RFC 9700 §4.1.3).
export type RegisteredClients = Record<string, readonly string[]>;
export const TEST_REDIRECT_URI = "http://localhost:5173/oauth/callback";

type PendingCode = { request: AuthorizationRequest; challenge: string; redirectUri: string };

// The identity service's authorization-code flow (PKCE S256) and token introspection, in process, signing with
// the secret authenticate() verifies: for end-to-end tests of third-party routes and for local runs (EP-03). As
// strict as the real one: an unknown client_id or an unregistered redirect_uri is refused at authorization, and a
// code is redeemed once, by the client it was issued to, with the same redirect_uri and the PKCE verifier.
export class OAuthTestServer {
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly secret: string,
    private readonly clients: RegisteredClients = { "partner-app": [TEST_REDIRECT_URI] },
  ) {}

  redirectUris(clientId: string): readonly string[] {
    return Object.hasOwn(this.clients, clientId) ? (this.clients[clientId] ?? []) : [];
  }

  // The user consented: a one-time code bound to the client, its redirect URI and the PKCE challenge.
  authorize(request: AuthorizationRequest, pkce: { challenge: string; method: "S256" }, redirectUri?: string): string {
    const registered = this.redirectUris(request.clientId);
    if (registered.length === 0) throw new Error("invalid_client: unknown client_id");
    // Without one in the request, a client with exactly one registered redirect URI gets it (RFC 6749 §3.1.2.3).
    const uri = redirectUri ?? (registered.length === 1 ? registered[0] : undefined);
    if (uri === undefined || !registered.includes(uri)) throw new Error("invalid_request: redirect_uri is not registered");
    if (pkce.method !== "S256" || !pkce.challenge) throw new Error("invalid_request: an S256 code_challenge is required");
    const code = base64url(randomBytes(16));
    this.codes.set(code, { request, challenge: pkce.challenge, redirectUri: uri });
    return code;
  }

  async token(grant: { code: string; verifier: string; clientId: string; redirectUri: string }): Promise<TokenResponse> {
    const pending = this.codes.get(grant.code);
    this.codes.delete(grant.code);
    if (
      !pending ||
      pending.request.clientId !== grant.clientId ||
      pending.redirectUri !== grant.redirectUri ||
      pending.challenge !== challengeOf(grant.verifier)
    ) {
      throw new Error("invalid_grant");
    }
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

// Runs the flow as a third-party client does: PKCE pair, authorization, code exchange with the same client_id and
// redirect URI (the client's first registered one unless given).
export async function oauthAuthorizationCode(
  server: OAuthTestServer,
  request: AuthorizationRequest & { redirectUri?: string },
): Promise<TokenResponse> {
  const { redirectUri = server.redirectUris(request.clientId)[0] ?? "", ...authorization } = request;
  const verifier = base64url(randomBytes(32));
  const code = server.authorize(authorization, { challenge: challengeOf(verifier), method: "S256" }, redirectUri);
  return server.token({ code, verifier, clientId: request.clientId, redirectUri });
}
