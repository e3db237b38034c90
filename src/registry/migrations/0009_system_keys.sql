-- R-4.7 / R-11: a consumer system registers the public key that secret data is encrypted to (JWE).
ALTER TABLE information_systems ADD COLUMN encryption_key jsonb;
