-- The data dictionary (từ điển dữ liệu, R-18.2): shared field definitions that
-- datasets reuse, owned by the coordinator.
CREATE TABLE dictionary_entries (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  label_vi text NOT NULL CHECK (length(label_vi) BETWEEN 1 AND 200),
  label_en text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 200),
  description_vi text,
  description_en text,
  type text NOT NULL CHECK (type IN ('string', 'integer', 'number', 'boolean', 'date', 'datetime', 'code')),
  format text CHECK (format IN ('cccd', 'phone_vn', 'email', 'url')),
  max_length integer CHECK (max_length > 0),
  personal text NOT NULL CHECK (personal IN ('none', 'basic', 'sensitive')),
  code_list text REFERENCES code_lists (code),
  code_list_level text,
  parent_field text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  search_text text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((type = 'code') = (code_list IS NOT NULL))
);

CREATE TRIGGER dictionary_entries_no_delete BEFORE DELETE ON dictionary_entries FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER dictionary_entries_no_truncate BEFORE TRUNCATE ON dictionary_entries FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
