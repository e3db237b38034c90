-- R-15.2, R-16: an agreement can be suspended for one consumer (a purpose violation or a security
-- risk) and restored, or terminated for good. A terminated agreement is never reactivated: a new
-- request is needed. The suspension's notice travels with the row, so the decision function can
-- tell the consumer why (the lifecycle module keeps the full record and its deadlines).
ALTER TABLE agreements DROP CONSTRAINT agreements_status_check;
ALTER TABLE agreements ADD CONSTRAINT agreements_status_check CHECK (status IN ('submitted', 'changes_requested', 'custodian_approved',
  'active', 'rejected', 'revoked', 'withdrawn', 'expired', 'suspended', 'terminated'));
ALTER TABLE agreements ADD COLUMN suspension_note jsonb;
