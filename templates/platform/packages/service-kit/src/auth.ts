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

// Verifies `Authorization: Bearer <HS256 JWT>` (signature and exp) and sets c.var.auth.
export function authenticate(opts: { secret: string }): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const token = c.req.header("Authorization")?.match(/^Bearer (\S+)$/i)?.[1];
    if (!token) return problem(c, 401, "unauthorized", "Send an `Authorization: Bearer <token>` header.");

    const claims = claimsSchema.safeParse(await verify(token, opts.secret, "HS256").catch(() => null));
    if (!claims.success) return problem(c, 401, "unauthorized", "The bearer token is invalid or expired.");

    c.set("auth", claims.data);
    await next();
  };
}

// Issues a token authenticate() accepts; for tests and local runs (real tokens come from identity).
export function signToken(secret: string, claims: AuthClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ ...claims, iat: now, exp: now + TOKEN_LIFETIME_SECONDS }, secret, "HS256");
}
