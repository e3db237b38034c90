-- Shared code lists (danh mục dùng chung, R-3.4): lists, immutable versions with
-- effective dates, their items, and pending imports awaiting confirmation.
CREATE TABLE code_lists (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  name_vi text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 300),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
  issuer text NOT NULL,
  legal_basis text NOT NULL,
  source_note text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  search_text text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A version is never edited once published: a change is a new version.
CREATE TABLE code_list_versions (
  id uuid PRIMARY KEY,
  list_code text NOT NULL REFERENCES code_lists (code),
  version_no integer NOT NULL,
  effective_from date NOT NULL,
  effective_to date,
  legal_basis text,
  note text,
  item_count integer NOT NULL,
  checksum text NOT NULL,
  published_by text NOT NULL,
  published_at timestamptz NOT NULL,
  UNIQUE (list_code, version_no),
  CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE INDEX code_list_versions_lookup_idx ON code_list_versions (list_code, effective_from);

CREATE TABLE code_list_items (
  version_id uuid NOT NULL REFERENCES code_list_versions (id),
  code text NOT NULL,
  name_vi text NOT NULL,
  name_en text,
  parent_code text,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  search_text text NOT NULL,
  PRIMARY KEY (version_id, code)
);
CREATE INDEX code_list_items_parent_idx ON code_list_items (version_id, parent_code);

CREATE TABLE code_list_imports (
  id uuid PRIMARY KEY,
  list_code text NOT NULL REFERENCES code_lists (code),
  base_version_id uuid REFERENCES code_list_versions (id),
  format text NOT NULL,
  items jsonb NOT NULL,
  diff jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'discarded')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  version_id uuid REFERENCES code_list_versions (id)
);

CREATE TRIGGER code_lists_no_delete BEFORE DELETE ON code_lists FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_lists_no_truncate BEFORE TRUNCATE ON code_lists FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_list_versions_immutable BEFORE UPDATE OR DELETE ON code_list_versions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_list_versions_no_truncate BEFORE TRUNCATE ON code_list_versions FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_list_items_immutable BEFORE UPDATE OR DELETE ON code_list_items FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_list_items_no_truncate BEFORE TRUNCATE ON code_list_items FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER code_list_imports_no_delete BEFORE DELETE ON code_list_imports FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
