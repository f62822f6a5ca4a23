import { PLATFORM_ERROR_CODES, type PlatformErrorCode } from "@platform/contracts";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

// An RFC 7807 problem response whose `code` is one of PLATFORM_ERROR_CODES.
export function problem(c: Context, status: ContentfulStatusCode, code: PlatformErrorCode, detail: string): Response {
  const body = {
    type: `https://docs.platform.loop.health/errors/${code}`,
    title: PLATFORM_ERROR_CODES[code].description,
    status,
    code,
    detail,
  };
  return c.json(body, status, { "Content-Type": "application/problem+json" });
}
