-- Oversight (R-18.2): verification records of the sharing logs, the use of each agreement as the
-- logs show it, and data audits.

-- R-17.1: each verification of a custodian's sharing log, when and with what result. The
-- compliance rule reads the newest one; audits add theirs.
CREATE TABLE report_log_verifications (
  id uuid PRIMARY KEY,
  log text NOT NULL,
  verified_at timestamptz NOT NULL,
  ok boolean NOT NULL,
  entries bigint NOT NULL,
  checkpoints bigint NOT NULL,
  divergence jsonb,
  verified_by text NOT NULL,
  audit_id uuid
);
CREATE INDEX report_log_verifications_log_idx ON report_log_verifications (log, verified_at DESC);
CREATE TRIGGER report_log_verifications_no_update BEFORE UPDATE ON report_log_verifications FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER report_log_verifications_no_delete BEFORE DELETE ON report_log_verifications FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();

-- R-4.2: the first and last served exchange of each agreement in each log (counted with the
-- figures), so a use outside the agreement's validity is found and pointed to.
CREATE TABLE report_agreement_use (
  agreement_id text NOT NULL,
  log text NOT NULL,
  first_at timestamptz NOT NULL,
  first_index bigint NOT NULL,
  last_at timestamptz NOT NULL,
  last_index bigint NOT NULL,
  PRIMARY KEY (agreement_id, log)
);

-- R-18.2 data audits: an auditor's audit of one custodian over a period, with its result.
CREATE TABLE report_audits (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL,
  period_from date NOT NULL,
  period_to date NOT NULL,
  opened_by text NOT NULL,
  opened_at timestamptz NOT NULL,
  sample_size integer NOT NULL,
  -- The checkpoint the auditor saw before ({tree_size, root_hash}), checked for consistency.
  seen_checkpoint jsonb,
  ok boolean NOT NULL,
  result jsonb NOT NULL,
  CHECK (period_from <= period_to)
);
CREATE INDEX report_audits_custodian_idx ON report_audits (custodian_code, opened_at DESC);
CREATE TRIGGER report_audits_no_update BEFORE UPDATE ON report_audits FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER report_audits_no_delete BEFORE DELETE ON report_audits FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
