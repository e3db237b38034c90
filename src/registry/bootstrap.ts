import type { Config } from '../core/config.ts';
import { SYSTEM_ACTOR } from './principal.ts';
import type { CreatedUser, UserService } from './users.ts';
import { COORDINATOR_AGENCY } from './users.ts';

/**
 * First start: with no user at all, create `admin` (coordinator, Central Party
 * Office). Credentials come from the environment, or are generated and handed
 * back once so `serve` can print them.
 */
export async function ensureFirstAdmin(users: UserService, config: Pick<Config, 'adminPassword' | 'adminTotpSecret'>): Promise<CreatedUser | null> {
  if ((await users.count()) > 0) return null;
  return users.create(SYSTEM_ACTOR, {
    username: 'admin',
    full_name: 'Quản trị hệ thống',
    agency_code: COORDINATOR_AGENCY,
    roles: ['coordinator'],
    password: config.adminPassword,
    totp_secret: config.adminTotpSecret,
  });
}
