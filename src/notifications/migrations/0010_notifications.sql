-- Inbox (hộp thư) of each agency, and its outbound webhook with a delivery queue.
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  agency_code text NOT NULL REFERENCES agencies (code),
  kind text NOT NULL,
  subject_vi text NOT NULL,
  subject_en text NOT NULL,
  ref_type text,
  ref_id text,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  read_by text
);
CREATE INDEX notifications_agency_idx ON notifications (agency_code, created_at);

CREATE TABLE agency_webhooks (
  agency_code text PRIMARY KEY REFERENCES agencies (code),
  url text NOT NULL,
  secret text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notifications (id),
  agency_code text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_status integer,
  last_error text,
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE TRIGGER notifications_no_delete BEFORE DELETE ON notifications FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
