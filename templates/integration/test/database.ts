import { type PGliteSnapshots, pgliteSnapshots } from "@platform/service-kit/testing";
import { migrate } from "../src/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshots: PGliteSnapshots;
  }
}

// vitest's globalSetup (vitest.config.ts): initdb and the integration's migrations run once a run; each test file
// starts its PGlite from the saved data directory (useTestDb in ./db).
export default pgliteSnapshots(migrate);
