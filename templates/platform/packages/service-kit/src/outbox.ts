import { randomUUID } from "node:crypto";
import { EVENT_SCHEMAS, type EventName } from "@platform/contracts";
import type { Db } from "./db";

export type OutboxEvent = { id: string; name: EventName; brandId: string; payload: unknown; createdAt: Date };

const PUBLISH_BATCH_SIZE = 100;

// Validates the payload against EVENT_SCHEMAS and stores it in the outbox, in the caller's transaction so the event
// exists exactly when the state change commits (SVC-EV-03). Returns the event id. Throws a ZodError when invalid.
export async function enqueue(tx: Db, event: { name: EventName; brandId: string; payload: unknown }): Promise<string> {
  const payload = EVENT_SCHEMAS[event.name].parse(event.payload);
  const id = randomUUID();
  await tx.query("INSERT INTO outbox (id, brand_id, event_name, payload) VALUES ($1, $2, $3, $4)", [
    id,
    event.brandId,
    event.name,
    JSON.stringify(payload),
  ]);
  return id;
}

type OutboxRow = { id: string; brand_id: string; event_name: EventName; payload: unknown; created_at: Date };

// Publishes a batch of unpublished events in the order they were enqueued (the outbox's seq); concurrent publishers
// skip each other's rows. If publish() throws, the batch's marks roll back and those events go out again later:
// consumers dedupe with handleOnce().
export function publishPending(db: Db, publish: (event: OutboxEvent) => Promise<void>): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<OutboxRow>(
      `SELECT id, brand_id, event_name, payload, created_at FROM outbox
        WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [PUBLISH_BATCH_SIZE],
    );
    for (const row of rows) {
      await publish({
        id: row.id,
        name: row.event_name,
        brandId: row.brand_id,
        payload: row.payload,
        createdAt: row.created_at,
      });
    }
    // One statement marks the batch: the marks commit together whether written one by one or at once.
    if (rows.length > 0) {
      await tx.query("UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])", [rows.map((row) => row.id)]);
    }
    return rows.length;
  });
}
