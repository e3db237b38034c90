-- Push subscriptions (webhooks) of consumer systems to hosted datasets, with their delivery state.
-- The row is also the unit of work of the dispatchers: one delivery in flight per subscription,
-- held by the instance named in lease_owner until lease_expires_at (docs/push.md).
CREATE TABLE push_subscriptions (
  id text PRIMARY KEY,
  dataset_code text NOT NULL,
  custodian_code text NOT NULL,
  system_code text NOT NULL,
  agency_code text NOT NULL,
  client_id text NOT NULL,
  purpose text,
  url text NOT NULL,
  filter jsonb NOT NULL DEFAULT '{}'::jsonb,
  fields text[],
  batch_max integer NOT NULL DEFAULT 1 CHECK (batch_max BETWEEN 1 AND 1000),
  state text NOT NULL CHECK (state IN ('active', 'paused', 'disabled', 'deleted')),
  state_reason text,
  position bigint NOT NULL CHECK (position >= 0),
  sent_count bigint NOT NULL DEFAULT 0,
  batches_sent bigint NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_failure_reason text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since timestamptz,
  next_attempt_at timestamptz NOT NULL,
  lease_owner text,
  lease_expires_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX push_subscriptions_due ON push_subscriptions (next_attempt_at) WHERE state = 'active';
CREATE INDEX push_subscriptions_dataset ON push_subscriptions (dataset_code, state);
CREATE INDEX push_subscriptions_client ON push_subscriptions (client_id);
CREATE INDEX push_subscriptions_custodian ON push_subscriptions (custodian_code);

-- Nothing is hard-deleted: a deleted subscription keeps its row with state 'deleted'.
CREATE FUNCTION push_subscriptions_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'push_subscriptions rows are never deleted';
END $$;
CREATE TRIGGER push_subscriptions_no_delete BEFORE DELETE ON push_subscriptions FOR EACH ROW EXECUTE FUNCTION push_subscriptions_no_delete();
