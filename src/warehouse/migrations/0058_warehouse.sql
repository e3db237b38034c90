-- The shared data warehouse (R-7.3). Its data lives in DuckDB (src/warehouse/store.ts); what is
-- kept here is what officials decide: the custodian's restriction of a dataset to aggregates, and
-- the saved queries (with their chart) analysts reuse.

-- A custodian may restrict a dataset to aggregates with small-cell suppression: analysts then get
-- only grouped counts and sums, and groups under `min_cell` records are withheld.
CREATE TABLE warehouse_dataset_policies (
  dataset_code text PRIMARY KEY,
  aggregates_only boolean NOT NULL,
  min_cell integer NOT NULL CHECK (min_cell BETWEEN 2 AND 1000),
  set_by text NOT NULL,
  set_at timestamptz NOT NULL
);

-- Saved queries belong to an agency: its analysts share them, and each run is decided again
-- against the runner's grants at that moment.
CREATE TABLE warehouse_saved_queries (
  id uuid PRIMARY KEY,
  agency_code text NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  sql text NOT NULL CHECK (length(sql) BETWEEN 1 AND 20000),
  parameters jsonb NOT NULL DEFAULT '[]',
  chart jsonb,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX warehouse_saved_queries_agency_idx ON warehouse_saved_queries (agency_code, name);
