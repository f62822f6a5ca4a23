import { randomUUID } from "node:crypto";
import { backoffDelay, MAX_RETRY_AFTER_MS, retryAfterMs, sleep } from "./backoff";
import { isPlatformOrigin, platformUrl } from "./config";
import { PlatformApiError, toPlatformError } from "./errors";
import { log } from "./log";
import { OAuthError, type OAuthDeps } from "./oauth";
import { isBreakerOpen, send } from "./outbound";
import { currentAccessToken, type TokenStore } from "./tokens";

export type PlatformClientDeps = OAuthDeps & {
  tokens: TokenStore;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

export type PlatformRequest = { service: string; path: string; method?: string; body?: unknown; idempotencyKey?: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// Calls a platform API as `userId`: refreshes an expired token once, retries rate-limited, unavailable and
// unreachable answers with jittered backoff that honours Retry-After, and turns every other problem into a
// PlatformApiError carrying its reaction (INT-06, INT-07). Only the platform's own hosts ever see the token.
export async function callPlatform(deps: PlatformClientDeps, userId: string, request: PlatformRequest): Promise<unknown> {
  // Throws before any token is read when the service or path would lead anywhere but the platform.
  const url = platformUrl(request.service, request.path, deps.stage);
  const method = (request.method ?? "GET").toUpperCase();
  // A change is retried with the same key, so the platform applies it once however many attempts reach it.
  const idempotencyKey = request.idempotencyKey ?? (SAFE_METHODS.has(method) ? undefined : randomUUID());
  const maxAttempts = deps.maxAttempts ?? 5;
  let refreshed = false;
  let forceRefresh = false;
  for (let attempt = 0; ; attempt++) {
    const accessToken = await currentAccessToken(deps, deps.tokens, userId, { force: forceRefresh });
    forceRefresh = false;
    if (!accessToken) {
      throw new PlatformApiError(401, "unauthorized", "the user has not connected this integration");
    }
    if (!isPlatformOrigin(url, deps.stage)) throw new Error(`refusing to send a platform token to ${url.origin}`);
    const headers = new Headers({ authorization: `Bearer ${accessToken}`, accept: "application/json" });
    if (request.body !== undefined) headers.set("content-type", "application/json");
    if (idempotencyKey) headers.set("idempotency-key", idempotencyKey);

    let response: Response;
    try {
      response = await send(deps, url, {
        method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
    } catch (cause) {
      // Unreachable or too slow: retried like a 503, except while the breaker says the service is down.
      const error = new PlatformApiError(503, "unavailable", isBreakerOpen(cause) ? "circuit open" : String(cause));
      if (isBreakerOpen(cause) || attempt + 1 >= maxAttempts) {
        log.error("platform call failed", { service: request.service, detail: error.detail });
        throw error;
      }
      await (deps.sleep ?? sleep)(backoffDelay(attempt, null, { random: deps.random }));
      continue;
    }
    if (response.ok) return response.status === 204 ? undefined : response.json();

    const error = await toPlatformError(response);
    const { action } = error.reaction;
    if (action === "refresh" && !refreshed) {
      refreshed = forceRefresh = true;
      continue;
    }
    const retryAfter = retryAfterMs(response);
    // A server asking for more than the cap is not waited for here: the caller gets the error and can reschedule.
    if (action === "retry" && attempt + 1 < maxAttempts && (retryAfter ?? 0) <= MAX_RETRY_AFTER_MS) {
      const delay = backoffDelay(attempt, retryAfter, { random: deps.random });
      log.warn("platform call will be retried", { service: request.service, status: error.status, code: error.code, delay });
      await (deps.sleep ?? sleep)(delay);
      continue;
    }
    log.error("platform call failed", { service: request.service, status: error.status, code: error.code });
    throw error;
  }
}

export function mustReconnect(error: unknown): boolean {
  return (
    (error instanceof OAuthError && error.needsReauthorization) ||
    (error instanceof PlatformApiError && ["refresh", "reauthorize"].includes(error.reaction.action))
  );
}
