import CircuitBreaker from "opossum";
import { log } from "./log";

// Wraps a vendor call (SVC-CODE-10): after repeated failures the breaker opens and calls fail fast until it has
// cooled down. Defaults: 10 s timeout, open at 50 % errors, retry after 30 s.
export function withCircuitBreaker<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => Promise<R>,
  opts: CircuitBreaker.Options<A> = {},
): (...args: A) => Promise<R> {
  const breaker = new CircuitBreaker(fn, {
    name,
    timeout: 10_000,
    errorThresholdPercentage: 50,
    resetTimeout: 30_000,
    ...opts,
  });
  breaker.on("open", () => log.warn("circuit breaker opened", { breaker: name }));
  breaker.on("close", () => log.info("circuit breaker closed", { breaker: name }));
  return (...args) => breaker.fire(...args);
}
