-- Beside the triggers: nobody but the owner holds UPDATE, DELETE or TRUNCATE on the log tables.
-- In production the tables belong to the migration role and the server connects as a role that
-- has only SELECT and INSERT (docs/ledger.md, "Deployment"), so even a compromised server cannot
-- disable the triggers or rewrite rows; a superuser still can, and `ledger verify` finds it.
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_logs, ledger_queue, ledger_entries, ledger_tiles, ledger_checkpoints, ledger_archives FROM PUBLIC;
