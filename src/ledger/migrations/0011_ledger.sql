-- The sharing log (nhật ký chia sẻ dữ liệu, R-17): one RFC 9162 Merkle tree per custodian.
-- Every table here is insert-only: triggers refuse UPDATE, DELETE and TRUNCATE, and `lienthong
-- ledger verify` finds a row changed behind their back.
CREATE TABLE ledger_logs (
  custodian_code text PRIMARY KEY REFERENCES agencies (code),
  origin text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);

-- Durable queue: an entry is logged once this row is committed (the exchange's transaction).
CREATE TABLE ledger_queue (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL REFERENCES ledger_logs (custodian_code),
  leaf bytea NOT NULL,
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  queued_at timestamptz NOT NULL,
  -- Copies of leaf fields for search (R-4.5); the leaf is the truth, verify checks them.
  requested_at timestamptz NOT NULL,
  requester_agency text,
  requester_system text,
  dataset_code text,
  record_keys text[] NOT NULL DEFAULT '{}',
  status integer NOT NULL
);
CREATE INDEX ledger_queue_log_idx ON ledger_queue (custodian_code, id);
CREATE INDEX ledger_queue_search_idx ON ledger_queue (custodian_code, requested_at);
CREATE INDEX ledger_queue_keys_idx ON ledger_queue USING gin (record_keys);

-- Sequencing: the integrator gives queued entries their leaf index.
CREATE TABLE ledger_entries (
  custodian_code text NOT NULL REFERENCES ledger_logs (custodian_code),
  leaf_index bigint NOT NULL CHECK (leaf_index >= 0),
  queue_id uuid NOT NULL UNIQUE REFERENCES ledger_queue (id),
  integrated_at timestamptz NOT NULL,
  PRIMARY KEY (custodian_code, leaf_index)
);

-- C2SP tlog-tiles: immutable 256-hash tiles; a partial tile of width W is its own row.
CREATE TABLE ledger_tiles (
  custodian_code text NOT NULL REFERENCES ledger_logs (custodian_code),
  level smallint NOT NULL,
  tile_index bigint NOT NULL,
  width smallint NOT NULL CHECK (width BETWEEN 1 AND 256),
  hashes bytea NOT NULL CHECK (length(hashes) = 32 * width),
  PRIMARY KEY (custodian_code, level, tile_index, width)
);

CREATE TABLE ledger_checkpoints (
  custodian_code text NOT NULL REFERENCES ledger_logs (custodian_code),
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
  created_at timestamptz NOT NULL,
  key_id text NOT NULL,
  signature bytea NOT NULL,
  note text NOT NULL,
  PRIMARY KEY (custodian_code, tree_size)
);

-- Content kept "where needed" (R-17.1), outside the leaf: it can be sealed or erased by a lawful
-- order without breaking the tree, because the leaf holds only its SHA-256.
CREATE TABLE ledger_content (
  queue_id uuid PRIMARY KEY REFERENCES ledger_queue (id),
  content bytea NOT NULL
);

CREATE TRIGGER ledger_queue_immutable BEFORE UPDATE OR DELETE ON ledger_queue FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_queue_no_truncate BEFORE TRUNCATE ON ledger_queue FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_tiles_immutable BEFORE UPDATE OR DELETE ON ledger_tiles FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_tiles_no_truncate BEFORE TRUNCATE ON ledger_tiles FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_checkpoints_immutable BEFORE UPDATE OR DELETE ON ledger_checkpoints FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_logs_immutable BEFORE UPDATE OR DELETE ON ledger_logs FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
