-- The integrator's work list, one row per statement that queued entries (per log), instead of one
-- per entry (issue 5, goal "durable appends ≥ 0.8 × a raw 100-row INSERT"). A work-list row per
-- entry nearly doubled what a group commit cost the server: a second heap row, index entry and
-- WAL record for every entry, and as many dead rows for vacuum once sequenced. Now each statement
-- that inserts queue rows — a multi-row INSERT or a binary COPY of a group commit — lists them in
-- ONE row per log, in id order (UUIDv7, generated in call order), written by a statement trigger
-- in the same statement: so no path can queue an entry the integrator would never see.
-- `queue_id` is the first id listed: the key the integrator walks the list by.
ALTER TABLE ledger_pending ADD COLUMN ids uuid[];
UPDATE ledger_pending SET ids = ARRAY[queue_id];
ALTER TABLE ledger_pending ALTER COLUMN ids SET NOT NULL;
ALTER TABLE ledger_pending ADD CONSTRAINT ledger_pending_ids_check CHECK (cardinality(ids) >= 1 AND ids[1] = queue_id);

CREATE FUNCTION lt_ledger_list_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_pending (custodian_code, queue_id, ids)
    SELECT custodian_code, (array_agg(id ORDER BY id))[1], array_agg(id ORDER BY id) FROM queued GROUP BY custodian_code;
  RETURN NULL;
END
$$;
CREATE TRIGGER ledger_queue_list_queued AFTER INSERT ON ledger_queue
  REFERENCING NEW TABLE AS queued FOR EACH STATEMENT EXECUTE FUNCTION lt_ledger_list_queued();
