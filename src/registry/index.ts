import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { createAgencyService } from './agencies.ts';
import { createAuthService } from './auth.ts';
import { createSystemService } from './systems.ts';
import { createUserService } from './users.ts';
import { SessionCache } from './session-cache.ts';


export function createRegistry(db: Database, clock: Clock, opts: { sessionTtlSeconds: number }) {
  const agencies = createAgencyService(db, clock);
  // Shared: what users revoke, auth stops believing at once (session-cache.ts).
  const sessions = new SessionCache();
  return {
    agencies,
    systems: createSystemService(db, clock, agencies),
    users: createUserService(db, clock, agencies, sessions),
    auth: createAuthService(db, clock, opts.sessionTtlSeconds, sessions),
  };
}

export type Registry = ReturnType<typeof createRegistry>;
