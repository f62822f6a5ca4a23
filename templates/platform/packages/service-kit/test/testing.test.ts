import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import type { Db } from "../src";
import { type PGliteSnapshots, pgliteSnapshots, startPGlite } from "../src/testing";

it("snapshots the database before and after the migrations, and removes both at teardown", async () => {
  let provided: PGliteSnapshots | undefined;
  const project = { provide: (_key: "pgliteSnapshots", value: PGliteSnapshots) => void (provided = value) };
  const migrate = (db: Db) => db.query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");

  const teardown = await pgliteSnapshots(migrate)(project);
  const snapshots = provided!;

  const migrated = await startPGlite(snapshots.migrated);
  await migrated.query("INSERT INTO notes VALUES (1, 'kept apart')");
  expect((await migrated.query("SELECT body FROM notes")).rows).toEqual([{ body: "kept apart" }]);
  const again = await startPGlite(snapshots.migrated);
  expect((await again.query("SELECT count(*)::int AS n FROM notes")).rows).toEqual([{ n: 0 }]);
  const fresh = await startPGlite(snapshots.fresh);
  expect((await fresh.query("SELECT to_regclass('notes') AS t")).rows).toEqual([{ t: null }]);
  await Promise.all([migrated.close(), again.close(), fresh.close()]);

  await teardown();
  expect(existsSync(snapshots.migrated) || existsSync(snapshots.fresh)).toBe(false);
});
