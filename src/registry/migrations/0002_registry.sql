-- Agencies, information systems, officials and their sessions.
CREATE TABLE agencies (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9]{1,31}$'),
  name_vi text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 300),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
  kind text NOT NULL CHECK (kind IN ('party_leadership', 'party_central_body', 'party_committee_central',
    'provincial_party_committee', 'grassroots_party_org', 'party_unit', 'state_body', 'other')),
  parent_code text REFERENCES agencies (code),
  central_office boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  search_text text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agencies_parent_idx ON agencies (parent_code);

CREATE TABLE information_systems (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9-]{1,63}$'),
  agency_code text NOT NULL REFERENCES agencies (code),
  name_vi text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 300),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
  security_level smallint NOT NULL CHECK (security_level BETWEEN 1 AND 5),
  zone text NOT NULL CHECK (zone IN ('internet', 'tslcd')),
  base_url text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'retired')),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX information_systems_agency_idx ON information_systems (agency_code);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  email text,
  agency_code text NOT NULL REFERENCES agencies (code),
  roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['coordinator', 'custodian_admin',
    'consumer_admin', 'approver', 'auditor']::text[]),
  password_hash text NOT NULL,
  totp_secret text,
  totp_last_step bigint,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Bearer sessions; only the SHA-256 of the token is stored.
CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Control-plane rows are retired, never deleted.
CREATE TRIGGER agencies_no_delete BEFORE DELETE ON agencies FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER agencies_no_truncate BEFORE TRUNCATE ON agencies FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER systems_no_delete BEFORE DELETE ON information_systems FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER systems_no_truncate BEFORE TRUNCATE ON information_systems FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER users_no_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER users_no_truncate BEFORE TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
