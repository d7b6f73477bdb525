-- What the store keeps beside runs: the cache, the audit log and the usage log. Applied by
-- migrate.ts with search_path set to the store's schema.
--
-- As in 001_init.sql: JSON as text, times (and latencies) as double precision, ids COLLATE "C".
-- No foreign keys to runs: audit and usage records outlive the runs they name (deleteRun leaves
-- them).

CREATE TABLE cache (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL,
  stored_at double precision NOT NULL,
  -- NULL: never expires.
  expires_at double precision
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at double precision NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  run_id text COLLATE "C",
  task_id text,
  outcome text NOT NULL,
  details text NOT NULL
);
CREATE INDEX audit_log_run ON audit_log (run_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE usage_log (
  id text COLLATE "C" PRIMARY KEY,
  at double precision NOT NULL,
  run_id text COLLATE "C" NOT NULL,
  task_id text NOT NULL,
  workflow text NOT NULL,
  -- The run's labels, a JSON object of strings; filtered with (labels::jsonb ->> key).
  labels text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_usd double precision NOT NULL,
  latency_ms double precision,
  quality double precision,
  cached boolean NOT NULL
);
CREATE INDEX usage_log_run ON usage_log (run_id);
CREATE INDEX usage_log_workflow ON usage_log (workflow, at);
CREATE INDEX usage_log_at ON usage_log (at);
