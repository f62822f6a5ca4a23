import { serve } from "@hono/node-server";
import { PGlite } from "@electric-sql/pglite";
import { fromPGlite, log, publishPending, runMigrations, safeView, type OutboxEvent } from "@platform/service-kit";
import { fileURLToPath } from "node:url";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { deliver } from "./subscriptions";
import { startServiceTelemetry } from "./telemetry";

const OUTBOX_POLL_MS = 1_000;

const config = loadConfig(process.env);
const telemetry = startServiceTelemetry(config);

// service-kit adapts PGlite only; deployed stages need its Postgres adapter for config.databaseUrl.
const pg = await PGlite.create(config.stage === "local" ? "./.pglite" : undefined);
const db = fromPGlite(pg);
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
    await pg.close();
    await telemetry.shutdown();
  });
});
