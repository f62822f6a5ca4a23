import { serve } from "@hono/node-server";
import { PGlite } from "@electric-sql/pglite";
import {
  type Db,
  fromPGlite,
  fromPgPool,
  log,
  pgPool,
  runMigrations,
  safeView,
  startOutboxRelay,
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

// The outbox relay hands committed events to this service's own subscriptions, in order, as fast as they come; each
// handler writes in the relay's transaction, so an event counts as delivered exactly when its effects are stored.
const relay = startOutboxRelay(db, deliver, {
  pollMs: OUTBOX_POLL_MS,
  // Only the error's class: its message may quote a row, and rows can hold PHI.
  onError: (error) =>
    log.error("outbox relay failed", safeView({ error: error instanceof Error ? error.name : "unknown" }, ["error"])),
});

const server = serve({ fetch: createApp({ db, authSecret: config.authSecret }).fetch, port: config.port }, (info) =>
  log.info("listening", { port: info.port, stage: config.stage }),
);

process.on("SIGTERM", () => {
  server.close(async () => {
    await relay.stop();
    await closeDatabase();
    await telemetry.shutdown();
  });
});
