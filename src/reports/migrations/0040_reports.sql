-- Reports and oversight (R-18.2): figures counted from the sharing logs, and compliance findings.

-- How far each custodian's log is counted: entries [0, position) are in the figures. The job
-- counts up to the newest signed checkpoint, so a figure reads "as of checkpoint N of log X".
CREATE TABLE report_positions (
  custodian_code text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0),
  -- Entries whose leaf had been archived when counted (their figures are in the archive bundle).
  archived bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);

-- Daily figures of one log, one row per combination of what an exchange is counted by. Empty
-- strings stand for "none" (an unidentified caller, no dataset, no rule) so the key is total.
-- Latency is a histogram: lat_b0..lat_b10 count exchanges at or under 5, 10, 25, 50, 100, 250,
-- 500, 1000, 2500, 5000 ms and over (src/reports/tally.ts LATENCY_BOUNDS_MS).
CREATE TABLE report_daily (
  custodian_code text NOT NULL,
  day date NOT NULL,
  consumer_agency text NOT NULL,
  consumer_system text NOT NULL,
  dataset_code text NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0, lat_b1 bigint NOT NULL DEFAULT 0, lat_b2 bigint NOT NULL DEFAULT 0, lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0, lat_b5 bigint NOT NULL DEFAULT 0, lat_b6 bigint NOT NULL DEFAULT 0, lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0, lat_b9 bigint NOT NULL DEFAULT 0, lat_b10 bigint NOT NULL DEFAULT 0,
  -- The log position this row is counted up to (the batch that last added to it).
  counted_to bigint NOT NULL,
  PRIMARY KEY (custodian_code, day, consumer_agency, consumer_system, dataset_code, form, status, rule)
);
CREATE INDEX report_daily_day_idx ON report_daily (day);
CREATE INDEX report_daily_consumer_idx ON report_daily (consumer_agency, day);

-- The last exchange of each connection account seen in any log (R-14: accounts left unused).
CREATE TABLE report_account_use (
  client_id text PRIMARY KEY,
  last_exchange_at timestamptz NOT NULL
);

-- Compliance findings (R-18.2 inspection): one per rule and subject while its cause lasts.
CREATE TABLE report_findings (
  id uuid PRIMARY KEY,
  rule text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  owner_agency text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  summary_vi text NOT NULL,
  summary_en text NOT NULL,
  evidence jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  opened_at timestamptz NOT NULL,
  acknowledged_by text,
  acknowledged_at timestamptz,
  acknowledge_note text,
  closed_at timestamptz,
  closed_by text,
  -- Why it closed: the resolver's words, or the check that found the cause gone.
  close_reason text,
  closed_automatically boolean,
  version integer NOT NULL DEFAULT 1,
  CHECK ((status = 'resolved') = (closed_at IS NOT NULL))
);
-- One finding not yet resolved per rule and subject: a check run again finds the same one.
CREATE UNIQUE INDEX report_findings_live_idx ON report_findings (rule, subject_type, subject_id) WHERE status <> 'resolved';
CREATE INDEX report_findings_owner_idx ON report_findings (owner_agency, status);
-- A finding is evidence (Art. 19): it is closed, never deleted.
CREATE TRIGGER report_findings_no_delete BEFORE DELETE ON report_findings FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER report_findings_no_truncate BEFORE TRUNCATE ON report_findings FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
