-- scaffold: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_unpublished_seq_idx ON outbox (seq) WHERE published_at IS NULL;
