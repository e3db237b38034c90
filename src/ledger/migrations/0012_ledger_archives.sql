-- R-17.1: archives of entries older than the 2-year retention period, as signed bundles.
CREATE TABLE ledger_archives (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL REFERENCES ledger_logs (custodian_code),
  before_date date NOT NULL,
  up_to_index bigint NOT NULL,
  bundle_sha256 text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TRIGGER ledger_archives_immutable BEFORE UPDATE OR DELETE ON ledger_archives FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
