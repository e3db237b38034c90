-- A lean hot path for appends (issue 5, goal "durable appends ≥ 0.8 × a raw 100-row INSERT").
-- Before this, every queued entry updated four B-tree indexes and a GIN index on ledger_queue,
-- ran a foreign-key check that took a KEY SHARE lock on its ledger_logs row (one row shared by
-- every concurrent appender of a custodian, so a multixact per row), and a second foreign-key
-- check for its ledger_pending row (docs/BENCHMARKS.md: 0.029 of the raw rate).
--
-- Now an append writes only what makes it durable and sequenceable: the queue row (primary key
-- only) and its work-list row. The search copies of leaf fields (R-4.5) move to ledger_search,
-- which the integrator fills in batch, by leaf index, in the transaction that sequences them.

-- 1. Search copies (R-4.5), keyed by position in the tree. Derived from the leaf, which stays the
--    truth; insert-only like every other log table.
CREATE TABLE ledger_search (
  custodian_code text NOT NULL,
  leaf_index bigint NOT NULL,
  requested_at timestamptz NOT NULL,
  requester_agency text,
  requester_system text,
  dataset_code text,
  record_keys text[] NOT NULL DEFAULT '{}',
  status integer NOT NULL,
  -- No foreign key to ledger_entries: the integrator writes both in one statement, and
  -- `ledger verify` checks every search row against its leaf.
  PRIMARY KEY (custodian_code, leaf_index)
);
CREATE INDEX ledger_search_time_idx ON ledger_search (custodian_code, requested_at);
CREATE INDEX ledger_search_keys_idx ON ledger_search USING gin (record_keys);
INSERT INTO ledger_search (custodian_code, leaf_index, requested_at, requester_agency, requester_system, dataset_code, record_keys, status)
  SELECT e.custodian_code, e.leaf_index, q.requested_at, q.requester_agency, q.requester_system, q.dataset_code, q.record_keys, q.status
    FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id;
CREATE TRIGGER ledger_search_immutable BEFORE UPDATE OR DELETE ON ledger_search FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER ledger_search_no_truncate BEFORE TRUNCATE ON ledger_search FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_search FROM PUBLIC;

-- 2. The archive guard (0013) compared the search columns; it now compares what is left.
CREATE OR REPLACE FUNCTION lt_ledger_queue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND length(OLD.leaf) > 0 AND length(NEW.leaf) = 0
     AND (NEW.id, NEW.custodian_code, NEW.leaf_hash, NEW.queued_at)
         IS NOT DISTINCT FROM (OLD.id, OLD.custodian_code, OLD.leaf_hash, OLD.queued_at)
     AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_archives a ON a.custodian_code = e.custodian_code
                  WHERE e.queue_id = OLD.id AND e.leaf_index < a.up_to_index) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

-- 3. The queue keeps its primary key and nothing else per row. The log reference is checked by
--    the writer (it creates the ledger_logs row before the first append of a log) and again by
--    ledger_entries' foreign key when the entry is sequenced; the per-row check here serialised
--    concurrent appenders on one ledger_logs row.
DROP INDEX ledger_queue_search_idx;
DROP INDEX ledger_queue_keys_idx;
DROP INDEX ledger_queue_log_idx;
ALTER TABLE ledger_queue DROP CONSTRAINT ledger_queue_custodian_code_fkey;
ALTER TABLE ledger_queue DROP COLUMN requested_at, DROP COLUMN requester_agency, DROP COLUMN requester_system,
  DROP COLUMN dataset_code, DROP COLUMN record_keys, DROP COLUMN status;

-- 4. The work list: one index, (log, queue id) — the integrator's order — instead of a primary key
--    on the id, a second index and a foreign-key check per row. Rows are written in the same
--    statement as their queue rows and leave when sequenced.
ALTER TABLE ledger_pending DROP CONSTRAINT ledger_pending_queue_id_fkey;
ALTER TABLE ledger_pending DROP CONSTRAINT ledger_pending_pkey;
DROP INDEX ledger_pending_log_idx;
ALTER TABLE ledger_pending ADD PRIMARY KEY (custodian_code, queue_id);
