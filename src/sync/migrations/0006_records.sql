-- Hosted data (R-6.1a): records custodians push into the platform. Every write
-- is a new immutable version; `records` holds the current state of each key.
CREATE TABLE record_versions (
  dataset_code text NOT NULL REFERENCES datasets (code),
  record_key text NOT NULL CHECK (record_key ~ '^[A-Za-z0-9._:-]{1,200}$'),
  version integer NOT NULL CHECK (version > 0),
  data jsonb,
  deleted boolean NOT NULL,
  content_hash text NOT NULL,
  written_by text NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (dataset_code, record_key, version),
  CHECK (deleted = (data IS NULL))
);

CREATE TABLE records (
  dataset_code text NOT NULL REFERENCES datasets (code),
  record_key text NOT NULL,
  version integer NOT NULL,
  data jsonb,
  deleted boolean NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (dataset_code, record_key)
);
CREATE INDEX records_written_idx ON records (dataset_code, written_at);

CREATE TRIGGER record_versions_immutable BEFORE UPDATE OR DELETE ON record_versions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
-- A deletion is a tombstone version, never a removed row.
CREATE TRIGGER records_no_delete BEFORE DELETE ON records FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
