import type { MiddlewareHandler } from "hono";
import type { AuthClaims } from "./auth";
import type { AuthEnv } from "./env";
import { problem } from "./problem";

// The token must carry every listed scope (SVC-CODE-04). Mount after authenticate().
// Typed AuthEnv: the handlers after it read `c.var.auth`. It checks, rather than assumes, that authenticate() ran.
export function requireScope(...scopes: string[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const auth: AuthClaims | undefined = c.get("auth");
    if (!auth) return problem(c, 401, "unauthorized", "This operation needs a bearer token.");
    const missing = scopes.filter((scope) => !auth.scopes.includes(scope));
    if (missing.length > 0) return problem(c, 403, "insufficient_scope", `Missing scope: ${missing.join(", ")}.`);
    await next();
  };
}

// Routes that return PHI also need a signed BAA on the caller's token (SVC-AUTH-03, EP-02).
export function requireBaa(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const auth: AuthClaims | undefined = c.get("auth");
    if (auth?.baa !== true) return problem(c, 403, "baa_required", "This operation returns PHI.");
    await next();
  };
}
