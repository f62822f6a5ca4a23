import type { MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import { z } from "zod";
import type { AuthEnv } from "./env";
import { problem } from "./problem";

export type AuthClaims = { sub: string; brand_id: string; scopes: string[]; baa?: boolean };

const claimsSchema = z.object({
  sub: z.string().min(1),
  brand_id: z.string().min(1),
  scopes: z.array(z.string()),
  baa: z.boolean().optional(),
}) satisfies z.ZodType<AuthClaims>;

const TOKEN_LIFETIME_SECONDS = 3600;
// Tokens remembered as verified, per authenticate(): the oldest is forgotten first beyond this many.
export const VERIFIED_TOKENS_KEPT = 1_000;
const HS256 = { name: "HMAC", hash: "SHA-256" } as const;

type Verified = { claims: AuthClaims; exp: number }; // claims frozen: shared by every request with the token

// Verifies `Authorization: Bearer <HS256 JWT>` (signature and exp) and sets c.var.auth. The secret is imported as a
// key once, and a token that verified is remembered, by its whole text, until its `exp`: a client sends the same
// token for its lifetime, and HMAC through WebCrypto was a tenth of a request's CPU under load. A token that failed
// is never remembered, and a remembered one is refused again from the second its `exp` passes.
export function authenticate(opts: { secret: string }): MiddlewareHandler<AuthEnv> {
  let key: ReturnType<typeof crypto.subtle.importKey> | undefined;
  const verified = new Map<string, Verified>();
  return async (c, next) => {
    const token = c.req.header("Authorization")?.match(/^Bearer (\S+)$/i)?.[1];
    if (!token) return problem(c, 401, "unauthorized", "Send an `Authorization: Bearer <token>` header.");

    let entry = verified.get(token);
    if (entry && entry.exp <= Date.now() / 1000) {
      verified.delete(token);
      entry = undefined;
    }
    if (!entry) {
      key ??= crypto.subtle.importKey("raw", new TextEncoder().encode(opts.secret), HS256, false, ["verify"]);
      const payload = await verify(token, await key, "HS256").catch(() => null);
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return problem(c, 401, "unauthorized", "The bearer token is invalid or expired.");
      const exp = typeof payload?.exp === "number" ? payload.exp : Number.POSITIVE_INFINITY;
      const scopes = [...claims.data.scopes];
      Object.freeze(scopes);
      entry = { claims: Object.freeze({ ...claims.data, scopes }), exp };
      const oldest = verified.keys().next();
      if (verified.size >= VERIFIED_TOKENS_KEPT && !oldest.done) verified.delete(oldest.value);
      verified.set(token, entry);
    }

    c.set("auth", entry.claims);
    await next();
  };
}

// Issues a token authenticate() accepts; for tests and local runs (real tokens come from identity).
export function signToken(secret: string, claims: AuthClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ ...claims, iat: now, exp: now + TOKEN_LIFETIME_SECONDS }, secret, "HS256");
}
