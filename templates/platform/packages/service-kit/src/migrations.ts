import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "./db";

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// First line of a migration that must run outside a transaction: one statement such as
// `CREATE INDEX CONCURRENTLY IF NOT EXISTS ...`, which Postgres refuses inside one. Write it idempotently: it is
// recorded only after it succeeds.
export const NO_TRANSACTION_MARKER = "-- scaffold: no-transaction";

// Applies every `NNNN_<what>.sql` in `dir` not yet recorded in schema_migrations, in order, one transaction each
// (or none, for a file that starts with NO_TRANSACTION_MARKER). Returns the files it applied.
export async function runMigrations(db: Db, dir: string): Promise<string[]> {
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
