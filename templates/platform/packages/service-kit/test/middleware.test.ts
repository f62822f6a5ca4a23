import { PGlite } from "@electric-sql/pglite";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AppEnv,
  audit,
  type AuthClaims,
  authenticate,
  fromPGlite,
  idempotency,
  limitBody,
  PLATFORM_TABLES_SQL,
  problem,
  requireBaa,
  requireScope,
  signToken,
  transactional,
} from "../src";

const SECRET = "test-secret";
const pg = new PGlite();
const db = fromPGlite(pg);

const app = new Hono<AppEnv>();
app.use(authenticate({ secret: SECRET }));
app.post("/widgets", requireScope("widgets:write"), transactional(db), idempotency(), audit(), async (c) => {
  const { name } = await c.req.json<{ name: string }>();
  const { rows } = await c.var.tx.query<{ id: string }>(
    "INSERT INTO widgets (brand_id, name) VALUES ($1, $2) RETURNING id",
    [c.var.auth.brand_id, name],
  );
  c.set("audit_event_type", "widget.created");
  c.set("audit_resource_id", rows[0]?.id);
  if (name === "explode") throw new Error("handler failed after writing");
  if (name === "claim-check") {
    const { rows: claims } = await c.var.tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1",
      [c.req.header("Idempotency-Key")],
    );
    return c.json({ claimedBeforeHandler: claims[0]?.n === 1 }, 201);
  }
  if (name === "") return c.json({ code: "invalid_request" }, 422);
  c.header("Location", `/widgets/${rows[0]?.id}`);
  return c.json({ id: rows[0]?.id, name }, 201);
});
app.delete("/widgets/:id", requireScope("widgets:write"), transactional(db), idempotency(), audit(), async (c) => {
  await c.var.tx.query("DELETE FROM widgets WHERE id = $1 AND brand_id = $2", [c.req.param("id"), c.var.auth.brand_id]);
  c.set("audit_event_type", "widget.deleted");
  return c.body(null, 204);
});
app.get("/records", requireScope("records:read"), requireBaa(), (c) => c.json([]));
app.onError((_, c) => problem(c, 500, "internal", "Something went wrong."));

function tokenFor(scopes: string[], claims: Partial<AuthClaims> = {}) {
  return signToken(SECRET, { sub: "user-1", brand_id: "brand-a", scopes, ...claims });
}

async function createWidget(name: string, idempotencyKey?: string, extra: Record<string, unknown> = {}) {
  const headers = new Headers({
    Authorization: `Bearer ${await tokenFor(["widgets:write"])}`,
    "Content-Type": "application/json",
  });
  if (idempotencyKey) headers.set("Idempotency-Key", idempotencyKey);
  return app.request("/widgets", { method: "POST", headers, body: JSON.stringify({ name, ...extra }) });
}

async function count(table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  await db.query(PLATFORM_TABLES_SQL);
  await db.query(
    "CREATE TABLE widgets (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), brand_id text NOT NULL, name text NOT NULL)",
  );
});
afterEach(() => db.query("TRUNCATE widgets, audit_log, idempotency_keys"));
afterAll(() => pg.close());

