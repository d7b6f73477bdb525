-- The PostgreSQL store's tables. Applied by migrate.ts with search_path set to the store's schema.
--
-- JSON values are kept as text, not jsonb: text is written and read faster (measured on the journal
-- insert path), keeps the JSON exactly as the engine wrote it (key order, number spelling) and
-- accepts every string JSON can hold (jsonb rejects "\u0000"). Times are double precision: they
-- are JavaScript numbers (milliseconds since the epoch) and round-trip exactly, fractions included.
-- Ids compare bytewise (COLLATE "C"): they are keys, never sorted for people, and the indexes on
-- them are faster so.

CREATE TABLE runs (
  id text COLLATE "C" PRIMARY KEY,
  -- Insertion order: breaks ties between runs created in the same millisecond.
  seq_order bigserial NOT NULL,
  workflow_name text NOT NULL,
  workflow_version text NOT NULL,
  definition text NOT NULL,
  status text NOT NULL,
  inputs text NOT NULL,
  outputs text,
  error text,
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL,
  last_seq integer NOT NULL,
  owner text,
  lease_expires_at double precision
);
-- listRuns: newest first, with or without a status filter. (A workflow filter reads them newest
-- first too: an index of its own made every write of a run a third slower, measured.)
CREATE INDEX runs_created ON runs (created_at, seq_order);
CREATE INDEX runs_status_created ON runs (status, created_at, seq_order);
-- claimRuns: the runs that can be claimed, oldest first; finished runs are not in it.
CREATE INDEX runs_claimable ON runs (created_at, seq_order)
  WHERE status IN ('pending', 'running', 'paused');

CREATE TABLE journal (
  run_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  entry text NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE blobs (
  id text COLLATE "C" PRIMARY KEY,
  run_id text COLLATE "C" NOT NULL,
  json text NOT NULL
);
CREATE INDEX blobs_run ON blobs (run_id);

CREATE TABLE snapshots (
  run_id text COLLATE "C" PRIMARY KEY,
  seq integer NOT NULL,
  state text NOT NULL
);

CREATE TABLE controls (
  id bigserial PRIMARY KEY,
  run_id text COLLATE "C" NOT NULL,
  command text NOT NULL,
  requested_at double precision NOT NULL
);
CREATE INDEX controls_run ON controls (run_id, id);

CREATE TABLE definitions (
  hash text COLLATE "C" PRIMARY KEY,
  -- The source as JSON: a JSON string for YAML/JSON text, the document(s) otherwise.
  source text NOT NULL,
  workflow text NOT NULL
);

CREATE TABLE workflows (
  name text NOT NULL,
  version text NOT NULL,
  definition text NOT NULL,
  registered_at double precision NOT NULL,
  registration bigserial NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE dead_letters (
  id text COLLATE "C" PRIMARY KEY,
  -- Insertion order: listed oldest first.
  seq bigserial NOT NULL,
  queue text NOT NULL,
  run_id text COLLATE "C" NOT NULL,
  created_at double precision NOT NULL,
  -- The whole dead letter as JSON.
  letter text NOT NULL
);
CREATE INDEX dead_letters_seq ON dead_letters (seq);
CREATE INDEX dead_letters_queue ON dead_letters (queue, seq);
CREATE INDEX dead_letters_run ON dead_letters (run_id, seq);
