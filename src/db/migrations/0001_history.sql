-- Change history of every control-plane table: who, when, what changed, why.
-- Append-only: the trigger below refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE change_history (
  id uuid PRIMARY KEY,
  entity text NOT NULL,
  entity_key text NOT NULL,
  action text NOT NULL,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  reason text,
  changes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX change_history_entity_idx ON change_history (entity, entity_key, at);

-- Shared by every table whose rows must never be removed (control plane) or
-- never be changed (history, logs).
CREATE FUNCTION lt_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER change_history_append_only BEFORE UPDATE OR DELETE ON change_history
  FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER change_history_no_truncate BEFORE TRUNCATE ON change_history
  FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
