import { type Db, fromPGlite } from "@platform/service-kit";
import { pgliteFrom } from "@platform/service-kit/testing";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";

// A test key: in a deployment the key comes from the platform's secrets (tokenKeyFrom()).
export const TOKEN_KEY = Buffer.alloc(32, 7);

// One in-process Postgres per test file, started already migrated (test/database.ts), emptied before each test.
export function useTestDb(): Db {
  const pg = pgliteFrom(inject("pgliteSnapshots").migrated);
  const db = fromPGlite(pg);
  beforeAll(async () => {
    await pg.waitReady;
  });
  beforeEach(async () => {
    await db.query("TRUNCATE integration_oauth_flows, integration_tokens, integration_webhook_deliveries");
  });
  afterAll(async () => {
    await pg.close();
  });
  return db;
}
