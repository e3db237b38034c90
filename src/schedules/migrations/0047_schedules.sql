-- R-6.1c periodic synchronisation: a schedule either pulls a custodian's registered service into a
-- hosted dataset, or delivers a hosted dataset's changes to a consumer's endpoint under an agreement
-- whose forms include `sync`. Schedules are paused, never deleted: the rows and their runs are the
-- record of what was synchronised, when.
CREATE TABLE sync_schedules (
  id uuid PRIMARY KEY,
  direction text NOT NULL CHECK (direction IN ('pull', 'deliver')),
  dataset_code text NOT NULL REFERENCES datasets (code),
  -- The agencies that see and act on it: the custodian always, the consumer for a delivery.
  custodian_code text NOT NULL REFERENCES agencies (code),
  consumer_code text REFERENCES agencies (code),
  agreement_id uuid REFERENCES agreements (id),
  -- pull: full (the service's whole dataset, keys it no longer lists are tombstoned) or incremental.
  mode text CHECK (mode IN ('full', 'incremental')),
  -- deliver: where the consumer receives its batches.
  endpoint_url text,
  -- Five-field cron expression, evaluated in Asia/Ho_Chi_Minh.
  cron text NOT NULL,
  time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  procedure text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  -- pull: the last `cursor` the service gave (sent as `updated_since`); deliver: the feed position reached.
  cursor text,
  next_run_at timestamptz,
  -- Claimed by one runner at a time; a lease that expired belongs to a runner that died.
  lease_owner text,
  lease_expires_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CHECK ((direction = 'pull') = (mode IS NOT NULL)),
  CHECK ((direction = 'deliver') = (agreement_id IS NOT NULL AND endpoint_url IS NOT NULL AND consumer_code IS NOT NULL))
);
CREATE INDEX sync_schedules_due_idx ON sync_schedules (next_run_at) WHERE status = 'active';
CREATE INDEX sync_schedules_custodian_idx ON sync_schedules (custodian_code);
CREATE INDEX sync_schedules_consumer_idx ON sync_schedules (consumer_code);
CREATE TRIGGER sync_schedules_no_delete BEFORE DELETE ON sync_schedules FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER sync_schedules_no_truncate BEFORE TRUNCATE ON sync_schedules FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

-- One row per run: what it read, wrote, refused and delivered, and where it stopped.
CREATE TABLE sync_runs (
  id uuid PRIMARY KEY,
  schedule_id uuid NOT NULL REFERENCES sync_schedules (id),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  runner text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'refused', 'interrupted')),
  fetched integer NOT NULL DEFAULT 0,
  written integer NOT NULL DEFAULT 0,
  unchanged integer NOT NULL DEFAULT 0,
  deleted integer NOT NULL DEFAULT 0,
  refused integer NOT NULL DEFAULT 0,
  delivered integer NOT NULL DEFAULT 0,
  -- Refused records: [{key, path, message, message_en}], at most 1,000.
  errors jsonb NOT NULL DEFAULT '[]',
  -- Why the run failed or was refused, in both languages, and the rule when one refused it.
  error text,
  error_en text,
  rule text,
  cursor_from text,
  cursor_to text,
  -- Receipts of the sharing-log entries of the batches delivered (R-17.2).
  receipts jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_runs_schedule_idx ON sync_runs (schedule_id, started_at DESC);
CREATE TRIGGER sync_runs_no_delete BEFORE DELETE ON sync_runs FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER sync_runs_no_truncate BEFORE TRUNCATE ON sync_runs FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
