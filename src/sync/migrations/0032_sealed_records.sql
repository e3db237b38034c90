-- Secret and top-secret hosted data sealed at rest (R-4.7, R-11): envelope encryption.
-- A record's content is then `sealed` (AES-256-GCM under its dataset's data key), `data` NULL.
-- The data keys are stored here only wrapped by a key-encryption key (KEK) held outside the
-- database (src/core/kek-file.ts), so a database administrator or a stolen backup reads nothing.

-- The KEK in force, by id (a keyed digest, not the key): a server started with another KEK, or
-- with none while data keys exist, stops at start instead of wrapping with a key nobody else holds.
CREATE TABLE sealing_kek (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  kek_id text NOT NULL,
  registered_at timestamptz NOT NULL,
  rotated_at timestamptz
);

-- One data key per dataset. A KEK rotation re-wraps these rows only, never the records.
CREATE TABLE dataset_keys (
  dataset_code text PRIMARY KEY REFERENCES datasets (code),
  kek_id text NOT NULL,
  wrapped bytea NOT NULL,
  created_at timestamptz NOT NULL,
  wrapped_at timestamptz NOT NULL
);
-- A data key removed is every record of its dataset lost.
CREATE TRIGGER dataset_keys_no_delete BEFORE DELETE ON dataset_keys FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER dataset_keys_no_truncate BEFORE TRUNCATE ON dataset_keys FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

ALTER TABLE record_versions ADD COLUMN sealed bytea;
ALTER TABLE records ADD COLUMN sealed bytea;
-- A live version has its content in exactly one form; a tombstone has none.
ALTER TABLE record_versions DROP CONSTRAINT record_versions_check;
ALTER TABLE record_versions ADD CONSTRAINT record_versions_content_check
  CHECK (CASE WHEN deleted THEN data IS NULL AND sealed IS NULL ELSE (data IS NULL) <> (sealed IS NULL) END);
ALTER TABLE records ADD CONSTRAINT records_content_check
  CHECK (CASE WHEN deleted THEN data IS NULL AND sealed IS NULL ELSE (data IS NULL) <> (sealed IS NULL) END);

-- Versions stay immutable, with one exception: sealing a version written in clear (data before
-- this migration, or of a dataset classified secret later) — the same version, its content
-- replaced by the ciphertext, its content hash by the marker 'sealed'. Never the way back.
CREATE FUNCTION lt_record_versions_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.sealed IS NULL AND OLD.data IS NOT NULL AND NEW.data IS NULL AND NEW.sealed IS NOT NULL
     AND NEW.content_hash = 'sealed'
     AND (NEW.dataset_code, NEW.record_key, NEW.version, NEW.deleted, NEW.written_by, NEW.written_at)
       = (OLD.dataset_code, OLD.record_key, OLD.version, OLD.deleted, OLD.written_by, OLD.written_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER record_versions_immutable ON record_versions;
CREATE TRIGGER record_versions_immutable BEFORE UPDATE OR DELETE ON record_versions FOR EACH ROW EXECUTE FUNCTION lt_record_versions_seal_only();
