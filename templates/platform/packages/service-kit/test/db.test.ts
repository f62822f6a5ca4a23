import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { Hono } from "hono";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import {
  type AppEnv,
  type Db,
  enqueue,
  fromPGlite,
  fromPgPool,
  pgPool,
  handleOnce,
  MIGRATION_LOCK_ID,
  NO_TRANSACTION_MARKER,
  OUTBOX_SEQ_SQL,
  type OutboxEvent,
  PLATFORM_TABLES_SQL,
  publishPending,
  RELAY_BATCH_SIZE,
  runMigrations,
  startOutboxRelay,
  transactional,
} from "../src";

type Opened = { db: Db; close: () => Promise<void> };

async function openPGlite(): Promise<Opened> {
  const pglite = await PGlite.create();
  return { db: fromPGlite(pglite), close: () => pglite.close() };
}

// A real Postgres wire-protocol server on loopback: PGlite served by pglite-socket, reached through node-postgres, in
// a pool of the caller's own (its queries carry the kit's value parsers) or one from pgPool() (its connections do).
async function openPgPool(makePool: (config: pg.PoolConfig) => pg.Pool): Promise<Opened> {
  const pglite = await PGlite.create();
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0 });
  await server.start();
  // pglite-socket serves one connection at a time by default, so the pool keeps to one; a transaction that failed to
  // release it would make the next one time out.
  const pool = makePool({
    connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
    max: 1,
    connectionTimeoutMillis: 5_000,
  });
  return {
    db: fromPgPool(pool),
    async close() {
      await pool.end();
      await server.stop();
      await pglite.close();
    },
  };
}

const migrations = await mkdtemp(join(tmpdir(), "migrations-"));
await writeFile(join(migrations, "0002_notes.sql"), "CREATE TABLE notes (brand_id text NOT NULL, body text);");
await writeFile(join(migrations, "0001_platform_tables.sql"), PLATFORM_TABLES_SQL);
await writeFile(join(migrations, "0004_add_outbox_seq.sql"), OUTBOX_SEQ_SQL);
await writeFile(
  join(migrations, "0003_notes_by_body.sql"),
  `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS notes_by_brand_body ON notes (brand_id, body);\n`,
);
await writeFile(join(migrations, "README.md"), "not a migration");
afterAll(() => rm(migrations, { recursive: true }));

const heartbeat = { service: "jobs", stage: "test", sentAt: "2026-01-01T00:00:00Z" };

