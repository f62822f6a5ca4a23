import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "./db";

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// First line of a migration that must run outside a transaction: one statement such as
// `CREATE INDEX CONCURRENTLY IF NOT EXISTS ...`, which Postgres refuses inside one. Write it idempotently: it is
// recorded only after it succeeds.
export const NO_TRANSACTION_MARKER = "-- scaffold: no-transaction";

// Taken by every instance of a service before it migrates: a second instance starting at the same time waits, then
// finds the work done. Any constant will do; each service has its own database.
export const MIGRATION_LOCK_ID = 4_216_001;
const LOCK_POLL_MS = 250;

// Applies every `NNNN_<what>.sql` in `dir` not yet recorded in schema_migrations, in order, one transaction each
// (or none, for a file that starts with NO_TRANSACTION_MARKER), holding MIGRATION_LOCK_ID. Returns the files it
// applied.
export function runMigrations(db: Db, dir: string): Promise<string[]> {
  return db.withConnection(async (connection) => {
    // Polled, not awaited with pg_advisory_lock(): a session blocked inside that call holds a snapshot, and a
    // CREATE INDEX CONCURRENTLY run by the lock's holder waits for every older snapshot to end, a deadlock.
    while (!(await tryLock(connection))) await sleep(LOCK_POLL_MS);
    try {
      return await applyPending(connection, dir);
    } finally {
      await connection.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    }
  });
}

async function tryLock(connection: Db): Promise<boolean> {
  const { rows } = await connection.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
    MIGRATION_LOCK_ID,
  ]);
  return rows[0]?.locked === true;
}

async function applyPending(db: Db, dir: string): Promise<string[]> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const { rows } = await db.query<{ name: string }>("SELECT name FROM schema_migrations");
  const applied = new Set(rows.map((row) => row.name));
  const pending = (await readdir(dir)).filter((file) => MIGRATION_FILE.test(file) && !applied.has(file)).sort();

  for (const file of pending) {
    const sql = await readFile(join(dir, file), "utf8");
    if (sql.startsWith(NO_TRANSACTION_MARKER)) {
      await db.query(sql);
      await db.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file]);
      continue;
    }
    await db.transaction(async (tx) => {
      await tx.query(sql);
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file]);
    });
  }
  return pending;
}
