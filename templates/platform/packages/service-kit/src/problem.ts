import { PLATFORM_ERROR_CODES, type PlatformErrorCode } from "@platform/contracts";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

// The platform's code for a client error status that Hono raised itself (an HTTPException): the first code
// PLATFORM_ERROR_CODES lists for that status, else invalid_request.
export function clientErrorCode(status: number): PlatformErrorCode {
  const codes = Object.keys(PLATFORM_ERROR_CODES) as PlatformErrorCode[];
  return codes.find((code) => PLATFORM_ERROR_CODES[code].status === status) ?? "invalid_request";
}

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
