import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { problem } from "./problem";

export type RateWindow = "second" | "minute" | "hour" | "day";
export type RateLimit = { requests: number; per: RateWindow };

const WINDOW_MS: Record<RateWindow, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

// Callers whose windows one route keeps at most: past it, ended windows are dropped, then the oldest ones — memory
// stays bounded however many callers (or forged identities) arrive; a dropped caller simply starts a new window.
export const MAX_TRACKED_CALLERS = 10_000;

// The per-caller limit a third-party route declares; openapi.yaml states the same numbers as
// `x-platform-rate-limit` (EP-04). Counts live in this process: the gateway enforces the limit across instances,
// this keeps a single instance honest and gives callers the same 429 + Retry-After answer.
export function rateLimit(
  limit: RateLimit,
  now: () => number = Date.now,
  maxCallers: number = MAX_TRACKED_CALLERS,
): MiddlewareHandler<AppEnv> & { tracked: () => number } {
  if (!Number.isInteger(limit.requests) || limit.requests < 1) throw new Error("rateLimit: requests must be >= 1");
  const windowMs = WINDOW_MS[limit.per];
  const windows = new Map<string, { start: number; count: number }>();
  const evict = (at: number) => {
    for (const [key, window] of windows) {
      if (at - window.start >= windowMs) windows.delete(key);
    }
    for (const key of windows.keys()) {
      if (windows.size < maxCallers) break;
      windows.delete(key); // insertion order: the oldest window first
    }
  };
  const handler: MiddlewareHandler<AppEnv> = async (c, next) => {
    const auth = c.var.auth; // absent before authenticate(): the caller is then anonymous
    const key = `${auth?.brand_id ?? "-"}:${auth?.sub ?? "anonymous"}`;
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.start >= windowMs) {
      windows.delete(key);
      if (windows.size >= maxCallers) evict(at);
      window = { start: at, count: 0 }; // from the caller's first request: no clock boundary resets it early
      windows.set(key, window);
    }
    window.count += 1;
    const remaining = Math.max(0, limit.requests - window.count);
    c.header("RateLimit-Limit", String(limit.requests));
    c.header("RateLimit-Remaining", String(remaining));
    if (window.count > limit.requests) {
      c.header("Retry-After", String(Math.max(1, Math.ceil((window.start + windowMs - at) / 1000))));
      return problem(c, 429, "rate_limited", `At most ${limit.requests} requests per ${limit.per}.`);
    }
    await next();
  };
  return Object.assign(handler, { tracked: () => windows.size });
}
