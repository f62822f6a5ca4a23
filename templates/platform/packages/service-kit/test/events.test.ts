import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import {
  type Db,
  enqueue,
  fromPGlite,
  handleOnce,
  type OutboxEvent,
  PLATFORM_TABLES_SQL,
  publishPending,
  runMigrations,
} from "../src";

const pg = new PGlite();
const db = fromPGlite(pg);
const migrations = await mkdtemp(join(tmpdir(), "migrations-"));
const heartbeat = { service: "jobs", stage: "test", sentAt: "2026-01-01T00:00:00Z" };
let firstRun: string[];

beforeAll(async () => {
  await writeFile(join(migrations, "0002_notes.sql"), "CREATE TABLE notes (brand_id text NOT NULL, body text);");
  await writeFile(join(migrations, "0001_platform_tables.sql"), PLATFORM_TABLES_SQL);
  await writeFile(join(migrations, "README.md"), "not a migration");
  firstRun = await runMigrations(db, migrations);
});
afterEach(() => db.query("TRUNCATE outbox, processed_events, notes"));
afterAll(async () => {
  await pg.close();
  await rm(migrations, { recursive: true });
});

describe("runMigrations", () => {
  it("applies pending migrations in order, once", async () => {
    expect(firstRun).toEqual(["0001_platform_tables.sql", "0002_notes.sql"]);
    expect(await runMigrations(db, migrations)).toEqual([]);
  });
});

describe("outbox", () => {
  it("rejects a payload that does not match the event's schema", async () => {
    const invalid = { ...heartbeat, sentAt: "yesterday" };
    await expect(enqueue(db, { name: "platform.heartbeat", brandId: "brand-a", payload: invalid })).rejects.toThrow(
      ZodError,
    );
  });

  it("publishes each enqueued event once", async () => {
    const id = await db.transaction((tx) =>
      enqueue(tx, { name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }),
    );
    const published: OutboxEvent[] = [];
    const publish = async (event: OutboxEvent) => {
      published.push(event);
    };
    expect(await publishPending(db, publish)).toBe(1);
    expect(await publishPending(db, publish)).toBe(0);
    expect(published).toMatchObject([{ id, name: "platform.heartbeat", brandId: "brand-a", payload: heartbeat }]);
  });
});

describe("handleOnce", () => {
  const addNote = (body: string) => async (tx: Db) => {
    await tx.query("INSERT INTO notes (brand_id, body) VALUES ($1, $2)", ["brand-a", body]);
  };

  it("runs a handler once per event id and handler scope", async () => {
    const key = { eventId: "evt-1", brandId: "brand-a" };
    expect(await handleOnce(db, { ...key, handlerScope: "billing" }, addNote("first"))).toBe(true);
    expect(await handleOnce(db, { ...key, handlerScope: "billing" }, addNote("duplicate"))).toBe(false);
    expect(await handleOnce(db, { ...key, handlerScope: "search" }, addNote("other scope"))).toBe(true);
    const { rows } = await db.query("SELECT body FROM notes ORDER BY body");
    expect(rows).toEqual([{ body: "first" }, { body: "other scope" }]);
  });

  it("forgets the event when the handler fails, so a redelivery retries it", async () => {
    const key = { eventId: "evt-2", brandId: "brand-a", handlerScope: "billing" };
    await expect(handleOnce(db, key, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await handleOnce(db, key, addNote("retried"))).toBe(true);
  });
});
