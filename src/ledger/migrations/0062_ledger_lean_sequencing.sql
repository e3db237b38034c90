-- Sequencing that keeps pace with appends: each entry the integrator sequences no longer runs two
-- foreign-key checks (a per-row trigger and an index probe each, about a quarter of the entries'
-- insert). Both are checked otherwise, once a batch rather than once an entry:
-- * the log: the integrator writes the batch's tiles in the same transaction, and ledger_tiles'
--   foreign key to ledger_logs refuses a batch of a log that does not exist;
-- * the queue row: the integrator reads every queue row of the batch (its leaf hash) in the same
--   transaction, and queue rows are insert-only; `ledger verify` joins every entry to its queue
--   row and reports an entry without one as a gap.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_custodian_code_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_queue_id_fkey;
