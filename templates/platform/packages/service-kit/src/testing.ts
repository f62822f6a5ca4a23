// Test support for services and integrations (`@platform/service-kit/testing`; vitest only, never imported by
// src/): one PGlite runs initdb and the caller's migrations once per vitest run (globalSetup), its data directory
// is saved before and after, and each test file starts a PGlite of its own from a copy (~0.4 s) instead of running
// initdb and every migration again (~3 s of CPU a file, what pushed setup hooks past their timeout on a busy
// 2-core runner).
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type Db, fromPGlite } from "./db";

/** Data directories (tar files): `fresh` after initdb only, `migrated` after the caller's migrations. */
export type PGliteSnapshots = { fresh: string; migrated: string };

/**
 * What the globalSetup needs of vitest's TestProject. The caller declares the key for its own vitest (each package
 * may resolve a vitest of its own, which a declaration here would not reach):
 *   declare module "vitest" { interface ProvidedContext { pgliteSnapshots: PGliteSnapshots } }
 */
export type SnapshotProject = { provide(key: "pgliteSnapshots", value: PGliteSnapshots): void };

async function saveDataDir(pg: PGlite, file: string): Promise<void> {
  await writeFile(file, Buffer.from(await (await pg.dumpDataDir("none")).arrayBuffer()));
}

/** A vitest globalSetup that makes both snapshots and provides their paths as `pgliteSnapshots`. */
export function pgliteSnapshots(migrate: (db: Db) => Promise<unknown>) {
  return async function setup(project: SnapshotProject): Promise<() => Promise<void>> {
    const folder = await mkdtemp(join(tmpdir(), "pglite-snapshots-"));
    const pg = await PGlite.create();
    try {
      const snapshots: PGliteSnapshots = { fresh: join(folder, "fresh.tar"), migrated: join(folder, "migrated.tar") };
      await saveDataDir(pg, snapshots.fresh);
      await migrate(fromPGlite(pg));
      await saveDataDir(pg, snapshots.migrated);
      project.provide("pgliteSnapshots", snapshots);
    } finally {
      await pg.close();
    }
    return () => rm(folder, { recursive: true, force: true });
  };
}

/** A PGlite of its own from a snapshot file (`inject("pgliteSnapshots").migrated` or `.fresh`); await `waitReady`. */
export function pgliteFrom(snapshot: string): PGlite {
  return new PGlite({ loadDataDir: new Blob([readFileSync(snapshot)]) });
}

/** `pgliteFrom`, started. */
export async function startPGlite(snapshot: string): Promise<PGlite> {
  const pg = pgliteFrom(snapshot);
  await pg.waitReady;
  return pg;
}
