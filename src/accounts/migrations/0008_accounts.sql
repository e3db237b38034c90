-- Connection accounts (tài khoản kết nối, R-14.1), their secrets, and delegations of account
-- issuance to an intermediary operator (R-14.2). The references to agencies and systems are a
-- backstop: the service checks them through the registry's service first.

CREATE TABLE account_delegations (
  id uuid PRIMARY KEY,
  custodian_code text NOT NULL REFERENCES agencies (code),
  operator_code text NOT NULL REFERENCES agencies (code),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_by text NOT NULL,
  revoked_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (custodian_code <> operator_code)
);
-- One live delegation per pair; a revoked one can be followed by a new one.
CREATE UNIQUE INDEX account_delegations_live_idx ON account_delegations (custodian_code, operator_code) WHERE status = 'active';
CREATE INDEX account_delegations_operator_idx ON account_delegations (operator_code);

CREATE TABLE connection_accounts (
  id uuid PRIMARY KEY,
  client_id text NOT NULL UNIQUE CHECK (client_id ~ '^ltc_[0-9a-f]{24}$'),
  system_code text NOT NULL REFERENCES information_systems (code),
  -- The system's agency when the account was issued; a system moved to another agency
  -- gets no more tokens from it (token.ts), so the new agency issues its own.
  agency_code text NOT NULL REFERENCES agencies (code),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  auth_method text NOT NULL CHECK (auth_method IN ('client_secret', 'private_key_jwt')),
  jwks jsonb,
  -- R-14.2: set when issued by an intermediary operator; tokens then carry only this custodian's datasets.
  delegation_id uuid REFERENCES account_delegations (id),
  custodian_code text REFERENCES agencies (code),
  issued_by_agency text NOT NULL REFERENCES agencies (code),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at timestamptz,
  created_by text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((delegation_id IS NULL) = (custodian_code IS NULL)),
  CHECK (auth_method = 'private_key_jwt' OR jwks IS NULL)
);
CREATE INDEX connection_accounts_system_idx ON connection_accounts (system_code);
CREATE INDEX connection_accounts_agency_idx ON connection_accounts (agency_code);
CREATE INDEX connection_accounts_delegation_idx ON connection_accounts (delegation_id);

-- Only the SHA-256 of each secret; `expires_at` is set when a rotation starts its grace period.
CREATE TABLE account_secrets (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES connection_accounts (id),
  secret_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX account_secrets_account_idx ON account_secrets (account_id);

-- RFC 7523 §3: a client assertion's jti is used once. Rows live until the assertion's exp;
-- this is a replay cache, not a record, so expired rows are deleted.
CREATE TABLE oauth_assertion_jtis (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_assertion_jtis_expiry_idx ON oauth_assertion_jtis (expires_at);

CREATE TRIGGER account_delegations_no_delete BEFORE DELETE ON account_delegations FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER account_delegations_no_truncate BEFORE TRUNCATE ON account_delegations FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER connection_accounts_no_delete BEFORE DELETE ON connection_accounts FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER connection_accounts_no_truncate BEFORE TRUNCATE ON connection_accounts FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER account_secrets_no_delete BEFORE DELETE ON account_secrets FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER account_secrets_no_truncate BEFORE TRUNCATE ON account_secrets FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
