import { withCircuitBreaker } from "@platform/service-kit";

// No call to the platform waits longer than this: a hung connection must not hold a request (or a token-row
// lock) open indefinitely.
export const TIMEOUT_MS = 10_000;

export type Send = (send: typeof fetch, url: URL, init: RequestInit) => Promise<Response>;

// A 5xx answer: thrown inside the breaker so it counts as a failure, unwrapped again for the caller.
class ServerFailure extends Error {
  constructor(readonly response: Response) {
    super(`server answered ${response.status}`);
  }
}

// One circuit breaker per origin (the identity service, each platform API): when one is failing, calls to it fail
// fast instead of piling up, and the others are unaffected. Only platform origins get here, so the map stays small.
// Tests make their own so no breaker state leaks between them.
export function circuitBreakers(options: { volumeThreshold?: number } = {}): (origin: string) => Send {
  const breakers = new Map<string, Send>();
  return (origin) => {
    let breaker = breakers.get(origin);
    if (!breaker) {
      const send: Send = async (doFetch, url, init) => {
        const response = await doFetch(url, init);
        if (response.status >= 500) throw new ServerFailure(response);
        return response;
      };
      // AbortSignal.timeout cancels the request itself, so the breaker's own timer is not needed; a breaker opens
      // only after enough calls in its window to tell an outage from one unlucky request.
      breaker = withCircuitBreaker(`loop ${origin}`, send, { timeout: false, volumeThreshold: options.volumeThreshold ?? 10 });
      breakers.set(origin, breaker);
    }
    return breaker;
  };
}

const processBreakers = circuitBreakers();

export type OutboundDeps = {
  fetch?: typeof fetch;
  timeoutMs?: number;
  breakers?: (origin: string) => Send;
};

// Every request this integration makes goes through here: a timeout, the origin's circuit breaker, and no
// redirects followed (a redirect could carry the request, and its credentials, to another host).
export async function send(deps: OutboundDeps, url: URL, init: RequestInit): Promise<Response> {
  const breaker = (deps.breakers ?? processBreakers)(url.origin);
  const signal = AbortSignal.timeout(deps.timeoutMs ?? TIMEOUT_MS);
  try {
    return await breaker(deps.fetch ?? fetch, url, { ...init, signal, redirect: "error" });
  } catch (error) {
    if (error instanceof ServerFailure) return error.response;
    throw error;
  }
}

// opossum rejects with this code while the breaker is open.
export function isBreakerOpen(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "EOPENBREAKER";
}
