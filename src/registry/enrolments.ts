import crypto from 'node:crypto';
import { Problem, PROBLEMS, conflict, invalid, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { MIN_PASSWORD_LENGTH, generateTotpSecret, hashPassword, tokenHash, totpStep, totpUri } from './credentials.ts';
import type { Role } from './principal.ts';
import type { RequestMeta, SecurityEvents } from './security-events.ts';
import type { SessionCache } from './session-cache.ts';

/** How long an enrolment link stays usable. */
const ENROLMENT_TTL_MS = 72 * 3600 * 1000;
/** Wrong TOTP codes a link takes before it is spent (the secret may have leaked with it). */
const ENROLMENT_MAX_ATTEMPTS = 5;
/**
 * What `users.password_hash` holds while an account waits for its enrolment: not an argon2 hash,
 * so no password verifies against it.
 */
export const NO_PASSWORD = '!enrolment-pending';

export interface EnrolmentLink {
  url: string;
  expires_at: Date;
}

export interface EnrolmentView {
  username: string;
  full_name: string;
  agency_code: string;
  roles: Role[];
  purpose: 'create' | 'reset';
  expires_at: Date;
  totp_secret: string;
  otpauth_uri: string;
}

interface EnrolmentRow {
  id: string;
  user_id: string;
  purpose: 'create' | 'reset';
  expires_at: Date;
  pending_totp_secret: string | null;
  failed_attempts: number;
  completed_at: Date | null;
  superseded_at: Date | null;
  username: string;
  full_name: string;
  agency_code: string;
  roles: Role[];
}

function gone(): Problem {
  return new Problem(PROBLEMS.enrolmentExpired, {
    detail: 'Liên kết này đã hết hạn, đã được dùng hoặc đã được thay bằng liên kết mới; hãy đề nghị quản trị cấp liên kết khác.',
    detail_en: 'This link has expired, was already used or was replaced by a newer one; ask an administrator for another.',
  });
}

/**
 * Single-use enrolment links (72 h): the official behind the link chooses their own password and
 * receives their own TOTP secret, so the administrator who created the account (or reset its
 * credentials) never learns either. Only the SHA-256 of the token is stored.
 */
export function createEnrolments(db: Database, clock: Clock, publicUrl: string, sessions: SessionCache, events: SecurityEvents) {
  async function find(token: string, q: Queryable, lock = false): Promise<EnrolmentRow> {
    const r = await q.query<EnrolmentRow>(
      `SELECT e.id, e.user_id, e.purpose, e.expires_at, e.pending_totp_secret, e.failed_attempts, e.completed_at, e.superseded_at,
              u.username, u.full_name, u.agency_code, u.roles
         FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.token_hash = $1${lock ? ' FOR UPDATE OF e' : ''}`,
      [tokenHash(token)],
    );
    const row = r.rows[0];
    if (!row) throw notFound('liên kết kích hoạt', 'enrolment link', token.slice(0, 8) + '…');
    if (row.completed_at || row.superseded_at || row.expires_at <= clock.now()) throw gone();
    return row;
  }

  return {
    /** Issues a link for the user (inside the caller's transaction); earlier open links of theirs stop working. */
    async issue(tx: Queryable, u: { id: string; username: string }, purpose: 'create' | 'reset', issuedBy: string, meta: RequestMeta): Promise<EnrolmentLink> {
      const now = clock.now();
      const token = 'lte_' + crypto.randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + ENROLMENT_TTL_MS);
      await tx.query('UPDATE enrolments SET superseded_at = $2 WHERE user_id = $1 AND completed_at IS NULL AND superseded_at IS NULL', [u.id, now]);
      await tx.query('INSERT INTO enrolments (id, token_hash, user_id, purpose, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        newId(),
        tokenHash(token),
        u.id,
        purpose,
        issuedBy,
        now,
        expiresAt,
      ]);
      await events.record(
        {
          kind: 'enrolment_issued',
          actor: issuedBy,
          username: u.username,
          clientAddress: meta.clientAddress,
          detail: { purpose, expires_at: expiresAt.toISOString() },
        },
        tx,
      );
      return { url: `${publicUrl}/enrol/${token}`, expires_at: expiresAt };
    },

    /** What the link's page shows; the TOTP secret is generated on the first view and kept pending. */
    async view(token: string): Promise<EnrolmentView> {
      const row = await find(token, db);
      const r = await db.query<{ pending_totp_secret: string }>(
        'UPDATE enrolments SET pending_totp_secret = COALESCE(pending_totp_secret, $2) WHERE id = $1 RETURNING pending_totp_secret',
        [row.id, generateTotpSecret()],
      );
      const secret = r.rows[0]!.pending_totp_secret;
      return {
        username: row.username,
        full_name: row.full_name,
        agency_code: row.agency_code,
        roles: row.roles,
        purpose: row.purpose,
        expires_at: row.expires_at,
        totp_secret: secret,
        otpauth_uri: totpUri(secret, row.username),
      };
    },

    /**
     * sets the official's password and TOTP secret, once the code proves the authenticator
     * holds the secret; activates a pending account, consumes the link, ends older sessions.
     */
    async complete(token: string, password: string, code: string, meta: RequestMeta): Promise<void> {
      if (password.length < MIN_PASSWORD_LENGTH) {
        throw invalid('/password', `Mật khẩu phải có ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`, `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
      }
      const first = await find(token, db);
      if (!first.pending_totp_secret) {
        throw conflict('Hãy mở liên kết để nhận khoá TOTP trước khi đặt mật khẩu.', 'Open the link to receive the TOTP secret before setting the password.');
      }
      const hashed = await hashPassword(password);
      const outcome = await db.transaction(async (tx) => {
        const row = await find(token, tx, true);
        const now = clock.now();
        const step = totpStep(row.pending_totp_secret!, code, now);
        if (step === null) {
          const spent = row.failed_attempts + 1 >= ENROLMENT_MAX_ATTEMPTS;
          await tx.query(
            'UPDATE enrolments SET failed_attempts = failed_attempts + 1, superseded_at = CASE WHEN $2 THEN $3::timestamptz ELSE superseded_at END WHERE id = $1',
            [row.id, spent, now],
          );
          return 'wrong-code' as const;
        }
        await tx.query(
          `UPDATE users SET password_hash = $2, totp_secret = $3, totp_last_step = $4, failed_logins = 0, locked_until = NULL,
             status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, updated_at = $5, version = version + 1 WHERE id = $1`,
          [row.user_id, hashed, row.pending_totp_secret, step, now],
        );
        await tx.query('UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [row.user_id, now]);
        await tx.query('UPDATE enrolments SET completed_at = $2 WHERE id = $1', [row.id, now]);
        await recordChange(tx, { entity: 'user', key: row.username, action: 'complete_enrolment', actor: row.username, at: now });
        await events.record(
          { kind: 'enrolment_completed', actor: row.username, username: row.username, clientAddress: meta.clientAddress, detail: { purpose: row.purpose } },
          tx,
        );
        return 'done' as const;
      });
      if (outcome === 'wrong-code') {
        throw invalid(
          '/totp',
          'Mã TOTP không đúng: kiểm tra giờ của điện thoại và khoá đã nhập vào ứng dụng xác thực.',
          "Wrong TOTP code: check the phone's clock and the secret entered in the authenticator app.",
        );
      }
      sessions.clear();
    },
  };
}

export type Enrolments = ReturnType<typeof createEnrolments>;
