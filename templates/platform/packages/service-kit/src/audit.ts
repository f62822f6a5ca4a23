import type { MiddlewareHandler } from "hono";
import { type AppEnv, type AuthEnv, inChainAfter, type TxEnv } from "./env";

// Writes one audit_log row in c.var.tx for a successful request whose handler set `audit_event_type` (SVC-CODE-05).
// Mount after transactional(), so the row commits or rolls back with the change it records.
export function audit(): MiddlewareHandler<AuthEnv & TxEnv & AppEnv> {
  return async (c, next) => {
    await next();
    const eventType = c.get("audit_event_type");
    if (!eventType || c.error || c.res.status >= 400) return;

    const { auth, tx } = inChainAfter("audit()", c.var);
    const { sub, brand_id } = auth;
    await tx.query(
      `INSERT INTO audit_log (brand_id, actor, event_type, resource_id, request_id) VALUES ($1, $2, $3, $4, $5)`,
      [
        brand_id,
        sub,
        eventType,
        c.get("audit_resource_id") ?? null,
        c.req.header("Idempotency-Key") ?? c.req.header("X-Request-Id") ?? null,
      ],
    );
  };
}
