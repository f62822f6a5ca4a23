import { serve } from "@hono/node-server";
import { PGlite } from "@electric-sql/pglite";
import {
  type Db,
  fromPGlite,
  fromPgPool,
  log,
  pgPool,
  publishPending,
  runMigrations,
  safeView,
  type OutboxEvent,
} from "@platform/service-kit";
import { fileURLToPath } from "node:url";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { deliver } from "./subscriptions";
import { startServiceTelemetry } from "./telemetry";

const OUTBOX_POLL_MS = 1_000;

const config = loadConfig(process.env);
const telemetry = startServiceTelemetry(config);

// Deployed stages connect to Postgres at DATABASE_URL (the stage's SST secret); a local run without one keeps its data
// in an embedded PGlite under ./.pglite.
async function openDatabase(url: string | undefined): Promise<{ db: Db; close: () => Promise<void> }> {
  if (url) {
    const pool = pgPool({ connectionString: url });
    // A pooled connection that drops while idle is reported here; without a listener it would end the process.
    pool.on("error", (error) => log.error("idle connection failed", safeView({ error: error.name }, ["error"])));
    return { db: fromPgPool(pool), close: () => pool.end() };
  }
  const pglite = await PGlite.create("./.pglite");
  return { db: fromPGlite(pglite), close: () => pglite.close() };
}

const { db, close: closeDatabase } = await openDatabase(config.databaseUrl);
await runMigrations(db, fileURLToPath(new URL("../migrations", import.meta.url)));

// The local outbox relay hands committed events to this service's own subscriptions. It delivers after
// publishPending() commits: PGlite has one connection, so a handler's transaction cannot run inside the relay's.
async function relayOutbox(): Promise<void> {
  const published: OutboxEvent[] = [];
  await publishPending(db, async (event) => void published.push(event));
  for (const event of published) await deliver(db, event);
}
const relay = setInterval(() => {
  // Only the error's class: its message may quote a row, and rows can hold PHI.
  relayOutbox().catch((error: unknown) =>
    log.error("outbox relay failed", safeView({ error: error instanceof Error ? error.name : "unknown" }, ["error"])),
  );
}, OUTBOX_POLL_MS);

const server = serve({ fetch: createApp({ db, authSecret: config.authSecret }).fetch, port: config.port }, (info) =>
  log.info("listening", { port: info.port, stage: config.stage }),
);

process.on("SIGTERM", () => {
  clearInterval(relay);
  server.close(async () => {
    await closeDatabase();
    await telemetry.shutdown();
  });
});
