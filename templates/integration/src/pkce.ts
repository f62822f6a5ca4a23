import { createHash, randomBytes } from "node:crypto";
import { CLIENT_ID, identityUrl, REDIRECT_URIS, SCOPES, type Stage } from "./config";

// The only method the type admits: a `plain` challenge (the verifier itself) cannot be written (INT-03).
export type CodeChallengeMethod = "S256";

export type PkcePair = { verifier: string; challenge: string; method: CodeChallengeMethod };

type AuthorizationParams = {
  response_type: "code";
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge: string;
  code_challenge_method: CodeChallengeMethod;
};

// RFC 7636: a 43-character verifier from 32 random bytes; the challenge is base64url(sha256(verifier)).
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: codeChallenge(verifier), method: "S256" };
}

export function codeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export function createState(): string {
  return randomBytes(16).toString("base64url");
}

// Where to send the user to grant the integration its scopes.
export function authorizationUrl(
  stage: Stage,
  pkce: PkcePair,
  state: string,
  redirectUri: string = REDIRECT_URIS[stage][0] ?? "",
): URL {
  if (!REDIRECT_URIS[stage].includes(redirectUri)) {
    throw new Error(`redirect URI ${redirectUri} is not registered for ${stage}`);
  }
  const params: AuthorizationParams = {
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: SCOPES.join(" "),
    state,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  };
  const url = new URL("/oauth/authorize", identityUrl(stage));
  url.search = new URLSearchParams(params).toString();
  return url;
}
