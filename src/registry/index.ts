import type { Clock } from '../core/clock.ts';
import type { Invalidations } from '../core/invalidations.ts';
import type { Database } from '../db/database.ts';
import { createAgencyService } from './agencies.ts';
import { createAuthService } from './auth.ts';
import { createEnrolments } from './enrolments.ts';
import { createSecurityEvents } from './security-events.ts';
import { createSystemService } from './systems.ts';
import { createUserService } from './users.ts';
import { SessionCache } from './session-cache.ts';

export function createRegistry(db: Database, clock: Clock, opts: { sessionTtlSeconds: number; publicUrl: string; invalidations?: Invalidations }) {
  const agencies = createAgencyService(db, clock);
  // Shared: what users revoke, auth stops believing at once (session-cache.ts).
  const sessions = new SessionCache(10_000, opts.invalidations);
  const securityEvents = createSecurityEvents(db, clock);
  const enrolments = createEnrolments(db, clock, opts.publicUrl, sessions, securityEvents);
  return {
    agencies,
    systems: createSystemService(db, clock, agencies),
    users: createUserService(db, clock, agencies, sessions, enrolments, securityEvents),
    auth: createAuthService(db, clock, opts.sessionTtlSeconds, sessions, securityEvents),
    enrolments,
    securityEvents,
    sessionTtlSeconds: opts.sessionTtlSeconds,
  };
}

export type Registry = ReturnType<typeof createRegistry>;
export { type AgencyService } from './agencies.ts';
export { type Principal, type Role, SYSTEM_ACTOR, administers, hasRole, requireCoordinator, seesEverything } from './principal.ts';
export { AgencyCode, LoginBody, Me, SystemCode } from './schemas.ts';
export { type InformationSystem, type SystemService } from './systems.ts';
export { COORDINATOR_AGENCY } from './users.ts';
export { currentUser, metaOf } from './routes.ts';

export { registryRuntime } from './runtime.ts';
