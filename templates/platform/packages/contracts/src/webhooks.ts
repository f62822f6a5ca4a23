import type { EventName } from "./events/registry";

// User-facing events that third-party apps may subscribe to as webhooks (EVT-07). One `"family.event",` per line.
export const WEBHOOK_EVENT_FILTERS = [
] as const satisfies readonly EventName[];

export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];
