-- R-16.1(đ): "not remedied" is not "not restored". The consumer (or the custodian on its behalf)
-- records that the violation was remedied, with its evidence; until restored, the connection stays
-- suspended, but termination on ground (đ) is no longer open.
ALTER TABLE consumer_suspensions ADD COLUMN remedied_at timestamptz;
ALTER TABLE consumer_suspensions ADD COLUMN remedied_by text;
ALTER TABLE consumer_suspensions ADD COLUMN remedied_by_agency text;
ALTER TABLE consumer_suspensions ADD COLUMN remedy_evidence text;
ALTER TABLE consumer_suspensions ADD CONSTRAINT consumer_suspensions_remedy_evidence
  CHECK (remedied_at IS NULL OR (remedied_by IS NOT NULL AND remedy_evidence IS NOT NULL));
