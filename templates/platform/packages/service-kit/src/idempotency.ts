import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { type AppEnv, type AuthEnv, inChainAfter, type TxEnv } from "./env";
import { problem } from "./problem";

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type StoredResponse = {
  request: string;
  response_status: number;
  response_body: string;
  response_content_type: string | null;
};

// Mutations need an `Idempotency-Key` header (SVC-CODE-09). Mount after transactional(): the key is claimed in c.var.tx
// before the handler runs, so on Postgres a concurrent request with the same key waits on the key's primary key
// until the first commits (then replays its response) or rolls back (then runs itself): never two writes, never a
// unique-violation 500. The claim holds the request's method, path and body hash; the same key with another request
// is a 422.
export function idempotency(): MiddlewareHandler<AuthEnv & TxEnv & AppEnv> {
  return async (c, next) => {
    if (!MUTATIONS.has(c.req.method)) return next();

    const key = c.req.header("Idempotency-Key");
    if (!key) return problem(c, 400, "idempotency_key_required", "Send an `Idempotency-Key` header.");

    const { auth, tx } = inChainAfter("idempotency()", c.var);
    const brandId = auth.brand_id;
    const route = `${c.req.method} ${c.req.path}`;
    // Read as text: Hono keeps it, so the JSON validator parses this same text instead of reading the body again.
    const bodyHash = createHash("sha256").update(await c.req.text()).digest("hex");
    const request = `${route} sha256:${bodyHash}`;

    // Placeholder response columns: nobody sees them, the response replaces them before this transaction commits.
    const { rows: claimed } = await tx.query(
      `INSERT INTO idempotency_keys (brand_id, key, request, response_status, response_body)
       VALUES ($1, $2, $3, 0, '') ON CONFLICT (brand_id, key) DO NOTHING RETURNING key`,
      [brandId, key, request],
    );
    if (claimed.length === 0) {
      const { rows } = await tx.query<StoredResponse>(
        `SELECT request, response_status, response_body, response_content_type
           FROM idempotency_keys WHERE brand_id = $1 AND key = $2`,
        [brandId, key],
      );
      const stored = rows[0]!;
      // A key stored before bodies were hashed holds the method and path alone.
      if (stored.request !== request && stored.request !== route) {
        return problem(c, 422, "idempotency_key_reused", "This Idempotency-Key was sent with another request.");
      }
      const headers = new Headers({ "Idempotent-Replayed": "true" });
      if (stored.response_content_type) headers.set("Content-Type", stored.response_content_type);
      return new Response(stored.response_body || null, { status: stored.response_status, headers });
    }

    await next();
    // An error rolls the transaction back, claim included, so a retry runs afresh.
    if (c.error || c.res.status >= 400) return;
    // The body is read once and handed on as the same text: a clone() would tee its stream, which cost a twentieth
    // of a create's CPU under load. An empty body goes on as none (a 204 may carry no body at all). The new response
    // takes status and headers as plain values and replaces the old one outright (`c.res = undefined` first): either
    // way Hono would turn the text back into a stream to send.
    const body = await c.res.text();
    const { status, headers } = c.res;
    c.res = undefined;
    c.res = new Response(body || null, { status, headers });
    await tx.query(
      `UPDATE idempotency_keys SET response_status = $3, response_body = $4, response_content_type = $5
        WHERE brand_id = $1 AND key = $2`,
      [brandId, key, c.res.status, body, c.res.headers.get("Content-Type")],
    );
  };
}
