// The tables service-kit writes to. Every service creates them in its first migration; each is brand-scoped
// (SVC-CODE-06) with an index that leads with brand_id (SVC-DB-04). OUTBOX_SEQ_SQL follows in a later migration.
export const PLATFORM_TABLES_SQL = `
CREATE TABLE audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  brand_id text NOT NULL,
  actor text NOT NULL,
  event_type text NOT NULL,
  resource_id text,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_brand_id_created_at_idx ON audit_log (brand_id, created_at);

CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  brand_id text NOT NULL,
  event_name text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_brand_id_created_at_idx ON outbox (brand_id, created_at);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;

CREATE TABLE idempotency_keys (
  brand_id text NOT NULL,
  key text NOT NULL,
  request text NOT NULL,
  response_status integer NOT NULL,
  response_body text NOT NULL,
  response_content_type text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (brand_id, key)
);

CREATE TABLE processed_events (
  event_id text NOT NULL,
  handler_scope text NOT NULL,
  brand_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, handler_scope)
);
CREATE INDEX processed_events_brand_id_processed_at_idx ON processed_events (brand_id, processed_at);
`;

// The outbox's delivery order: a sequence number per event, taken at insert. created_at cannot order events: now() is
// the transaction's start, the same for every event one transaction writes. An expand step that every service runs
// as its own migration (0004_add_outbox_seq.sql): a nullable column, then a default, so the table is not rewritten;
// rows from before it are numbered by a later migration. SET LOCAL: the timeouts end with the migration's transaction
// instead of staying on a pooled connection.
export const OUTBOX_SEQ_SQL = `
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '30s';
CREATE SEQUENCE outbox_seq;
ALTER TABLE outbox ADD COLUMN seq bigint;
ALTER TABLE outbox ALTER COLUMN seq SET DEFAULT nextval('outbox_seq');
ALTER SEQUENCE outbox_seq OWNED BY outbox.seq;
`;
