import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./env";
import { problem } from "./problem";

// The largest request body a platform API reads: 1 MiB (a JSON resource is a few kilobytes).
export const MAX_BODY_BYTES = 1024 * 1024;

// Refuses a larger body with 413 payload_too_large before anything reads it: by its Content-Length when sent (HTTP
// framing then holds the body to that length), else while the body streams in, so a client cannot make the service
// buffer an unbounded upload. The Content-Length case reads headers only: asking for the request's body stream here
// would make @hono/node-server build a full web Request for every request, and the JSON body could no longer be read
// straight from the socket (a tenth of a create's CPU under load).
export function limitBody(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context<AppEnv>) =>
    problem(c, 413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header("Content-Length");
    if (length !== undefined && c.req.header("Transfer-Encoding") === undefined) {
      if (!/^\d+$/.test(length)) return problem(c, 400, "invalid_request", "Content-Length is not a number of bytes.");
      return Number(length) > maxBytes ? tooLarge(c) : next();
    }
    return streamed(c, next);
  };
}
