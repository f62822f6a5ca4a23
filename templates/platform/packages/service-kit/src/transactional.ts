import type { MiddlewareHandler } from "hono";
import type { Db } from "./db";
import type { TxEnv } from "./env";

class RollBack extends Error {}

// Runs the rest of the chain in one transaction, exposed as c.var.tx. Hono catches handler errors itself: `next()`
// returns with c.error set and c.res already the error response, so we inspect both and roll back by throwing.
export function transactional(db: Db): MiddlewareHandler<TxEnv> {
  return async (c, next) => {
    try {
      await db.transaction(async (tx) => {
        c.set("tx", tx);
        await next();
        if (c.error || c.res.status >= 400) throw new RollBack();
      });
    } catch (error) {
      if (!(error instanceof RollBack)) throw error;
    }
  };
}
