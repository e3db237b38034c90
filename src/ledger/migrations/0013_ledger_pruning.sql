-- R-17.1 archiving: once entries older than the retention period are in a signed archive bundle,
-- their leaf bytes may be emptied (their hashes, index and tiles stay, so proofs still work).
-- This is the only change the log tables accept, and only for archived entries.
CREATE FUNCTION lt_ledger_queue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND length(OLD.leaf) > 0 AND length(NEW.leaf) = 0
     AND (NEW.id, NEW.custodian_code, NEW.leaf_hash, NEW.queued_at, NEW.requested_at, NEW.requester_agency,
          NEW.requester_system, NEW.dataset_code, NEW.record_keys, NEW.status)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.custodian_code, OLD.leaf_hash, OLD.queued_at, OLD.requested_at, OLD.requester_agency,
          OLD.requester_system, OLD.dataset_code, OLD.record_keys, OLD.status)
     AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_archives a ON a.custodian_code = e.custodian_code
                  WHERE e.queue_id = OLD.id AND e.leaf_index < a.up_to_index) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER ledger_queue_immutable ON ledger_queue;
CREATE TRIGGER ledger_queue_immutable BEFORE UPDATE OR DELETE ON ledger_queue FOR EACH ROW EXECUTE FUNCTION lt_ledger_queue_guard();
