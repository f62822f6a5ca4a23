import type { Db } from "./db";

// Runs fn at most once per (eventId, handlerScope) (SVC-EV-04): the processed_events row and fn's writes commit
// together, so a redelivered event, or a crash half-way, never applies twice. Returns whether fn ran.
export function handleOnce(
  db: Db,
  key: { eventId: string; handlerScope: string; brandId: string },
  fn: (tx: Db) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO processed_events (event_id, handler_scope, brand_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [key.eventId, key.handlerScope, key.brandId],
    );
    if (rows.length === 0) return false;
    await fn(tx);
    return true;
  });
}
