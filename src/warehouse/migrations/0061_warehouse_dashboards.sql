-- Dashboards of the shared data warehouse (R-7.3): an ordered list of tiles, each a saved query of
-- the same agency drawn as a chart or a table. Like saved queries, a dashboard belongs to an
-- agency (its analysts share it) and grants nothing: each refresh runs every tile's saved query
-- again with the runner's grants of that moment, logged as a query (R-17.2).
-- Tiles name their saved query inside `tiles` (no foreign key): a tile whose saved query was
-- deleted stays on the dashboard and shows a problem of its own when refreshed.
CREATE TABLE warehouse_dashboards (
  id uuid PRIMARY KEY,
  agency_code text NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text,
  tiles jsonb NOT NULL DEFAULT '[]',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX warehouse_dashboards_agency_idx ON warehouse_dashboards (agency_code, title);
