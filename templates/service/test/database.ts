import { fileURLToPath } from "node:url";
import { runMigrations } from "@platform/service-kit";
import { type PGliteSnapshots, pgliteSnapshots } from "@platform/service-kit/testing";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshots: PGliteSnapshots;
  }
}

// vitest's globalSetup (vitest.config.ts): initdb and this service's migrations run once a run; each test file
// starts its PGlite from the saved data directory (startTestDb in ./helpers).
export default pgliteSnapshots((db) => runMigrations(db, MIGRATIONS_DIR));
