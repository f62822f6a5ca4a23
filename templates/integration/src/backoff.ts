export type BackoffOptions = { baseMs?: number; maxMs?: number; random?: () => number };

const DEFAULT_BASE_MS = 500;
const DEFAULT_MAX_MS = 60_000;
// The longest Retry-After a caller waits for in-line; a longer one is handed back to the caller as the error.
export const MAX_RETRY_AFTER_MS = 60_000;

// Exponential backoff with jitter (half fixed, half random) so clients throttled together do not retry in
// lockstep; never sooner than the server's Retry-After (INT-07), which is capped at MAX_RETRY_AFTER_MS.
export function backoffDelay(attempt: number, retryAfterMs: number | null, options: BackoffOptions = {}): number {
  const random = options.random ?? (() => Math.random());
  const exponential = Math.min(options.maxMs ?? DEFAULT_MAX_MS, (options.baseMs ?? DEFAULT_BASE_MS) * 2 ** attempt);
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  return Math.max(Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS), jittered);
}

// Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored.
export function retryAfterMs(response: Response, now: number = Date.now()): number | null {
  const value = response.headers.get("retry-after");
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
