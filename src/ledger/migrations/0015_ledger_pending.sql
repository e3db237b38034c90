-- The integrator's work list: queued entries not yet sequenced. Finding them by an anti-join
-- over the whole queue cost 0.8 s per pass at 1,000,000 entries (docs/BENCHMARKS.md); this small
-- table makes an idle pass free. It is a work queue, not history: rows leave it when integrated.
CREATE TABLE ledger_pending (
  queue_id uuid PRIMARY KEY REFERENCES ledger_queue (id),
  custodian_code text NOT NULL
);
CREATE INDEX ledger_pending_log_idx ON ledger_pending (custodian_code, queue_id);
INSERT INTO ledger_pending (queue_id, custodian_code)
  SELECT q.id, q.custodian_code FROM ledger_queue q WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.queue_id = q.id);
