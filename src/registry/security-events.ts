import { forbidden } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type Page, Where } from '../db/rows.ts';
import { type Principal, seesEverything } from './principal.ts';

/** What happened to an official's account (the table's CHECK lists the same kinds). */
export const SECURITY_EVENT_KINDS = [
  'sign_in_succeeded',
  'sign_in_failed',
  'account_locked',
  'enrolment_issued',
  'enrolment_completed',
  'roles_changed',
  'credentials_reset',
  'session_revoked',
] as const;
type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** Where a request came from, for the event it causes. */
export interface RequestMeta {
  clientAddress?: string | undefined;
}

export interface SecurityEventInput {
  kind: SecurityEventKind;
  /** Who acted: the official's username, `system`, or the subject themselves. */
  actor: string;
  /** Whose account it concerns (for a failed sign-in, the name that was tried). */
  username: string;
  clientAddress?: string | undefined;
  detail?: Record<string, unknown>;
}

export interface SecurityEvent {
  id: string;
  at: Date;
  kind: SecurityEventKind;
  actor: string;
  username: string;
  client_address: string | null;
  detail: Record<string, unknown>;
}

export interface SecurityEventFilter {
  username?: string | undefined;
  kind?: SecurityEventKind | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

/**
 * The security log of officials' accounts. Rows are never changed or deleted (triggers refuse it),
 * so they are kept at least the 3 years asked for; reading is for the coordinator and the auditor.
 */
export function createSecurityEvents(db: Database, clock: Clock) {
  return {
    /** Writes one event, inside the caller's transaction when given one. */
    async record(e: SecurityEventInput, q: Queryable = db): Promise<void> {
      await q.query('INSERT INTO security_events (id, at, kind, actor, username, client_address, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        newId(),
        clock.now(),
        e.kind,
        e.actor,
        e.username.slice(0, 200),
        e.clientAddress ?? null,
        JSON.stringify(e.detail ?? {}),
      ]);
    },

    /** Newest first; coordinator and auditor only (R-18.2: the Central Party Office inspects). */
    async search(p: Principal, f: SecurityEventFilter): Promise<Page<SecurityEvent>> {
      if (!seesEverything(p)) {
        throw forbidden(
          'Chỉ vai trò điều phối và kiểm tra được xem nhật ký an ninh tài khoản.',
          'Only coordinators and auditors read the security events.',
          'R-18.2',
        );
      }
      const w = new Where()
        .addIf(f.username !== undefined, 'username = ?', f.username)
        .addIf(f.kind !== undefined, 'kind = ?', f.kind)
        .addIf(f.from !== undefined, 'at >= ?::timestamptz', f.from)
        .addIf(f.to !== undefined, 'at < ?::timestamptz', f.to);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM security_events ${w}`, w.params);
      const rows = await db.query<SecurityEvent>(
        `SELECT id, at, kind, actor, username, client_address, detail FROM security_events ${w}
          ORDER BY at DESC, id DESC LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },
  };
}

export type SecurityEvents = ReturnType<typeof createSecurityEvents>;
