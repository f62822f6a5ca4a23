// Every error code a platform API returns, in the `code` field of an RFC 7807 problem body (INT-06).
export const PLATFORM_ERROR_CODES = {
  invalid_request: { status: 400, description: "The request body, query or headers are invalid." },
  idempotency_key_required: { status: 400, description: "Mutations need an Idempotency-Key header." },
  unauthorized: { status: 401, description: "The bearer token is missing, expired or invalid." },
  insufficient_scope: { status: 403, description: "The token lacks a scope this operation requires." },
  baa_required: { status: 403, description: "This operation returns PHI and needs a signed BAA." },
  not_found: { status: 404, description: "The resource does not exist for this brand." },
  conflict: { status: 409, description: "The request conflicts with the current state or an earlier request." },
  payload_too_large: { status: 413, description: "The request body is larger than the API accepts (1 MiB)." },
  idempotency_key_reused: { status: 422, description: "This Idempotency-Key was sent with another request." },
  rate_limited: { status: 429, description: "Too many requests; retry after the Retry-After delay." },
  internal: { status: 500, description: "An unexpected error; it has been logged." },
  unavailable: { status: 503, description: "A dependency is unavailable; retry with backoff." },
} as const satisfies Record<string, { status: number; description: string }>;

export type PlatformErrorCode = keyof typeof PLATFORM_ERROR_CODES;