// Each adapter opens its own database in turn, so only one PGlite is alive at a time.
describe.each([
  { adapter: "fromPGlite, in process", open: openPGlite },
  { adapter: "fromPgPool, node-postgres over TCP", open: () => openPgPool((config) => new pg.Pool(config)) },
  { adapter: "fromPgPool(pgPool()), node-postgres over TCP", open: () => openPgPool(pgPool) },
])("$adapter", ({ open }) => {
  let db: Db;
  let close: () => Promise<void>;
  let firstRun: string[];

  const addNote = (body: string) => async (tx: Db) => {
    await tx.query("INSERT INTO notes (brand_id, body) VALUES ($1, $2)", ["brand-a", body]);
  };
  const notes = async () => (await db.query<{ body: string }>("SELECT body FROM notes ORDER BY body")).rows;

  beforeAll(async () => {
    ({ db, close } = await open());
    firstRun = await runMigrations(db, migrations);
  });
  afterEach(() => db.query("TRUNCATE outbox, processed_events, notes"));
  afterAll(() => close());

  describe("query", () => {
    it("binds parameters and returns rows", async () => {
      const { rows } = await db.query("SELECT $1::text AS greeting, $2::int AS n", ["hello", 2]);
      expect(rows).toEqual([{ greeting: "hello", n: 2 }]);
    });

    it("runs several statements without parameters and returns the last one's rows", async () => {
      const { rows } = await db.query(`
        INSERT INTO notes VALUES ('brand-a', 'one');
        INSERT INTO notes VALUES ('brand-a', 'two');
        SELECT body FROM notes ORDER BY body;
      `);
      expect(rows).toEqual([{ body: "one" }, { body: "two" }]);
    });

    it("parses column types the same way", async () => {
      const { rows } = await db.query(
        `SELECT true AS flag, 2::int AS n, count(*) AS total, 9007199254740993::int8 AS huge, 1.50::numeric AS amount,
                1.5::float8 AS ratio, '{"a": [1]}'::jsonb AS doc, 'x'::text AS label, NULL::text AS missing,
                '2026-01-02T03:04:05Z'::timestamptz AS at, '2026-01-02'::date AS day, '1 day'::interval AS span,
                '00000000-0000-4000-8000-000000000000'::uuid AS id`,
      );
      expect(rows).toEqual([
        {
          flag: true,
          n: 2,
          total: 1,
          huge: 9007199254740993n,
          amount: "1.50",
          ratio: 1.5,
          doc: { a: [1] },
          label: "x",
          missing: null,
          at: new Date("2026-01-02T03:04:05Z"),
          day: new Date("2026-01-02T00:00:00Z"),
          span: "1 day",
          id: "00000000-0000-4000-8000-000000000000",
        },
      ]);
    });
  });

  describe("transaction", () => {
    it("commits its writes and returns the callback's result", async () => {
      expect(await db.transaction(async (tx) => (await addNote("kept")(tx), "done"))).toBe("done");
      expect(await notes()).toEqual([{ body: "kept" }]);
    });

    it("rolls every write back when the callback throws, and rethrows", async () => {
      await expect(
        db.transaction(async (tx) => {
          await addNote("lost")(tx);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await notes()).toEqual([]);
    });

    it("rolls back when a statement fails", async () => {
      await expect(
        db.transaction(async (tx) => {
          await addNote("lost")(tx);
          await tx.query("INSERT INTO notes (brand_id) VALUES (NULL)");
        }),
      ).rejects.toThrow(/null value/);
      expect(await notes()).toEqual([]);
    });

    it("turns a nested transaction into a savepoint: only the failed inner part rolls back", async () => {
      await db.transaction(async (tx) => {
        await addNote("outer")(tx);
        await tx.transaction(addNote("inner kept"));
        await expect(
          tx.transaction(async (inner) => {
            await addNote("inner lost")(inner);
            await inner.transaction(addNote("innermost lost"));
            throw new Error("inner failed");
          }),
        ).rejects.toThrow("inner failed");
        await addNote("after")(tx);
      });
      expect(await notes()).toEqual([{ body: "after" }, { body: "inner kept" }, { body: "outer" }]);
    });

    it("releases its connection however it ends", async () => {
      await db.transaction(addNote("one"));
      await expect(db.transaction(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      await db.transaction(addNote("two"));
      expect(await notes()).toEqual([{ body: "one" }, { body: "two" }]);
    });
  });

  describe("transactional()", () => {
    it("commits a successful request's writes and rolls back a failed one's", async () => {
      const app = new Hono<AppEnv>();
      app.post("/notes/:body", transactional(db), async (c) => {
        await addNote(c.req.param("body"))(c.var.tx);
        if (c.req.param("body") === "invalid") return c.json({ code: "invalid_request" }, 422);
        if (c.req.param("body") === "explode") throw new Error("handler failed after writing");
        return c.body(null, 201);
      });
      app.onError((_, c) => c.body(null, 500));
      expect((await app.request("/notes/kept", { method: "POST" })).status).toBe(201);
      expect((await app.request("/notes/invalid", { method: "POST" })).status).toBe(422);
      expect((await app.request("/notes/explode", { method: "POST" })).status).toBe(500);
      expect(await notes()).toEqual([{ body: "kept" }]);
    });
  });

  describe("runMigrations", () => {
    it("applies pending migrations in order, once", async () => {
      expect(firstRun).toEqual([
        "0001_platform_tables.sql",
        "0002_notes.sql",
        "0003_notes_by_body.sql",
        "0004_add_outbox_seq.sql",
      ]);
      expect(await runMigrations(db, migrations)).toEqual([]);
    });

    // Postgres then keeps a second instance out until the first is done (PGlite, one session, cannot show that).
    it("applies migrations holding the migration lock, and releases it after", async () => {
      const dir = await mkdtemp(join(tmpdir(), "locked-"));
      await writeFile(
        join(dir, "0009_locks_seen.sql"),
        "CREATE TABLE locks_seen AS SELECT objid::int AS id FROM pg_locks WHERE locktype = 'advisory' AND granted;",
      );
      try {
        expect(await runMigrations(db, dir)).toEqual(["0009_locks_seen.sql"]);
        expect((await db.query("SELECT id FROM locks_seen")).rows).toEqual([{ id: MIGRATION_LOCK_ID }]);
        const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await db.query("DROP TABLE IF EXISTS locks_seen");
        await rm(dir, { recursive: true });
      }
    });

    it("runs a no-transaction migration outside a transaction (CREATE INDEX CONCURRENTLY)", async () => {
      const { rows } = await db.query("SELECT indexname FROM pg_indexes WHERE indexname = 'notes_by_brand_body'");
      expect(rows).toEqual([{ indexname: "notes_by_brand_body" }]);
    });
  });

  describe("outbox", () => {
    it("rejects a payload that does not match the event's schema", async () => {
      const invalid = { ...heartbeat, sentAt: "yesterday" };
      await expect(
        enqueue(db, { name: "platform.heartbeat", brandId: "brand-a", payload: invalid }),
      ).rejects.toThrow(ZodError);
    });

    it("publishes each committed event once, and never one whose transaction rolled back", async () => {
      const id = await db.transaction((tx) =>
        enqueue(tx, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }),
      );
      await expect(
        db.transaction(async (tx) => {
          await enqueue(tx, { name: "platform.heartbeat", brandId: "brand-b", payload: heartbeat });
          throw new Error("state change failed");
        }),
      ).rejects.toThrow("state change failed");

      const published: OutboxEvent[] = [];
      const publish = async (event: OutboxEvent) => void published.push(event);
      expect(await publishPending(db, publish)).toBe(1);
      expect(await publishPending(db, publish)).toBe(0);
      expect(published).toMatchObject([{ id, name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }]);
      expect(published[0]?.createdAt).toBeInstanceOf(Date);
    });

    it("publishes events in the order they were enqueued, also within one transaction", async () => {
      const enqueued = await db.transaction(async (tx) => {
        const ids: string[] = [];
        for (let i = 0; i < 250; i++) {
          ids.push(await enqueue(tx, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }));
        }
        return ids;
      });
      // Rows move on disk (updates, vacuum): the order must not depend on where they are stored.
      await db.query("UPDATE outbox SET payload = payload WHERE id = ANY($1)", [enqueued.slice(0, 120)]);

      const published: string[] = [];
      while (await publishPending(db, async (event) => void published.push(event.id)));

      expect(published).toEqual(enqueued);
    });

    it("publishes the batch again when publish() fails", async () => {
      await enqueue(db, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat });
      await expect(publishPending(db, () => Promise.reject(new Error("broker down")))).rejects.toThrow("broker down");
      expect(await publishPending(db, async () => {})).toBe(1);
    });
  });

  describe("startOutboxRelay", () => {
    const rethrow = (error: unknown) => {
      throw error;
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it("delivers more than a batch of events in order in its first run, each handler's writes with its mark", async () => {
      const enqueued = await db.transaction(async (tx) => {
        const ids: string[] = [];
        for (let i = 0; i < RELAY_BATCH_SIZE * 20 + 5; i++) {
          ids.push(await enqueue(tx, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }));
        }
        return ids;
      });
      const delivered: string[] = [];
      // The next poll is an hour away: whatever is delivered came from the first run.
      const relay = startOutboxRelay(
        db,
        (tx, event) =>
          handleOnce(tx, { eventId: event.id, handlerScope: "notes", brandId: event.brandId }, async (inner) => {
            await addNote(event.id)(inner);
            delivered.push(event.id);
          }).then(() => undefined),
        { pollMs: 3_600_000, onError: rethrow },
      );
      await vi.waitFor(() => expect(delivered).toHaveLength(enqueued.length), { timeout: 20_000, interval: 20 });
      await relay.stop();
      expect(delivered).toEqual(enqueued);
      expect((await notes()).length).toBe(enqueued.length);
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
      expect(rows[0]?.n).toBe(0);
    });

    it("lets the event loop turn between batches, so a long drain does not hold requests up", async () => {
      const total = RELAY_BATCH_SIZE * 20;
      await db.transaction(async (tx) => {
        for (let i = 0; i < total; i++) {
          await enqueue(tx, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat });
        }
      });
      const delivered: string[] = [];
      const seenBetween: number[] = [];
      const ticks = setInterval(() => seenBetween.push(delivered.length), 0);
      const relay = startOutboxRelay(db, async (_tx, event) => void delivered.push(event.id), {
        pollMs: 3_600_000,
        onError: rethrow,
      });
      await vi.waitFor(() => expect(delivered).toHaveLength(total), { timeout: 20_000, interval: 20 });
      clearInterval(ticks);
      await relay.stop();
      expect(seenBetween.some((n) => n > 0 && n < total)).toBe(true);
    });

    it("rolls a failed delivery back with its handler's writes, and delivers it at the next poll", async () => {
      const id = await enqueue(db, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat });
      const errors: unknown[] = [];
      let attempts = 0;
      const relay = startOutboxRelay(
        db,
        async (tx, event) => {
          attempts += 1;
          await addNote(`${event.id} attempt ${attempts}`)(tx);
          if (attempts === 1) throw new Error("subscriber down");
        },
        { pollMs: 10, onError: (error) => void errors.push(error) },
      );
      await vi.waitFor(() => expect(attempts).toBe(2), { timeout: 10_000, interval: 10 });
      await relay.stop();
      expect(errors).toEqual([new Error("subscriber down")]);
      expect(await notes()).toEqual([{ body: `${id} attempt 2` }]);
    });

    it("never runs twice at once, and starts no run after stop()", async () => {
      let active = 0;
      let most = 0;
      let runs = 0;
      // Each run takes 20 ms; the polls are 1 ms apart.
      const slow: Db = {
        ...db,
        async transaction(fn) {
          active += 1;
          most = Math.max(most, active);
          try {
            await sleep(20);
            return await db.transaction(fn);
          } finally {
            active -= 1;
            runs += 1;
          }
        },
      };
      const relay = startOutboxRelay(slow, async () => {}, { pollMs: 1, onError: rethrow });
      await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(5), { timeout: 10_000, interval: 5 });
      await relay.stop();
      const stoppedAt = runs;
      await sleep(60);
      expect(runs).toBe(stoppedAt);
      expect(most).toBe(1);
    });
  });

  describe("handleOnce", () => {
    it("runs a handler once per event id and handler scope", async () => {
      const key = { eventId: "evt-1", brandId: "brand-a" };
      expect(await handleOnce(db, { ...key, handlerScope: "billing" }, addNote("first"))).toBe(true);
      expect(await handleOnce(db, { ...key, handlerScope: "billing" }, addNote("duplicate"))).toBe(false);
      expect(await handleOnce(db, { ...key, handlerScope: "search" }, addNote("other scope"))).toBe(true);
      expect(await notes()).toEqual([{ body: "first" }, { body: "other scope" }]);
    });

    it("forgets the event when the handler fails, so a redelivery retries it", async () => {
      const key = { eventId: "evt-2", brandId: "brand-a", handlerScope: "billing" };
      await expect(handleOnce(db, key, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
      expect(await handleOnce(db, key, addNote("retried"))).toBe(true);
    });

    it("runs as a savepoint inside the caller's transaction", async () => {
      const key = { eventId: "evt-3", brandId: "brand-a", handlerScope: "billing" };
      await db.transaction(async (tx) => {
        await expect(handleOnce(tx, key, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
        expect(await handleOnce(tx, key, addNote("in caller's tx"))).toBe(true);
      });
      expect(await notes()).toEqual([{ body: "in caller's tx" }]);
    });
  });
});
