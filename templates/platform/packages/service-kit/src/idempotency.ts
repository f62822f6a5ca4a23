import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { problem } from "./problem";

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type StoredResponse = {
  request: string;
  response_status: number;
  response_body: string;
  response_content_type: string | null;
};

// Mutations need an `Idempotency-Key` header (SVC-CODE-09). The first successful response is stored per brand in
// c.var.tx; a repeat of the key returns it without running the handler. Mount after transactional().
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!MUTATIONS.has(c.req.method)) return next();

    const key = c.req.header("Idempotency-Key");
    if (!key) return problem(c, 400, "idempotency_key_required", "Send an `Idempotency-Key` header.");

    const brandId = c.get("auth").brand_id;
    const request = `${c.req.method} ${c.req.path}`;
    const tx = c.get("tx");
    const { rows } = await tx.query<StoredResponse>(
      `SELECT request, response_status, response_body, response_content_type
         FROM idempotency_keys WHERE brand_id = $1 AND key = $2`,
      [brandId, key],
    );
    const stored = rows[0];
    if (stored) {
      if (stored.request !== request) {
        return problem(c, 409, "conflict", `This Idempotency-Key was used for ${stored.request}.`);
      }
      const headers = new Headers({ "Idempotent-Replayed": "true" });
      if (stored.response_content_type) headers.set("Content-Type", stored.response_content_type);
      return new Response(stored.response_body || null, { status: stored.response_status, headers });
    }

    await next();
    if (c.error || c.res.status >= 400) return;
    await tx.query(
      `INSERT INTO idempotency_keys (brand_id, key, request, response_status, response_body, response_content_type)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [brandId, key, request, c.res.status, await c.res.clone().text(), c.res.headers.get("Content-Type")],
    );
  };
}
