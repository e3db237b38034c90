import { Problem, PROBLEMS } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { decoyPasswordHash, newSessionToken, tokenHash, totpStep, verifyPassword } from './credentials.ts';
import { type Principal, type Role, requiresMfa } from './principal.ts';
import type { SessionCache } from './session-cache.ts';
import type { RequestMeta, SecurityEvents } from './security-events.ts';

const MAX_FAILED_LOGINS = 5;
const LOCKOUT_MS = 15 * 60 * 1000;

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

/**
 * 423 with Retry-After while an account is locked, whatever password is sent: the official must
 * be told the account is locked and when to try again — a 401 would send them hunting for a
 * password that was right. It says nothing about the password tried (it is not even looked at).
 */
function locked(until: Date, now: Date): Problem {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new Problem(PROBLEMS.accountLocked, {
    detail: `Tài khoản tạm bị khoá vì đăng nhập sai quá nhiều lần; hãy thử lại sau ${minutes} phút hoặc liên hệ quản trị.`,
    detail_en: `The account is locked after too many failed sign-ins; try again in ${minutes} min or contact an administrator.`,
    headers: { 'retry-after': String(seconds) },
  });
}

/** Names a decoy lock remembers; beyond this the oldest are forgotten (a flood of made-up names stays bounded). */
const DECOY_NAMES = 10_000;

/**
 * Failures at names with no active account, counted in memory exactly as the users table counts
 * real ones: a guesser hammering a made-up name is "locked" after the same number of tries, so
 * 423 does not tell which names exist. Per process: behind several instances an unknown name may
 * take more tries before it looks locked.
 */
function createDecoyLocks() {
  const names = new Map<string, { failures: number; until: number }>();
  return {
    lockedUntil(name: string, now: number): number | null {
      const e = names.get(name);
      return e && e.until > now ? e.until : null;
    },
    fail(name: string, now: number): number | null {
      const e = names.get(name) ?? { failures: 0, until: 0 };
      names.delete(name); // re-inserted last: the map's order is the forgetting order
      if (names.size >= DECOY_NAMES) names.delete(names.keys().next().value!);
      e.failures += 1;
      if (e.failures >= MAX_FAILED_LOGINS) Object.assign(e, { failures: 0, until: now + LOCKOUT_MS });
      names.set(name, e);
      return e.until > now ? e.until : null;
    },
  };
}

export function createAuthService(db: Database, clock: Clock, sessionTtlSeconds: number, sessions: SessionCache, events: SecurityEvents) {
  const decoys = createDecoyLocks();

  /**
   * Counts the failure in one atomic statement, so parallel guesses cannot slip past the lockout.
   * Before the threshold: 401, the count not revealed; the failure that reaches it: 423, the
   * account is locked from now on.
   */
  async function fail(row: LoginRow, kind: typeof PROBLEMS.loginFailed | typeof PROBLEMS.mfaInvalid, meta: RequestMeta): Promise<never> {
    const now = clock.now();
    const reason = kind === PROBLEMS.loginFailed ? 'password' : 'totp';
    await events.record({ kind: 'sign_in_failed', actor: row.username, username: row.username, clientAddress: meta.clientAddress, detail: { reason } });
    const r = await db.query<{ locked_until: Date | null }>(
      `UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
       WHERE id = $1 RETURNING locked_until`,
      [row.id, MAX_FAILED_LOGINS, new Date(now.getTime() + LOCKOUT_MS)],
    );
    const until = r.rows[0]?.locked_until;
    if (until && until > now) {
      await events.record({
        kind: 'account_locked',
        actor: row.username,
        username: row.username,
        clientAddress: meta.clientAddress,
        detail: { until: until.toISOString() },
      });
      throw locked(until, now);
    }
    throw new Problem(kind);
  }

  /** No active account by that name: one password verification all the same (timing), and a decoy count. */
  async function failUnknown(name: string, password: string, meta: RequestMeta): Promise<never> {
    await verifyPassword(await decoyPasswordHash(), password);
    const now = clock.now();
    await events.record({ kind: 'sign_in_failed', actor: name, username: name, clientAddress: meta.clientAddress, detail: { reason: 'no_active_account' } });
    const until = decoys.lockedUntil(name, now.getTime()) ?? decoys.fail(name, now.getTime());
    if (until !== null) throw locked(new Date(until), now);
    throw new Problem(PROBLEMS.loginFailed);
  }

  return {
    /** Signs in; every outcome is a security event (`meta` gives the client address). */
    async login(input: LoginInput, meta: RequestMeta = {}): Promise<LoginResult> {
      const r = await db.query<LoginRow>(
        `SELECT id, username, password_hash, totp_secret, totp_last_step, failed_logins, locked_until, roles, status
           FROM users WHERE username = $1`,
        [input.username],
      );
      const row = r.rows[0];
      if (!row || row.status !== 'active') return failUnknown(input.username, input.password, meta);
      const now = clock.now();
      // Verified even while locked, so a locked account costs the same time as any other.
      const passwordOk = await verifyPassword(row.password_hash, input.password);
      // Locked: 423 whatever the password (right or wrong), so the answer says nothing about it;
      // tries during the lock are not counted and do not extend it.
      if (row.locked_until && row.locked_until > now) {
        await events.record({
          kind: 'sign_in_failed',
          actor: row.username,
          username: row.username,
          clientAddress: meta.clientAddress,
          detail: { reason: 'locked' },
        });
        throw locked(row.locked_until, now);
      }
      if (!passwordOk) return fail(row, PROBLEMS.loginFailed, meta);

      let step: number | null = null;
      // level-3 security means a second factor for every role (principal.ts `requiresMfa`).
      if (row.totp_secret || requiresMfa(row.roles)) {
        if (!row.totp_secret)
          throw new Problem(PROBLEMS.mfaRequired, {
            rule: 'R-13.3',
            detail: 'Tài khoản chưa được cấp khoá TOTP; liên hệ quản trị.',
            detail_en: 'No TOTP secret is enrolled for this account; contact an administrator.',
          });
        if (!input.totp) throw new Problem(PROBLEMS.mfaRequired, { rule: 'R-13.3' });
        step = totpStep(row.totp_secret, input.totp, now);
        // A code is valid once: a step not later than the last used one is a replay.
        if (step === null || (row.totp_last_step !== null && step <= row.totp_last_step)) return fail(row, PROBLEMS.mfaInvalid, meta);
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
        const sessionId = newId();
        await tx.query('INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
          sessionId,
          hash,
          row.id,
          now,
          expiresAt,
        ]);
        await events.record(
          { kind: 'sign_in_succeeded', actor: row.username, username: row.username, clientAddress: meta.clientAddress, detail: { session_id: sessionId } },
          tx,
        );
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

    async logout(p: Principal, meta: RequestMeta = {}): Promise<void> {
      await db.transaction(async (tx) => {
        const r = await tx.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [p.sessionId, clock.now()]);
        if (r.rowCount) {
          await events.record(
            {
              kind: 'session_revoked',
              actor: p.username,
              username: p.username,
              clientAddress: meta.clientAddress,
              detail: { session_id: p.sessionId, reason: 'sign_out' },
            },
            tx,
          );
        }
      });
      sessions.clear();
    },
  };
}
