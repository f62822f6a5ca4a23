import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./env";
import { problem } from "./problem";

// The largest request body a platform API reads: 1 MiB (a JSON resource is a few kilobytes).
export const MAX_BODY_BYTES = 1024 * 1024;

// Refuses a larger body with 413 payload_too_large before anything reads it: by its Content-Length when sent, else
// while the body streams in, so a client cannot make the service buffer an unbounded upload.
export function limitBody(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => problem(c, 413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`),
  });
}
