-- Officials set their own password and TOTP through a single-use enrolment link: an
-- administrator who creates an account (or resets its credentials) never learns either.
-- An account waiting for its enrolment is 'pending': it cannot sign in.
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled', 'pending'));

-- Only the SHA-256 of the link's token is stored. The TOTP secret is generated when the link is
-- first opened and kept here, pending, until the official proves it with a code.
CREATE TABLE enrolments (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id),
  purpose text NOT NULL CHECK (purpose IN ('create', 'reset')),
  issued_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  pending_totp_secret text,
  failed_attempts integer NOT NULL DEFAULT 0,
  completed_at timestamptz,
  superseded_at timestamptz
);
CREATE INDEX enrolments_user_idx ON enrolments (user_id);
CREATE TRIGGER enrolments_no_delete BEFORE DELETE ON enrolments FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER enrolments_no_truncate BEFORE TRUNCATE ON enrolments FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

-- Security events of officials' accounts: sign-ins, lockouts, enrolments, role changes,
-- credential resets, revoked sessions. Kept at least 3 years: the platform never deletes or
-- changes a row (the triggers refuse it); an archive-then-prune job would be a later migration.
CREATE TABLE security_events (
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sign_in_succeeded', 'sign_in_failed', 'account_locked', 'enrolment_issued',
    'enrolment_completed', 'roles_changed', 'credentials_reset', 'session_revoked')),
  actor text NOT NULL,
  username text NOT NULL,
  client_address text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX security_events_at_idx ON security_events (at DESC, id DESC);
CREATE INDEX security_events_username_idx ON security_events (username, at DESC);
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
