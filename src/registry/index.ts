import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { sqlMigrations } from '../db/migrate.ts';
import { createAgencyService } from './agencies.ts';
import { createAuthService } from './auth.ts';
import { createSystemService } from './systems.ts';
import { createUserService } from './users.ts';

export const registryMigrations = sqlMigrations(import.meta.url);

export function createRegistry(db: Database, clock: Clock, opts: { sessionTtlSeconds: number }) {
  const agencies = createAgencyService(db, clock);
  return {
    agencies,
    systems: createSystemService(db, clock, agencies),
    users: createUserService(db, clock, agencies),
    auth: createAuthService(db, clock, opts.sessionTtlSeconds),
  };
}

export type Registry = ReturnType<typeof createRegistry>;
