-- service-kit's OUTBOX_SEQ_SQL: the outbox delivers events in the order of this sequence number.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '30s';
CREATE SEQUENCE outbox_seq;
ALTER TABLE outbox ADD COLUMN seq bigint;
ALTER TABLE outbox ALTER COLUMN seq SET DEFAULT nextval('outbox_seq');
ALTER SEQUENCE outbox_seq OWNED BY outbox.seq;
