-- R-13.3: a security level is evidence, not a claim. The owner declares a level
-- (information_systems.security_level); it takes effect only up to the level the coordinator
-- approved by a recorded decision (approved_security_level, from the latest decision below).
CREATE TABLE security_level_decisions (
  id uuid PRIMARY KEY,
  system_code text NOT NULL REFERENCES information_systems (code),
  security_level smallint NOT NULL CHECK (security_level BETWEEN 1 AND 5),
  decision_number text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 100),
  decided_on date NOT NULL,
  issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 300),
  document_reference text NOT NULL CHECK (length(document_reference) BETWEEN 1 AND 500),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX security_level_decisions_system_idx ON security_level_decisions (system_code, recorded_at DESC, id DESC);
CREATE TRIGGER security_level_decisions_append_only BEFORE UPDATE OR DELETE ON security_level_decisions FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER security_level_decisions_no_truncate BEFORE TRUNCATE ON security_level_decisions FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();

ALTER TABLE information_systems ADD COLUMN approved_security_level smallint CHECK (approved_security_level BETWEEN 1 AND 5);
-- Systems registered before decisions were recorded keep the level they share at today, so an
-- upgrade does not cut running exchanges; they show no decision, and the coordinator's next
-- decision (which may lower the level) replaces this.
UPDATE information_systems SET approved_security_level = security_level;
