-- Sign-ins in progress (RFC 9700 §2.1, §4.7): each `state` is used once, by the user who started the flow, within
-- minutes. The signed cookie carries only flow_id; the PKCE verifier is sealed like the tokens.
CREATE TABLE integration_oauth_flows (
  flow_id text PRIMARY KEY,
  user_id text NOT NULL,
  state text NOT NULL,
  sealed_verifier text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX integration_oauth_flows_expires_at_idx ON integration_oauth_flows (expires_at);

-- Each user's token set, sealed with AES-256-GCM under INTEGRATION_TOKEN_KEY.
CREATE TABLE integration_tokens (
  user_id text PRIMARY KEY,
  sealed text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Webhook deliveries already accepted: a retried or replayed delivery id is acknowledged, never handled twice.
CREATE TABLE integration_webhook_deliveries (
  delivery_id text PRIMARY KEY,
  brand_id text NOT NULL,
  event_name text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_webhook_deliveries_brand_id_received_at_idx ON integration_webhook_deliveries (brand_id, received_at);
