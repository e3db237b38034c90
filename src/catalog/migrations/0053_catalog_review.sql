-- The yearly catalog review (R-18.1): before 25 December each custodian confirms, dataset by
-- dataset, the specification it publishes (fields, frequency, format, classification, procedure),
-- changing it first through the catalog's own edit path when needed. One row per confirmation,
-- kept as evidence; a dataset is reviewed for a year when it has a row of that year.
CREATE TABLE catalog_reviews (
  id uuid PRIMARY KEY,
  year integer NOT NULL CHECK (year BETWEEN 2025 AND 2200),
  dataset_code text NOT NULL REFERENCES datasets (code),
  custodian_code text NOT NULL,
  -- changed: the specification was edited during the year before this confirmation.
  outcome text NOT NULL CHECK (outcome IN ('confirmed', 'changed')),
  -- The version of the dataset the custodian saw and confirmed.
  dataset_version integer NOT NULL,
  reviewed_by text NOT NULL,
  reviewed_at timestamptz NOT NULL,
  note text
);
CREATE INDEX catalog_reviews_year_idx ON catalog_reviews (year, custodian_code, dataset_code);
CREATE TRIGGER catalog_reviews_no_update BEFORE UPDATE ON catalog_reviews FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER catalog_reviews_no_delete BEFORE DELETE ON catalog_reviews FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER catalog_reviews_no_truncate BEFORE TRUNCATE ON catalog_reviews FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