describe("authentication and scopes", () => {
  it("answers 401 without a valid bearer token", async () => {
    for (const authorization of [undefined, "Bearer not-a-jwt"]) {
      const res = await app.request("/records", { headers: authorization ? { Authorization: authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get("Content-Type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 401, code: "unauthorized" });
    }
  });

  it("answers 403 when the token lacks the route's scope", async () => {
    const res = await app.request("/records", { headers: { Authorization: `Bearer ${await tokenFor(["x:y"])}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "insufficient_scope" });
  });

  it("needs a BAA on PHI routes", async () => {
    const withoutBaa = await tokenFor(["records:read"]);
    const withBaa = await tokenFor(["records:read"], { baa: true });
    const denied = await app.request("/records", { headers: { Authorization: `Bearer ${withoutBaa}` } });
    expect(await denied.json()).toMatchObject({ status: 403, code: "baa_required" });
    const allowed = await app.request("/records", { headers: { Authorization: `Bearer ${withBaa}` } });
    expect(allowed.status).toBe(200);
  });
});

describe("the middleware order", () => {
  it("fails loudly when idempotency() runs before transactional(db), writing nothing", async () => {
    const early = new Hono<AppEnv>();
    early.use(authenticate({ secret: SECRET }));
    // compiles: the route's env merges what its middleware provide, so the order is checked when a request comes
    early.post("/early", requireScope("widgets:write"), idempotency(), transactional(db), (c) => c.json({}, 201));
    let failure = "";
    early.onError((error, c) => {
      failure = error.message;
      return problem(c, 500, "internal", "Something went wrong.");
    });
    const headers = { Authorization: `Bearer ${await tokenFor(["widgets:write"])}`, "Idempotency-Key": "k-1" };
    const res = await early.request("/early", { method: "POST", headers, body: "{}" });
    expect(res.status).toBe(500);
    expect(failure).toBe("idempotency() must come after requireScope(...) and transactional(db) in the route");
    expect(await count("idempotency_keys")).toBe(0);
  });
});

describe("a mutation", () => {
  it("commits the change with its audit row", async () => {
    const res = await createWidget("sprocket", "key-1");
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const { rows } = await db.query("SELECT brand_id, actor, event_type, resource_id, request_id FROM audit_log");
    expect(rows).toEqual([
      { brand_id: "brand-a", actor: "user-1", event_type: "widget.created", resource_id: id, request_id: "key-1" },
    ]);
  });

  it.each([
    ["a thrown error", "explode", 500],
    ["an error response", "", 422],
  ])("rolls back on %s, leaving no row and no audit row", async (_, name, status) => {
    const res = await createWidget(name, "key-2");
    expect(res.status).toBe(status);
    expect(await count("widgets")).toBe(0);
    expect(await count("audit_log")).toBe(0);
    expect(await count("idempotency_keys")).toBe(0);
  });

  it("needs an Idempotency-Key", async () => {
    const res = await createWidget("sprocket");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "idempotency_key_required" });
  });

  it("replays the stored response for a repeated Idempotency-Key without running the handler again", async () => {
    const first = await createWidget("sprocket", "key-3");
    const replay = await createWidget("sprocket", "key-3");
    expect(replay.status).toBe(first.status);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    expect(await count("widgets")).toBe(1);
    expect(await count("audit_log")).toBe(1);
  });

  it("stores and replays a response without a body (204) and hands the first caller the handler's own", async () => {
    const created = (await (await createWidget("doomed", "key-create")).json()) as { id: string };
    const remove = async () =>
      app.request(`/widgets/${created.id}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${await tokenFor(["widgets:write"])}`, "Idempotency-Key": "key-delete" },
      });
    const first = await remove();
    expect([first.status, await first.text(), first.headers.get("Idempotent-Replayed")]).toEqual([204, "", null]);
    const replay = await remove();
    expect([replay.status, await replay.text(), replay.headers.get("Idempotent-Replayed")]).toEqual([204, "", "true"]);
    expect(await count("audit_log")).toBe(2); // the create's and the delete's; the replay wrote none
  });

  it("hands the first caller the same status, body and headers the handler answered with", async () => {
    const first = await createWidget("gear", "key-headers");
    const body = (await first.json()) as { id: string; name: string };
    expect(first.status).toBe(201);
    expect(first.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(first.headers.get("Location")).toBe(`/widgets/${body.id}`);
    expect(body).toMatchObject({ name: "gear" });
  });
});

describe("an Idempotency-Key", () => {
  // Claimed first, in the request's transaction: on Postgres a concurrent duplicate then waits on the key's unique
  // index until the first commits (and replays it) or rolls back (and runs itself), instead of failing on insert.
  it("is claimed before the handler runs", async () => {
    const res = await createWidget("claim-check", "key-claim");
    expect(await res.json()).toEqual({ claimedBeforeHandler: true });
  });

  it("sent again with another body is refused with 422, running nothing", async () => {
    await createWidget("sprocket", "key-body");
    const other = await createWidget("sprocket", "key-body", { colour: "red" });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: "idempotency_key_reused" });
    expect(await count("widgets")).toBe(1);
  });

  it("sent by 20 requests at once creates one widget and answers each with the same response", async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => createWidget("sprocket", "key-burst")));
    const bodies = await Promise.all(responses.map((res) => res.text()));
    expect(responses.map((res) => res.status)).toEqual(Array(20).fill(201));
    expect(new Set(bodies).size).toBe(1);
    expect(await count("widgets")).toBe(1);
    expect(await count("audit_log")).toBe(1);
    expect(await count("idempotency_keys")).toBe(1);
  });

  it("replays a response only to the brand that stored it", async () => {
    await createWidget("sprocket", "key-brand");
    const headers = new Headers({
      Authorization: `Bearer ${await tokenFor(["widgets:write"], { brand_id: "brand-b" })}`,
      "Content-Type": "application/json",
      "Idempotency-Key": "key-brand",
    });
    const other = await app.request("/widgets", { method: "POST", headers, body: JSON.stringify({ name: "sprocket" }) });
    expect(other.status).toBe(201);
    expect(other.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await count("widgets")).toBe(2);
  });
});

describe("limitBody()", () => {
  const LIMIT = 16;
  const limited = new Hono<AppEnv>();
  const seen: string[] = [];
  limited.use(limitBody(LIMIT));
  limited.post("/echo", async (c) => {
    const text = await c.req.text();
    seen.push(text);
    return c.json({ text });
  });
  afterEach(() => void seen.splice(0));

  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const char of text) controller.enqueue(new TextEncoder().encode(char));
        controller.close();
      },
    });

  it("refuses by Content-Length alone, before anything reads the body", async () => {
    const res = await limited.request("/echo", { method: "POST", headers: { "Content-Length": "17" }, body: "x" });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(seen).toEqual([]);
  });

  it("refuses a Content-Length that is not a number of bytes with 400", async () => {
    const res = await limited.request("/echo", { method: "POST", headers: { "Content-Length": "-1" }, body: "x" });
    expect(res.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it("counts a body sent without Content-Length while it streams in", async () => {
    const post = (text: string) =>
      limited.request("/echo", { method: "POST", body: streamOf(text), duplex: "half" } as RequestInit);
    expect((await post("x".repeat(LIMIT + 1))).status).toBe(413);
    expect(await (await post("x".repeat(LIMIT))).json()).toEqual({ text: "x".repeat(LIMIT) });
    expect(seen).toEqual(["x".repeat(LIMIT)]);
  });

  // What a deployed service sees: @hono/node-server behind a socket, with and without Content-Length.
  describe("over HTTP", () => {
    let server: ReturnType<typeof serve>;
    let url: string;
    beforeAll(async () => {
      await new Promise<void>((listening) => {
        server = serve({ fetch: limited.fetch, hostname: "127.0.0.1", port: 0 }, () => listening());
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
    });
    afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

    it("refuses a body over the limit sent with its Content-Length, and reads one at the limit", async () => {
      const over = await fetch(url, { method: "POST", body: "x".repeat(LIMIT + 1) });
      expect(over.status).toBe(413);
      const at = await fetch(url, { method: "POST", body: "é".repeat(LIMIT / 2) });
      expect(await at.json()).toEqual({ text: "é".repeat(LIMIT / 2) });
      expect(seen).toEqual(["é".repeat(LIMIT / 2)]);
    });

    it("refuses a chunked body once it passes the limit", async () => {
      const post = (text: string) => fetch(url, { method: "POST", body: streamOf(text), duplex: "half" } as RequestInit);
      expect((await post("x".repeat(LIMIT + 1))).status).toBe(413);
      expect(await (await post("x".repeat(LIMIT))).json()).toEqual({ text: "x".repeat(LIMIT) });
      expect(seen).toEqual(["x".repeat(LIMIT)]);
    });
  });
});
