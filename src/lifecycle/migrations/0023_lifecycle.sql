-- Art. 15–16: stopping a service, suspending a consumer, terminating; the public notice board.

-- Public notices (thông báo công khai): immutable once published. A correction is a new notice
-- that names the one it corrects.
CREATE TABLE public_notices (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  custodian_code text NOT NULL REFERENCES agencies (code),
  dataset_code text REFERENCES datasets (code),
  kind text NOT NULL CHECK (kind IN ('planned_suspension', 'force_majeure', 'restoration', 'termination', 'correction')),
  title_vi text NOT NULL,
  title_en text NOT NULL,
  body_vi text NOT NULL,
  body_en text NOT NULL,
  corrects uuid REFERENCES public_notices (id),
  published_at timestamptz NOT NULL,
  published_by text NOT NULL
);
CREATE INDEX public_notices_published_idx ON public_notices (published_at DESC, id);
CREATE TRIGGER public_notices_immutable BEFORE UPDATE OR DELETE ON public_notices FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER public_notices_no_truncate BEFORE TRUNCATE ON public_notices FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE SEQUENCE public_notice_number;

-- A service stopped for all consumers: planned (R-15.1a, R-15.3) or force majeure (R-15.1b, R-15.4).
CREATE TABLE service_suspensions (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('planned', 'force_majeure')),
  dataset_code text NOT NULL REFERENCES datasets (code),
  custodian_code text NOT NULL REFERENCES agencies (code),
  reason text NOT NULL,
  starts_at timestamptz NOT NULL,
  expected_restore_at timestamptz,
  -- R-15.4: the notice is due 24 hours after a force-majeure stop; a planned one publishes it first.
  notice_due_at timestamptz,
  notice_id uuid REFERENCES public_notices (id),
  ended_at timestamptz,
  end_reason text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CHECK (expected_restore_at IS NULL OR expected_restore_at > starts_at)
);
CREATE INDEX service_suspensions_open_idx ON service_suspensions (dataset_code) WHERE ended_at IS NULL;
CREATE TRIGGER service_suspensions_no_delete BEFORE DELETE ON service_suspensions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();

-- One consumer's connection suspended (R-15.2) with the notice R-15.5 requires, due 1 day after
-- the violation was found.
CREATE TABLE consumer_suspensions (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  agreement_id uuid NOT NULL REFERENCES agreements (id),
  dataset_code text NOT NULL REFERENCES datasets (code),
  system_code text NOT NULL,
  consumer_code text NOT NULL REFERENCES agencies (code),
  custodian_code text NOT NULL REFERENCES agencies (code),
  ground text NOT NULL CHECK (ground IN ('purpose_violation', 'security_risk')),
  violation text NOT NULL,
  handling text NOT NULL,
  requirements text NOT NULL,
  found_at timestamptz NOT NULL,
  notice_due_at timestamptz NOT NULL,
  notified_at timestamptz NOT NULL,
  restored_at timestamptz,
  restore_reason text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX consumer_suspensions_agreement_idx ON consumer_suspensions (agreement_id);
CREATE TRIGGER consumer_suspensions_no_delete BEFORE DELETE ON consumer_suspensions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();

-- Every lifecycle action: who, when, why (insert-only).
CREATE TABLE lifecycle_events (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL REFERENCES agencies (code),
  entity text NOT NULL,
  entity_id uuid NOT NULL,
  action text NOT NULL,
  actor text NOT NULL,
  actor_agency text,
  at timestamptz NOT NULL,
  reason text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX lifecycle_events_custodian_idx ON lifecycle_events (custodian_code, at);
CREATE TRIGGER lifecycle_events_immutable BEFORE UPDATE OR DELETE ON lifecycle_events FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER lifecycle_events_no_truncate BEFORE TRUNCATE ON lifecycle_events FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
