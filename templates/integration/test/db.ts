import { PGlite } from "@electric-sql/pglite";
import { type Db, fromPGlite } from "@platform/service-kit";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { migrate } from "../src/migrate";

// A test key: in a deployment the key comes from the platform's secrets (tokenKeyFrom()).
export const TOKEN_KEY = Buffer.alloc(32, 7);

// One in-process Postgres per test file, migrated once, emptied before each test.
export function useTestDb(): Db {
  const pg = new PGlite();
  const db = fromPGlite(pg);
  beforeAll(async () => {
    await migrate(db);
  });
  beforeEach(async () => {
    await db.query("TRUNCATE integration_oauth_flows, integration_tokens, integration_webhook_deliveries");
  });
  afterAll(async () => {
    await pg.close();
  });
  return db;
}
