-- Domain groups and datasets of the catalog (Appendix of Regulation 384, Art. 10).
CREATE TABLE domains (
  code text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  number integer,
  name_vi text NOT NULL,
  name_en text NOT NULL,
  source text NOT NULL CHECK (source IN ('appendix', 'article-10', 'custom')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE datasets (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  name_vi text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 500),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 500),
  description_vi text,
  description_en text,
  domain_code text NOT NULL REFERENCES domains (code),
  custodian_code text NOT NULL REFERENCES agencies (code),
  custodian_text text,
  audience text NOT NULL DEFAULT 'political_system' CHECK (audience IN ('political_system', 'central_offices')),
  classification text NOT NULL CHECK (classification IN ('normal', 'sensitive', 'secret', 'top_secret')),
  personal_data boolean NOT NULL,
  auth_required boolean NOT NULL DEFAULT true,
  sharing_spec jsonb NOT NULL,
  mode text NOT NULL DEFAULT 'hosted' CHECK (mode IN ('hosted', 'proxy')),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
  legal_basis text,
  last_reviewed_on date,
  search_text text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX datasets_domain_idx ON datasets (domain_code);
CREATE INDEX datasets_custodian_idx ON datasets (custodian_code);

CREATE TRIGGER domains_no_delete BEFORE DELETE ON domains FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER domains_no_truncate BEFORE TRUNCATE ON domains FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER datasets_no_delete BEFORE DELETE ON datasets FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER datasets_no_truncate BEFORE TRUNCATE ON datasets FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
