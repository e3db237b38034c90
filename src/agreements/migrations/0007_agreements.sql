-- Sharing agreements (R-4.2, R-5.2, R-8.2, R-9.2, R-11): requests, their review and the grants
-- they become; every state change is an append-only event.
CREATE TABLE agreements (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('standard', 'art_9_2')),
  dataset_code text NOT NULL REFERENCES datasets (code),
  custodian_code text NOT NULL REFERENCES agencies (code),
  consumer_code text NOT NULL REFERENCES agencies (code),
  system_code text NOT NULL REFERENCES information_systems (code),
  purpose_code text NOT NULL,
  purpose_text text NOT NULL,
  legal_basis text NOT NULL,
  requested_fields text[] NOT NULL,
  granted_fields text[],
  forms text[] NOT NULL CHECK (cardinality(forms) > 0 AND forms <@ ARRAY['api', 'sync', 'push', 'direct']::text[]),
  frequency text NOT NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL,
  status text NOT NULL CHECK (status IN ('submitted', 'changes_requested', 'custodian_approved', 'active', 'rejected',
    'revoked', 'withdrawn', 'expired')),
  second_approval_required boolean NOT NULL,
  custodian_approved_by text,
  version integer NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (valid_to >= valid_from)
);
CREATE INDEX agreements_system_dataset_idx ON agreements (system_code, dataset_code);
CREATE INDEX agreements_consumer_idx ON agreements (consumer_code);
CREATE INDEX agreements_custodian_idx ON agreements (custodian_code);

CREATE TABLE agreement_events (
  id uuid PRIMARY KEY,
  agreement_id uuid NOT NULL REFERENCES agreements (id),
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  actor text NOT NULL,
  actor_agency text,
  at timestamptz NOT NULL,
  reason text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX agreement_events_agreement_idx ON agreement_events (agreement_id, at);

-- Bumped by any change that can alter a decision, so every gateway instance's cache notices
-- within its polling interval (the policy version logged with each exchange).
CREATE TABLE policy_generation (
  id integer PRIMARY KEY CHECK (id = 1),
  generation bigint NOT NULL
);
INSERT INTO policy_generation (id, generation) VALUES (1, 0);

CREATE FUNCTION lt_bump_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE policy_generation SET generation = generation + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
-- Triggers, not code paths, so no writer of these tables can forget to invalidate decisions.
CREATE TRIGGER agreements_bump_policy AFTER INSERT OR UPDATE ON agreements FOR EACH STATEMENT EXECUTE FUNCTION lt_bump_policy();
CREATE TRIGGER systems_bump_policy AFTER INSERT OR UPDATE ON information_systems FOR EACH STATEMENT EXECUTE FUNCTION lt_bump_policy();
CREATE TRIGGER datasets_bump_policy AFTER INSERT OR UPDATE ON datasets FOR EACH STATEMENT EXECUTE FUNCTION lt_bump_policy();

CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER agreements_no_truncate BEFORE TRUNCATE ON agreements FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER agreement_events_append_only BEFORE UPDATE OR DELETE ON agreement_events FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER agreement_events_no_truncate BEFORE TRUNCATE ON agreement_events FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
