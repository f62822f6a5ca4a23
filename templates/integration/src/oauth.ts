import { CLIENT_ID, identityUrl, type Stage } from "./config";
import { log } from "./log";
import { type OutboundDeps, send } from "./outbound";

export type OAuthDeps = OutboundDeps & {
  stage: Stage;
  // Confidential clients authenticate with their secret; public clients rely on PKCE alone.
  clientSecret?: string;
  now?: () => number;
};

export type TokenSet = { accessToken: string; refreshToken: string; expiresAt: number; scopes: string[] };

// The identity service refused a grant (RFC 6749 §5.2): `invalid_grant` means the user must connect again.
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = "OAuthError";
  }

  get needsReauthorization(): boolean {
    return this.error === "invalid_grant";
  }
}

async function postForm(deps: OAuthDeps, path: string, form: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const body = new URLSearchParams({ ...form, client_id: CLIENT_ID });
  if (deps.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${CLIENT_ID}:${deps.clientSecret}`).toString("base64")}`;
  }
  return send(deps, new URL(path, identityUrl(deps.stage)), { method: "POST", headers, body });
}

async function tokenRequest(deps: OAuthDeps, form: Record<string, string>): Promise<TokenSet> {
  const response = await postForm(deps, "/oauth/token", form);
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const error = typeof body.error === "string" ? body.error : "server_error";
    log.warn("token request refused", { grant: form.grant_type, status: response.status, error });
    throw new OAuthError(error, typeof body.error_description === "string" ? body.error_description : "");
  }
  if (typeof body.access_token !== "string" || typeof body.expires_in !== "number") {
    throw new OAuthError("invalid_response", "the token endpoint answered without access_token / expires_in");
  }
  const now = (deps.now ?? Date.now)();
  return {
    accessToken: body.access_token,
    // A refresh response may omit the refresh token: keep using the one we have.
    refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : (form.refresh_token ?? ""),
    expiresAt: now + body.expires_in * 1000,
    scopes: typeof body.scope === "string" ? body.scope.split(" ").filter(Boolean) : [],
  };
}

// Redeems the authorization code with the PKCE verifier it was requested with.
export function exchangeCode(
  deps: OAuthDeps,
  grant: { code: string; verifier: string; redirectUri: string },
): Promise<TokenSet> {
  return tokenRequest(deps, {
    grant_type: "authorization_code",
    code: grant.code,
    code_verifier: grant.verifier,
    redirect_uri: grant.redirectUri,
  });
}

// A new access token from the refresh token (INT-04). Throws OAuthError; `needsReauthorization` when the
// refresh token was revoked or expired.
export function refreshAccessToken(deps: OAuthDeps, refreshToken: string): Promise<TokenSet> {
  return tokenRequest(deps, { grant_type: "refresh_token", refresh_token: refreshToken });
}

// Revokes the refresh token (and with it every access token issued from it) at /oauth/revoke (RFC 7009).
export async function revokeTokens(deps: OAuthDeps, refreshToken: string): Promise<void> {
  const response = await postForm(deps, "/oauth/revoke", {
    token: refreshToken,
    token_type_hint: "refresh_token",
  });
  if (!response.ok) {
    log.error("token revocation failed", { status: response.status });
    throw new OAuthError("revocation_failed", `the identity service answered ${response.status}`);
  }
}
