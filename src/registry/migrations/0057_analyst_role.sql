-- The analyst (R-7.3): an official who asks questions of the shared data warehouse, seeing only
-- what the agency's agreements in force grant it.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['coordinator', 'custodian_admin',
  'consumer_admin', 'approver', 'auditor', 'analyst']::text[]);
