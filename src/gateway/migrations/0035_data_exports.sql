-- Bulk exports (R-6.1c, R-17.2; docs/sync.md): a consumer's export is prepared at one feed
-- position — its bytes digested and the digest signed — and logged before it can be downloaded.
-- The row keeps what makes the bytes again, identical: the position, the format, the fields let
-- out whole, the masked ones with their rule, and the filters. No record content is stored.
CREATE TABLE data_exports (
  id text PRIMARY KEY,
  dataset_code text NOT NULL REFERENCES datasets (code),
  system_code text NOT NULL,
  position bigint NOT NULL CHECK (position >= 0),
  format text NOT NULL CHECK (format IN ('ndjson', 'csv')),
  fields jsonb NOT NULL,
  masked jsonb NOT NULL,
  filters jsonb NOT NULL,
  records integer NOT NULL,
  bytes bigint NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  manifest text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX data_exports_dataset_idx ON data_exports (dataset_code, created_at);
CREATE TRIGGER data_exports_immutable BEFORE UPDATE OR DELETE ON data_exports FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER data_exports_no_truncate BEFORE TRUNCATE ON data_exports FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
