import type { z } from "zod";
// scaffold:event-family-imports (one import per family file, sorted)
import * as platform from "./platform";

// Every event the platform publishes, by name (`family.what_happened`). SVC-EV-01 / EVT-02.
export const EVENT_SCHEMAS = {
  "platform.heartbeat": platform.heartbeat,
} as const satisfies Record<string, z.ZodType>;
export type EventName = keyof typeof EVENT_SCHEMAS;
