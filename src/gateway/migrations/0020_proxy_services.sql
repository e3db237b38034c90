-- R-6.1b: a dataset whose custodian runs its own service is reached through the gateway. The
-- custodian registers where that service is and how the platform authenticates to it. No shared
-- secret is stored: with `platform_jwt` the gateway sends a short-lived JWT signed by the
-- platform's key (the custodian verifies it with /.well-known/jwks.json).
CREATE TABLE proxy_services (
  dataset_code text PRIMARY KEY REFERENCES datasets (code),
  base_url text NOT NULL CHECK (base_url ~ '^https?://'),
  auth text NOT NULL CHECK (auth IN ('none', 'platform_jwt')),
  timeout_ms integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 120000),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TRIGGER proxy_services_no_delete BEFORE DELETE ON proxy_services FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER proxy_services_no_truncate BEFORE TRUNCATE ON proxy_services FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
