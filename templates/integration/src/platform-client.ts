import { backoffDelay, retryAfterMs, sleep } from "./backoff";
import { apiUrl } from "./config";
import { PlatformApiError, toPlatformError } from "./errors";
import { log } from "./log";
import { OAuthError, type OAuthDeps } from "./oauth";
import { currentAccessToken, type TokenStore } from "./tokens";

export type PlatformClientDeps = OAuthDeps & {
  tokens: TokenStore;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

// Calls a platform API as `userId`: refreshes an expired token once, retries rate-limited and unavailable
// answers with jittered backoff that honours Retry-After, and turns every other problem into a PlatformApiError
// carrying its reaction (INT-06, INT-07).
export async function callPlatform(
  deps: PlatformClientDeps,
  userId: string,
  request: { service: string; path: string; method?: string; body?: unknown; idempotencyKey?: string },
): Promise<unknown> {
  const maxAttempts = deps.maxAttempts ?? 5;
  let refreshed = false;
  let forceRefresh = false;
  for (let attempt = 0; ; attempt++) {
    const accessToken = await currentAccessToken(deps, deps.tokens, userId, { force: forceRefresh });
    forceRefresh = false;
    if (!accessToken) {
      throw new PlatformApiError(401, "unauthorized", "the user has not connected this integration");
    }
    const headers = new Headers({ authorization: `Bearer ${accessToken}`, accept: "application/json" });
    if (request.body !== undefined) headers.set("content-type", "application/json");
    if (request.idempotencyKey) headers.set("idempotency-key", request.idempotencyKey);
    const response = await (deps.fetch ?? fetch)(new URL(request.path, apiUrl(request.service, deps.stage)), {
      method: request.method ?? "GET",
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    if (response.ok) return response.status === 204 ? undefined : response.json();

    const error = await toPlatformError(response);
    const { action } = error.reaction;
    if (action === "refresh" && !refreshed) {
      refreshed = forceRefresh = true;
      continue;
    }
    if (action === "retry" && attempt + 1 < maxAttempts) {
      const delay = backoffDelay(attempt, retryAfterMs(response), { random: deps.random });
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
