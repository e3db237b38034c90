-- R-4.1 "the level where data arises updates it": a custodian authorises another agency's systems
-- (a provincial committee's, say) to write a hosted dataset, or only the part of it where one field
-- holds one of the allowed values (its province's records). Revoked, never deleted: the rows are
-- the history of who could write what, and when.
CREATE TABLE producer_authorisations (
  id uuid PRIMARY KEY,
  dataset_code text NOT NULL REFERENCES datasets (code),
  producer_agency_code text NOT NULL REFERENCES agencies (code),
  -- NULL: any system of the producer agency.
  system_code text REFERENCES information_systems (code),
  -- NULL: the whole dataset; else records whose `scope_field` holds one of `scope_values`.
  scope_field text,
  scope_values text[],
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL,
  -- Last day in force (inclusive, Viet Nam date); NULL: until revoked.
  valid_until date,
  revoked_at timestamptz,
  revoked_by text,
  revoke_reason text,
  CHECK ((scope_field IS NULL) = (scope_values IS NULL)),
  CHECK (scope_values IS NULL OR cardinality(scope_values) > 0),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL) AND (revoked_at IS NULL) = (revoke_reason IS NULL))
);
CREATE INDEX producer_authorisations_dataset_idx ON producer_authorisations (dataset_code, producer_agency_code);
CREATE TRIGGER producer_authorisations_no_delete BEFORE DELETE ON producer_authorisations FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER producer_authorisations_no_truncate BEFORE TRUNCATE ON producer_authorisations FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

-- Every version names the agency that produced it. Until now only custodians wrote: the versions
-- already written name their dataset's custodian. Versions are immutable, so the trigger is
-- stepped over for this one backfill, inside this migration's transaction.
ALTER TABLE record_versions ADD COLUMN producer_agency_code text REFERENCES agencies (code);
ALTER TABLE record_versions DISABLE TRIGGER record_versions_immutable;
UPDATE record_versions v SET producer_agency_code = d.custodian_code FROM datasets d WHERE d.code = v.dataset_code;
ALTER TABLE record_versions ENABLE TRIGGER record_versions_immutable;
ALTER TABLE record_versions ALTER COLUMN producer_agency_code SET NOT NULL;

-- Sealing a clear version (0032) may not change who produced it either.
CREATE OR REPLACE FUNCTION lt_record_versions_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.sealed IS NULL AND OLD.data IS NOT NULL AND NEW.data IS NULL AND NEW.sealed IS NOT NULL
     AND NEW.content_hash = 'sealed'
     AND (NEW.dataset_code, NEW.record_key, NEW.version, NEW.deleted, NEW.written_by, NEW.written_at, NEW.producer_agency_code)
       = (OLD.dataset_code, OLD.record_key, OLD.version, OLD.deleted, OLD.written_by, OLD.written_at, OLD.producer_agency_code) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;
