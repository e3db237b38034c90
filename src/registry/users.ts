import { Problem, PROBLEMS, conflict, forbidden, invalid, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import type { AgencyService } from './agencies.ts';
import type { SessionCache } from './session-cache.ts';
import { type EnrolmentLink, type Enrolments, NO_PASSWORD } from './enrolments.ts';
import type { RequestMeta, SecurityEvents } from './security-events.ts';
import { MIN_PASSWORD_LENGTH, generatePassword, generateTotpSecret, hashPassword, isBase32Secret, totpUri, verifyPassword } from './credentials.ts';
import { type Principal, type Role, SYSTEM_ACTOR, hasRole, requiresMfa, seesEverything } from './principal.ts';

export interface User {
  username: string;
  full_name: string;
  email: string | null;
  agency_code: string;
  roles: Role[];
  /** `pending`: created or reset, waiting for its enrolment link to be used; cannot sign in. */
  status: 'active' | 'disabled' | 'pending';
  mfa_enabled: boolean;
  /** While after now, sign-ins are refused (423) after too many failures: shown to administrators. */
  locked_until: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** What an administrator gives to create an official: no password, no TOTP secret (enrolment). */
export interface UserInvite {
  username: string;
  full_name: string;
  email?: string | null | undefined;
  agency_code: string;
  roles: Role[];
}

/** An account created or reset through the API: the link the official enrols with, nothing secret. */
export interface InvitedUser {
  user: User;
  enrolment: EnrolmentLink;
}

export interface UserInput {
  username: string;
  full_name: string;
  email?: string | null | undefined;
  agency_code: string;
  roles: Role[];
  password?: string | undefined;
  totp_secret?: string | undefined;
}

export interface UserPatch {
  full_name?: string | undefined;
  email?: string | null | undefined;
  agency_code?: string | undefined;
  roles?: Role[] | undefined;
  status?: 'active' | 'disabled' | undefined;
}

/** What a new user needs to sign in the first time; shown once, never stored in clear. */
export interface CreatedUser {
  user: User;
  initial_password?: string;
  totp_secret?: string;
  otpauth_uri?: string;
}

export const COORDINATOR_AGENCY = 'VPTW';
const COLUMNS = `username, full_name, email, agency_code, roles, status, (totp_secret IS NOT NULL) AS mfa_enabled,
  locked_until, version, created_at, updated_at`;

function checkRoles(agencyCode: string, roles: Role[]): void {
  // coordination and inspection (which see everything) belong to the Central Party Office.
  for (const role of ['coordinator', 'auditor'] as const) {
    if (roles.includes(role) && agencyCode !== COORDINATOR_AGENCY) {
      throw invalid(
        '/roles',
        `Vai trò "${role}" chỉ dành cho Văn phòng Trung ương Đảng (VPTW).`,
        `The "${role}" role belongs to the Central Party Office (VPTW) only.`,
      );
    }
  }
}

export function createUserService(db: Database, clock: Clock, agencies: AgencyService, sessions: SessionCache, enrolments: Enrolments, events: SecurityEvents) {
  async function get(username: string, q: Queryable = db): Promise<User> {
    const r = await q.query<User>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [username]);
    if (!r.rows[0]) throw notFound('người dùng', 'user', username);
    return r.rows[0];
  }

  /**
   * Creates an official with credentials, for the operator at the console of the server: the
   * first-start admin and `lienthong admin create-user`, which print them once. Through the API an
   * official is invited instead (`invite`), and sets their own credentials.
   */
  async function create(actor: typeof SYSTEM_ACTOR, input: UserInput): Promise<CreatedUser> {
    checkRoles(input.agency_code, input.roles);
    const password = input.password ?? generatePassword();
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw invalid('/password', `Mật khẩu phải có ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`, `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
    if (input.totp_secret !== undefined && !isBase32Secret(input.totp_secret)) {
      throw invalid(
        '/totp_secret',
        'Khoá TOTP phải là chuỗi base32 (A–Z, 2–7), ít nhất 16 ký tự.',
        'The TOTP secret must be base32 (A–Z, 2–7), at least 16 characters.',
      );
    }
    // every role needs TOTP (principal.ts `requiresMfa`).
    const totpSecret = input.totp_secret ?? (requiresMfa(input.roles) ? generateTotpSecret() : undefined);
    const passwordHash = await hashPassword(password);
    const actorName = actor;
    const user = await db.transaction(async (tx) => {
      await agencies.requireExisting(input.agency_code, tx);
      const now = clock.now();
      const r = await tx.query(
        `INSERT INTO users (id, username, full_name, email, agency_code, roles, password_hash, totp_secret, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (username) DO NOTHING`,
        [newId(), input.username, nfc(input.full_name), input.email ?? null, input.agency_code, input.roles, passwordHash, totpSecret ?? null, now],
      );
      if (r.rowCount === 0) throw conflict(`Tên đăng nhập "${input.username}" đã tồn tại.`, `Username "${input.username}" already exists.`);
      const created = await get(input.username, tx);
      await recordChange(tx, { entity: 'user', key: input.username, action: 'create', actor: actorName, after: { ...created }, at: now });
      return created;
    });
    return {
      user,
      ...(input.password === undefined && { initial_password: password }),
      ...(totpSecret !== undefined && input.totp_secret === undefined && { totp_secret: totpSecret, otpauth_uri: totpUri(totpSecret, input.username) }),
    };
  }

  /** Coordinators and auditors see everyone; an agency's administrators see their agency's people; others see themselves. */
  function canSee(p: Principal, u: Pick<User, 'agency_code' | 'username'>): boolean {
    return seesEverything(p) || u.username === p.username || (u.agency_code === p.agencyCode && hasRole(p, 'custodian_admin', 'consumer_admin'));
  }

  /**
   * A coordinator creates an official, who is `pending` until they use the enrolment link the
   * answer carries (72 h, single use): the creator learns neither password nor TOTP secret.
   */
  async function invite(p: Principal, input: UserInvite, meta: RequestMeta = {}): Promise<InvitedUser> {
    if (!hasRole(p, 'coordinator')) throw forbidden('Chỉ vai trò điều phối được tạo người dùng.', 'Only coordinators create users.');
    checkRoles(input.agency_code, input.roles);
    return db.transaction(async (tx) => {
      await agencies.requireExisting(input.agency_code, tx);
      const now = clock.now();
      const id = newId();
      const r = await tx.query(
        `INSERT INTO users (id, username, full_name, email, agency_code, roles, password_hash, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) ON CONFLICT (username) DO NOTHING`,
        [id, input.username, nfc(input.full_name), input.email ?? null, input.agency_code, input.roles, NO_PASSWORD, now],
      );
      if (r.rowCount === 0) throw conflict(`Tên đăng nhập "${input.username}" đã tồn tại.`, `Username "${input.username}" already exists.`);
      const user = await get(input.username, tx);
      await recordChange(tx, { entity: 'user', key: input.username, action: 'create', actor: p.username, after: { ...user }, at: now });
      const enrolment = await enrolments.issue(tx, { id, username: input.username }, 'create', p.username, meta);
      return { user, enrolment };
    });
  }

  return {
    get,
    create,
    invite,

    async getVisible(p: Principal, username: string): Promise<User> {
      const u = await get(username);
      if (!canSee(p, u)) throw notFound('người dùng', 'user', username);
      return u;
    },

    async historyVisible(p: Principal, username: string) {
      const u = await get(username);
      if (!canSee(p, u)) throw notFound('người dùng', 'user', username);
      return historyOf(db, 'user', username);
    },

    async count(): Promise<number> {
      return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;
    },

    /** Coordinators and auditors list everyone; agency admins list their own agency. */
    async list(p: Principal, f: { agency?: string | undefined; role?: string | undefined; limit: number; offset: number }): Promise<Page<User>> {
      if (!seesEverything(p) && !hasRole(p, 'custodian_admin', 'consumer_admin')) {
        throw forbidden('Không có quyền xem danh sách người dùng.', 'Not allowed to list users.');
      }
      const w = new Where()
        .addIf(!seesEverything(p), 'agency_code = ?', p.agencyCode)
        .addIf(f.agency !== undefined, 'agency_code = ?', f.agency)
        .addIf(f.role !== undefined, '? = ANY(roles)', f.role);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users ${w}`, w.params);
      const rows = await db.query<User>(`SELECT ${COLUMNS} FROM users ${w} ORDER BY username LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`, w.params);
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async update(p: Principal, username: string, patch: UserPatch, expectedVersion?: number, meta: RequestMeta = {}): Promise<User> {
      if (!hasRole(p, 'coordinator')) throw forbidden('Chỉ vai trò điều phối được sửa người dùng.', 'Only coordinators change users.');
      if (username === p.username && (patch.status === 'disabled' || (patch.roles && !patch.roles.includes('coordinator')))) {
        throw new Problem(PROBLEMS.unprocessable, {
          detail: 'Không thể tự khoá hoặc tự bỏ vai trò điều phối của mình.',
          detail_en: 'You cannot disable yourself or drop your own coordinator role.',
        });
      }
      const updated = await db.transaction(async (tx) => {
        const current = await get(username, tx);
        checkRoles(patch.agency_code ?? current.agency_code, patch.roles ?? current.roles);
        if (patch.agency_code !== undefined) await agencies.requireExisting(patch.agency_code, tx);
        const clean: Record<string, unknown> = { ...patch };
        if (patch.full_name !== undefined) clean.full_name = nfc(patch.full_name);
        const out = await updateVersioned<{ version: number }>(tx, {
          table: 'users',
          keyColumn: 'username',
          key: username,
          patch: clean,
          expectedVersion,
          now: clock.now(),
        });
        if (out.status === 'stale') throw staleVersion(out.current.version);
        const after = await get(username, tx);
        await recordChange(tx, {
          entity: 'user',
          key: username,
          action: 'update',
          actor: p.username,
          before: { ...current },
          after: { ...after },
          at: clock.now(),
        });
        const rolesChanged = JSON.stringify(current.roles) !== JSON.stringify(after.roles) || current.agency_code !== after.agency_code;
        if (rolesChanged) {
          await events.record(
            {
              kind: 'roles_changed',
              actor: p.username,
              username,
              clientAddress: meta.clientAddress,
              detail: { roles: { from: current.roles, to: after.roles }, agency_code: { from: current.agency_code, to: after.agency_code } },
            },
            tx,
          );
        }
        // A disabled user or changed roles must not keep old sessions alive.
        if (patch.status === 'disabled' || patch.roles !== undefined || patch.agency_code !== undefined) {
          const revoked = await tx.query(
            'UPDATE sessions SET revoked_at = $2 WHERE user_id = (SELECT id FROM users WHERE username = $1) AND revoked_at IS NULL',
            [username, clock.now()],
          );
          if (revoked.rowCount) {
            await events.record(
              {
                kind: 'session_revoked',
                actor: p.username,
                username,
                clientAddress: meta.clientAddress,
                detail: { sessions: revoked.rowCount, reason: patch.status === 'disabled' ? 'disabled' : 'roles_changed' },
              },
              tx,
            );
          }
        }
        return after;
      });
      sessions.clear(); // (committed: a session believed a moment ago may be revoked now)
      return updated;
    },

    /** The signed-in official changes their own password; other sessions end. */
    async changePassword(p: Principal, current: string, next: string): Promise<void> {
      const r = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [p.userId]);
      if (!r.rows[0] || !(await verifyPassword(r.rows[0].password_hash, current))) {
        throw invalid('/current_password', 'Mật khẩu hiện tại không đúng.', 'The current password is wrong.');
      }
      if (next.length < MIN_PASSWORD_LENGTH || next === current) {
        throw invalid(
          '/new_password',
          `Mật khẩu mới phải khác mật khẩu cũ và có ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`,
          `The new password must differ from the old one and have at least ${MIN_PASSWORD_LENGTH} characters.`,
        );
      }
      const hashed = await hashPassword(next);
      await db.transaction(async (tx) => {
        await tx.query('UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1', [p.userId, hashed, clock.now()]);
        await tx.query('UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL', [p.userId, p.sessionId, clock.now()]);
        await recordChange(tx, { entity: 'user', key: p.username, action: 'change_password', actor: p.username, at: clock.now() });
      });
      sessions.clear();
    },

    /**
     * A coordinator resets lost credentials (forgotten password, lost authenticator): the old
     * password and TOTP secret stop working, sessions end, and the answer is a new enrolment link
     * through which the official sets their own — never the credentials themselves.
     */
    async resetCredentials(p: Principal, username: string, reason: string, meta: RequestMeta = {}): Promise<InvitedUser> {
      if (!hasRole(p, 'coordinator')) throw forbidden('Chỉ vai trò điều phối được cấp lại thông tin đăng nhập.', 'Only coordinators reset credentials.');
      const out = await db.transaction(async (tx) => {
        const current = await get(username, tx);
        const now = clock.now();
        const r = await tx.query<{ id: string }>(
          `UPDATE users SET password_hash = $2, totp_secret = NULL, totp_last_step = NULL, failed_logins = 0, locked_until = NULL,
             status = CASE WHEN status = 'active' THEN 'pending' ELSE status END, updated_at = $3, version = version + 1
           WHERE username = $1 RETURNING id`,
          [username, NO_PASSWORD, now],
        );
        const id = r.rows[0]!.id;
        const revoked = await tx.query('UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [id, now]);
        await recordChange(tx, {
          entity: 'user',
          key: username,
          action: 'reset_credentials',
          actor: p.username,
          reason,
          before: { status: current.status },
          after: { status: (await get(username, tx)).status },
          at: now,
        });
        await events.record({ kind: 'credentials_reset', actor: p.username, username, clientAddress: meta.clientAddress, detail: { reason } }, tx);
        if (revoked.rowCount) {
          await events.record(
            {
              kind: 'session_revoked',
              actor: p.username,
              username,
              clientAddress: meta.clientAddress,
              detail: { sessions: revoked.rowCount, reason: 'credentials_reset' },
            },
            tx,
          );
        }
        const enrolment = await enrolments.issue(tx, { id, username }, 'reset', p.username, meta);
        return { user: await get(username, tx), enrolment };
      });
      sessions.clear();
      return out;
    },

    history: (username: string) => historyOf(db, 'user', username),
  };
}

export type UserService = ReturnType<typeof createUserService>;
