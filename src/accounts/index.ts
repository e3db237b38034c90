import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { createStatusCache } from './access.ts';
import { createDelegationService } from './delegations.ts';
import type { AccountDeps } from './deps.ts';
import { createAccountService } from './service.ts';
import { createTokenService } from './token.ts';

export type { AccountDeps } from './deps.ts';
export type { AccessTokenInfo } from './token.ts';

/** Connection accounts, delegated issuance and the OAuth 2.0 token endpoint. */
export function createAccounts(db: Database, clock: Clock, deps: AccountDeps) {
  const status = createStatusCache(db, 1000, deps.invalidations);
  const delegations = createDelegationService(db, clock, deps, status);
  const accounts = createAccountService(db, clock, deps, delegations, status);
  const oauth = createTokenService(db, clock, deps, status);
  return {
    accounts,
    delegations,
    oauth,
    /** The gateway's check of a bearer token: client, system, agency, dataset scopes, expiry; 401 problem otherwise. */
    verifyAccessToken: oauth.verifyAccessToken,
    /** Whether a connection account is still active (a cache of at most 1 s; a revocation here is seen at once): push deliveries ask it each time. */
    isActive: (clientId: string): Promise<boolean> => status.isActive(clientId),
    /** The platform's signing keys, for the sharing log and signed responses too. */
    crypto: deps.crypto,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;

export { accountsRuntime } from './runtime.ts';
