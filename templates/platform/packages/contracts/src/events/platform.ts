import { z } from "zod";

// Published by a service's smoke test through its outbox to prove, per stage, that events reach the bus (SVC-DEP-06).
export const heartbeat = z.object({
  service: z.string().min(1),
  stage: z.string().min(1),
  sentAt: z.iso.datetime(),
});
