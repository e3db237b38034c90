-- The yearly report of sharing results (R-18.1): what each custodian submitted to the Central
-- Party Office, version by version. A submitted version is evidence: never changed, never
-- deleted; a correction is the next version with its reason.
CREATE TABLE report_yearly_submissions (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL,
  year integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  version integer NOT NULL CHECK (version >= 1),
  document_number text NOT NULL,
  submitted_by text NOT NULL,
  submitted_at timestamptz NOT NULL,
  -- Why a version after the first was submitted (a correction).
  reason text,
  -- Submitted after the deadline (25/12 of the year, Viet Nam time).
  late boolean NOT NULL,
  signer_name text NOT NULL,
  signer_title text NOT NULL,
  -- The figures' basis: the log positions (signed checkpoint sizes) they are counted up to.
  basis jsonb NOT NULL,
  -- The report's content as generated (figures and control-plane facts), for the aggregate.
  content jsonb NOT NULL,
  xlsx bytea NOT NULL,
  pdf bytea NOT NULL,
  xlsx_sha256 text NOT NULL,
  pdf_sha256 text NOT NULL,
  -- The sharing-log entry recording the act (its receipt id and leaf hash).
  log_entry_id text NOT NULL,
  log_leaf_hash text NOT NULL,
  UNIQUE (custodian_code, year, version),
  CHECK (version = 1 OR reason IS NOT NULL)
);
CREATE INDEX report_yearly_submissions_year_idx ON report_yearly_submissions (year, custodian_code);
CREATE TRIGGER report_yearly_submissions_immutable BEFORE UPDATE OR DELETE ON report_yearly_submissions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER report_yearly_submissions_no_truncate BEFORE TRUNCATE ON report_yearly_submissions FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

-- Inbox notices already sent about a year's report: once per custodian, year and kind, whichever
-- instance runs the job.
CREATE TABLE report_yearly_notices (
  custodian_code text NOT NULL,
  year integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reminder', 'late')),
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (custodian_code, year, kind)
);
