import type { AuthClaims } from "./auth";
import type { Db } from "./db";

// What a route's handlers may find on the context, each set by the middleware that makes it true, the Hono way
// (`MiddlewareHandler<Env>`): a route's chain merges the envs of its middleware, so a handler after
// requireScope(...) reads `c.var.auth` and one after transactional(db) reads `c.var.tx`, typed and without a cast,
// and a handler whose chain lacks them does not compile.
export type AuthEnv = { Variables: { auth: AuthClaims } }; // authenticate() sets it; requireScope() proves it is there
export type TxEnv = { Variables: { tx: Db } }; // transactional(db) sets it

// The app's own variables. `auth` and `tx` are optional here because before their middleware they are absent;
// a handler sets `audit_event_type` (and `audit_resource_id`) for audit().
export type AppEnv = {
  Variables: { auth?: AuthClaims; tx?: Db; audit_event_type?: string; audit_resource_id?: string };
};

// What a middleware after requireScope(...) and transactional(db) reads, checked: the chain's order is a convention
// the types cannot hold (a route's env merges what its middleware provide), so a middleware mounted too early fails
// loudly here instead of reading undefined.
export function inChainAfter(who: string, vars: { auth?: AuthClaims; tx?: Db }): { auth: AuthClaims; tx: Db } {
  const { auth, tx } = vars;
  if (!auth || !tx) throw new Error(`${who} must come after requireScope(...) and transactional(db) in the route`);
  return { auth, tx };
}
