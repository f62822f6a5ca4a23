import { problem } from "@platform/service-kit";
import type { Context } from "hono";
import { z } from "zod";

/** zValidator hook: a failed validation becomes a 400 `invalid_request` problem naming the bad fields. */
export function badRequest(result: { success: true } | { success: false; error: z.core.$ZodError }, c: Context) {
  if (!result.success) return problem(c, 400, "invalid_request", z.prettifyError(result.error));
}
