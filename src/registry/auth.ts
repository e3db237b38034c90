import { Problem, PROBLEMS } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { decoyPasswordHash, newSessionToken, tokenHash, totpStep, verifyPassword } from './credentials.ts';
import { type Principal, type Role, requiresMfa } from './principal.ts';
import type { SessionCache } from './session-cache.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export interface LoginInput {
  username: string;
  password: string;
  totp?: string | undefined;
}

export interface LoginResult {
  token: string;
  token_type: 'Bearer';
  expires_at: Date;
}

interface LoginRow {
  id: string;
  username: string;
  password_hash: string;
  totp_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: Date | null;
  roles: Role[];
  status: string;
}

interface SessionRow {
  session_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  user_id: string;
  username: string;
  full_name: string;
  agency_code: string;
  roles: Role[];
  status: string;
}

const unauthenticated = (detail: string, detail_en: string) => new Problem(PROBLEMS.unauthenticated, { detail, detail_en });

export function createAuthService(db: Database, clock: Clock, sessionTtlSeconds: number, sessions: SessionCache) {
  /** Counts the failure in one atomic statement, so parallel guesses cannot slip past the lockout. */
  async function fail(row: LoginRow, kind: typeof PROBLEMS.loginFailed | typeof PROBLEMS.mfaInvalid): Promise<never> {
    await db.query(
      `UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
       WHERE id = $1`,
      [row.id, MAX_FAILED_LOGINS, new Date(clock.now().getTime() + LOCKOUT_MS)],
    );
    throw new Problem(kind);
  }

  return {
    async login(input: LoginInput): Promise<LoginResult> {
      const r = await db.query<LoginRow>(
        `SELECT id, username, password_hash, totp_secret, totp_last_step, failed_logins, locked_until, roles, status
           FROM users WHERE username = $1`,
        [input.username],
      );
      const row = r.rows[0];
      if (!row || row.status !== 'active') {
        await verifyPassword(await decoyPasswordHash(), input.password);
        throw new Problem(PROBLEMS.loginFailed);
      }
      const now = clock.now();
      const passwordOk = await verifyPassword(row.password_hash, input.password);
      // A locked account answers exactly like a wrong password: saying "locked" would tell a
      // guesser that the name exists, or that the password just tried was right.
      if (row.locked_until && row.locked_until > now) throw new Problem(PROBLEMS.loginFailed);
      if (!passwordOk) return fail(row, PROBLEMS.loginFailed);

      let step: number | null = null;
      // level-3 security means a second factor for coordinator and approver accounts.
      if (row.totp_secret || requiresMfa(row.roles)) {
        if (!row.totp_secret) throw new Problem(PROBLEMS.mfaRequired, { rule: 'R-13.3', detail: 'Tài khoản chưa được cấp khoá TOTP; liên hệ quản trị.', detail_en: 'No TOTP secret is enrolled for this account; contact an administrator.' });
        if (!input.totp) throw new Problem(PROBLEMS.mfaRequired, { rule: 'R-13.3' });
        step = totpStep(row.totp_secret, input.totp, now);
        // A code is valid once: a step not later than the last used one is a replay.
        if (step === null || (row.totp_last_step !== null && step <= row.totp_last_step)) return fail(row, PROBLEMS.mfaInvalid);
      }

      const { token, hash } = newSessionToken();
      const expiresAt = new Date(now.getTime() + sessionTtlSeconds * 1000);
      const used = await db.transaction(async (tx) => {
        // Claims the TOTP step atomically: of two logins racing with one code, only one updates the row.
        const claimed = await tx.query(
          `UPDATE users SET failed_logins = 0, locked_until = NULL, totp_last_step = COALESCE($2, totp_last_step)
            WHERE id = $1 AND ($2::bigint IS NULL OR totp_last_step IS NULL OR totp_last_step < $2)`,
          [row.id, step],
        );
        if (claimed.rowCount === 0) return false;
        await tx.query('INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [newId(), hash, row.id, now, expiresAt]);
        return true;
      });
      if (!used) throw new Problem(PROBLEMS.mfaInvalid);
      return { token, token_type: 'Bearer', expires_at: expiresAt };
    },

    /** Resolves a bearer token to the official behind it, or refuses with 401. */
    async authenticate(token: string): Promise<Principal> {
      const hash = tokenHash(token);
      const now = clock.now();
      const known = sessions.get(hash, now.getTime());
      if (known) return known;
      const r = await db.query<SessionRow>(
        `SELECT s.id AS session_id, s.expires_at, s.revoked_at, u.id AS user_id, u.username, u.full_name, u.agency_code, u.roles, u.status
           FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`,
        [hash],
      );
      const s = r.rows[0];
      if (!s || s.revoked_at) throw unauthenticated('Phiên đăng nhập không hợp lệ hoặc đã đăng xuất.', 'Invalid or signed-out session.');
      if (s.expires_at <= now) throw unauthenticated('Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.', 'The session has expired; sign in again.');
      if (s.status !== 'active') throw unauthenticated('Tài khoản đã bị khoá.', 'The account is disabled.');
      const principal: Principal = {
        userId: s.user_id,
        username: s.username,
        fullName: s.full_name,
        agencyCode: s.agency_code,
        roles: s.roles,
        sessionId: s.session_id,
        sessionExpiresAt: s.expires_at,
      };
      sessions.set(hash, principal, now.getTime());
      return principal;
    },

    async logout(p: Principal): Promise<void> {
      await db.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [p.sessionId, clock.now()]);
      sessions.clear();
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
