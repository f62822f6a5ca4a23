import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { WEBHOOK_EVENTS } from "./config";
import { log } from "./log";

// The platform signs each delivery: `x-platform-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
// Several v1 entries appear while the platform rotates the signing secret.
export const SIGNATURE_HEADER = "x-platform-signature";
// Deliveries older (or newer) than this are refused, so a captured delivery cannot be replayed later (INT-05).
export const TOLERANCE_SECONDS = 300;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
export type WebhookDelivery = { id: string; name: WebhookEventName; brand_id: string; occurred_at: string; payload: unknown };
export type Verification = { ok: true } | { ok: false; reason: "malformed" | "stale" | "mismatch" };

function hmac(secret: string, timestamp: number, body: string): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
}

// The header the platform would send; tests and local replays use it.
export function signDelivery(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body).toString("hex")}`;
}

export function verifySignature(secret: string, header: string | undefined, body: string, now = Date.now()): Verification {
  const parts = (header ?? "").split(",").map((part) => part.trim().split("="));
  const timestamp = Number(parts.find(([key]) => key === "t")?.[1]);
  const candidates = parts.filter(([key, value]) => key === "v1" && value && /^[0-9a-f]+$/i.test(value));
  if (!Number.isInteger(timestamp) || candidates.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(Math.floor(now / 1000) - timestamp) > TOLERANCE_SECONDS) return { ok: false, reason: "stale" };
  const expected = hmac(secret, timestamp, body);
  for (const [, hex] of candidates) {
    const candidate = Buffer.from(hex ?? "", "hex");
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true };
  }
  return { ok: false, reason: "mismatch" };
}

function isSubscribed(name: unknown): name is WebhookEventName {
  return (WEBHOOK_EVENTS as readonly unknown[]).includes(name);
}

// POST /webhooks/platform: verifies the signature on the raw body before parsing it, then hands subscribed
// events to `onEvent`. Deliveries are retried by the platform, so `onEvent` must be idempotent by `delivery.id`.
export function webhookRoutes(deps: {
  secret: string;
  onEvent: (delivery: WebhookDelivery) => Promise<void>;
  now?: () => number;
}): Hono {
  const app = new Hono();
  app.post("/webhooks/platform", async (c) => {
    const body = await c.req.text();
    const verification = verifySignature(deps.secret, c.req.header(SIGNATURE_HEADER), body, (deps.now ?? Date.now)());
    if (!verification.ok) {
      log.warn("webhook refused", { reason: verification.reason });
      return c.json({ error: "invalid signature" }, 401);
    }
    const delivery = JSON.parse(body) as WebhookDelivery;
    if (!isSubscribed(delivery.name)) return c.body(null, 204);
    await deps.onEvent(delivery);
    return c.body(null, 204);
  });
  return app;
}
