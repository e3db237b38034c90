-- The change feed of hosted datasets (R-4.3, R-6.1c; docs/sync.md). Every version gets its
-- dataset's next feed position when it is written, under a lock on the dataset's feed row that is
-- held until the write commits: positions are therefore handed out in commit order, with no gap
-- (a rolled-back write rolls its positions back too), so "every change after position P" and
-- "the dataset as of position P" are both exact.
CREATE TABLE record_feeds (
  dataset_code text PRIMARY KEY REFERENCES datasets (code),
  position bigint NOT NULL CHECK (position >= 0)
);
CREATE TRIGGER record_feeds_no_delete BEFORE DELETE ON record_feeds FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER record_feeds_no_truncate BEFORE TRUNCATE ON record_feeds FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

ALTER TABLE record_versions ADD COLUMN position bigint;
ALTER TABLE records ADD COLUMN position bigint;

-- Versions written before the feed existed take positions in the order they were written (a
-- record's versions in version order). The versions' immutability is suspended for this one
-- statement only, inside the migration's transaction.
ALTER TABLE record_versions DISABLE TRIGGER record_versions_immutable;
UPDATE record_versions v SET position = o.n
  FROM (SELECT dataset_code, record_key, version,
               row_number() OVER (PARTITION BY dataset_code ORDER BY written_at, version, record_key) AS n
          FROM record_versions) o
 WHERE (v.dataset_code, v.record_key, v.version) = (o.dataset_code, o.record_key, o.version);
ALTER TABLE record_versions ENABLE TRIGGER record_versions_immutable;
UPDATE records r SET position = v.position
  FROM record_versions v
 WHERE (v.dataset_code, v.record_key, v.version) = (r.dataset_code, r.record_key, r.version);
INSERT INTO record_feeds (dataset_code, position)
  SELECT dataset_code, max(position) FROM record_versions GROUP BY dataset_code;

ALTER TABLE record_versions ALTER COLUMN position SET NOT NULL;
ALTER TABLE records ALTER COLUMN position SET NOT NULL;
CREATE UNIQUE INDEX record_versions_position_idx ON record_versions (dataset_code, position);

-- Sealing a version (the one change a version allows) keeps its feed position.
CREATE OR REPLACE FUNCTION lt_record_versions_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.sealed IS NULL AND OLD.data IS NOT NULL AND NEW.data IS NULL AND NEW.sealed IS NOT NULL
     AND NEW.content_hash = 'sealed'
     AND (NEW.dataset_code, NEW.record_key, NEW.version, NEW.deleted, NEW.written_by, NEW.written_at, NEW.position)
       = (OLD.dataset_code, OLD.record_key, OLD.version, OLD.deleted, OLD.written_by, OLD.written_at, OLD.position) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lienthong: % on % is refused: history is kept, nothing is hard-deleted', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;
