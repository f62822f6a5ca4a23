export { audit } from "./audit";
export { limitBody, MAX_BODY_BYTES } from "./body-limit";
export { type AuthClaims, authenticate, signToken, VERIFIED_TOKENS_KEPT } from "./auth";
export { requireBaa, requireScope } from "./authorize";
export { withCircuitBreaker } from "./circuit-breaker";
export { type Db, fromPGlite, fromPgPool, pgPool } from "./db";
export type { AppEnv, AuthEnv, TxEnv } from "./env";
export { idempotency } from "./idempotency";
export { handleOnce } from "./inbox";
export { type JobResult, type JobRun, runJobWork } from "./jobs";
export { log, safeView } from "./log";
export { MIGRATION_LOCK_ID, NO_TRANSACTION_MARKER, runMigrations } from "./migrations";
export {
  type Introspection,
  OAuthTestServer,
  oauthAuthorizationCode,
  type RegisteredClients,
  TEST_REDIRECT_URI,
  type TokenResponse,
} from "./oauth";
export {
  enqueue,
  type OutboxEvent,
  type OutboxRelay,
  publishPending,
  RELAY_BATCH_SIZE,
  startOutboxRelay,
} from "./outbox";
export { OUTBOX_SEQ_SQL, PLATFORM_TABLES_SQL } from "./platform-tables";
export { clientErrorCode, problem } from "./problem";
export { type RateLimit, rateLimit, type RateWindow } from "./rate-limit";
export { startTelemetry } from "./telemetry";
export { transactional } from "./transactional";
