import crypto from 'node:crypto';
import { forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { type Page, Where } from '../db/rows.ts';
import { type Principal, administers } from '../registry/index.ts';

export interface Notice {
  agency: string;
  kind: string;
  subject_vi: string;
  subject_en: string;
  ref_type?: string | undefined;
  ref_id?: string | undefined;
  payload?: Record<string, unknown> | undefined;
}

export interface Notification {
  id: string;
  agency_code: string;
  kind: string;
  subject_vi: string;
  subject_en: string;
  ref_type: string | null;
  ref_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
  read_by: string | null;
}

/** Retry schedule of webhook deliveries (seconds after each failed attempt); then the delivery is failed. */
const RETRY_DELAYS = [10, 60, 300, 1800, 7200, 21600, 43200, 86400];
const TIMEOUT_MS = 10_000;

/**
 * Standard Webhooks signature (standardwebhooks.com): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` with the secret's bytes, sent as `v1,<base64>`.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

const ADMIN_ROLES = ['custodian_admin', 'consumer_admin'] as const;
const COLUMNS = 'id, agency_code, kind, subject_vi, subject_en, ref_type, ref_id, payload, created_at, read_at, read_by';

export function createNotificationService(db: Database, clock: Clock) {
  return {
    /** Written in the caller's transaction: the notice exists exactly when the change it reports does. */
    async notify(tx: Queryable, n: Notice): Promise<void> {
      const id = newId();
      const now = clock.now();
      await tx.query(
        `INSERT INTO notifications (id, agency_code, kind, subject_vi, subject_en, ref_type, ref_id, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, n.agency, n.kind, n.subject_vi, n.subject_en, n.ref_type ?? null, n.ref_id ?? null, JSON.stringify(n.payload ?? {}), now],
      );
      await tx.query(
        `INSERT INTO webhook_deliveries (id, notification_id, agency_code, status, next_attempt_at)
         SELECT $1, $2, agency_code, 'pending', $3 FROM agency_webhooks WHERE agency_code = $4 AND active`,
        [newId(), id, now, n.agency],
      );
    },

    /** Which of `refIds` already had a notice of `kind` (a warning sent once, whoever asks). */
    async sentFor(kind: string, refIds: string[]): Promise<Set<string>> {
      if (refIds.length === 0) return new Set();
      const r = await db.query<{ ref_id: string }>('SELECT DISTINCT ref_id FROM notifications WHERE kind = $1 AND ref_id = ANY($2::text[])', [kind, refIds]);
      return new Set(r.rows.map((x) => x.ref_id));
    },

    /**
     * When each message of `kind` about `refIds` first reached its agency: the earliest of its being
     * read in the inbox and of a successful webhook delivery. Absent from the map: never received.
     */
    async receivedAt(kind: string, refIds: string[]): Promise<Map<string, Date>> {
      if (refIds.length === 0) return new Map();
      const r = await db.query<{ ref_id: string; at: Date | null }>(
        `SELECT n.ref_id, least(min(n.read_at), min(d.delivered_at)) AS at
           FROM notifications n LEFT JOIN webhook_deliveries d ON d.notification_id = n.id AND d.status = 'delivered'
          WHERE n.kind = $1 AND n.ref_id = ANY($2::text[]) GROUP BY n.ref_id`,
        [kind, refIds],
      );
      return new Map(r.rows.filter((x) => x.at !== null).map((x) => [x.ref_id, new Date(x.at!)]));
    },

    /** Each agency reads its own inbox. */
    async inbox(p: Principal, f: { unread?: boolean | undefined; kind?: string | undefined; limit: number; offset: number }): Promise<Page<Notification>> {
      const w = new Where()
        .add('agency_code = ?', p.agencyCode)
        .addRawIf(f.unread === true, 'read_at IS NULL')
        .addIf(f.kind !== undefined, 'kind = ?', f.kind);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications ${w}`, w.params);
      const rows = await db.query<Notification>(
        `SELECT ${COLUMNS} FROM notifications ${w} ORDER BY created_at DESC, id DESC LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async markRead(p: Principal, id: string): Promise<Notification> {
      const r = await db.query<Notification>(
        `UPDATE notifications SET read_at = COALESCE(read_at, $3), read_by = COALESCE(read_by, $4) WHERE id::text = $1 AND agency_code = $2 RETURNING ${COLUMNS}`,
        [id, p.agencyCode, clock.now(), p.username],
      );
      if (!r.rows[0]) throw notFound('thông báo', 'notification', id);
      return r.rows[0];
    },

    /** Sets the agency's webhook; the signing secret is returned once. */
    async setWebhook(p: Principal, url: string): Promise<{ url: string; secret: string }> {
      if (!administers(p, p.agencyCode, ...ADMIN_ROLES))
        throw forbidden('Chỉ quản trị viên của cơ quan được đặt webhook.', "Only the agency's administrators set its webhook.");
      const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
      const now = clock.now();
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO agency_webhooks (agency_code, url, secret, active, created_by, created_at, updated_at) VALUES ($1, $2, $3, true, $4, $5, $5)
           ON CONFLICT (agency_code) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, active = true, updated_at = EXCLUDED.updated_at`,
          [p.agencyCode, url, secret, p.username, now],
        );
        await recordChange(tx, { entity: 'webhook', key: p.agencyCode, action: 'set', actor: p.username, after: { url }, at: now });
      });
      return { url, secret };
    },

    async disableWebhook(p: Principal): Promise<void> {
      if (!administers(p, p.agencyCode, ...ADMIN_ROLES))
        throw forbidden('Chỉ quản trị viên của cơ quan được tắt webhook.', "Only the agency's administrators disable its webhook.");
      await db.transaction(async (tx) => {
        const r = await tx.query('UPDATE agency_webhooks SET active = false, updated_at = $2 WHERE agency_code = $1 AND active', [p.agencyCode, clock.now()]);
        if (r.rowCount === 0) throw notFound('webhook', 'webhook', p.agencyCode);
        await recordChange(tx, { entity: 'webhook', key: p.agencyCode, action: 'disable', actor: p.username, at: clock.now() });
      });
    },

    async webhookStatus(p: Principal) {
      const hook = await db.query<{ url: string; active: boolean; updated_at: Date }>(
        'SELECT url, active, updated_at FROM agency_webhooks WHERE agency_code = $1',
        [p.agencyCode],
      );
      const counts = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE agency_code = $1 GROUP BY status',
        [p.agencyCode],
      );
      return { webhook: hook.rows[0] ?? null, deliveries: Object.fromEntries(counts.rows.map((c) => [c.status, c.n])) as Record<string, number> };
    },

    /** Sends due deliveries once; the server calls this on a timer. Returns how many were attempted. */
    async deliverDue(limit = 20): Promise<number> {
      const due = await db.query<{ id: string; notification_id: string; attempts: number; url: string; secret: string; body: Notification }>(
        `SELECT d.id, d.notification_id, d.attempts, h.url, h.secret, row_to_json(n.*) AS body
           FROM webhook_deliveries d JOIN agency_webhooks h ON h.agency_code = d.agency_code JOIN notifications n ON n.id = d.notification_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT $2`,
        [clock.now(), limit],
      );
      for (const d of due.rows) await attempt(d);
      return due.rows.length;
    },
  };

  async function attempt(d: { id: string; notification_id: string; attempts: number; url: string; secret: string; body: Notification }): Promise<void> {
    const body = JSON.stringify({ type: d.body.kind, notification: d.body });
    const ts = Math.floor(clock.now().getTime() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': d.notification_id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(d.secret, d.notification_id, ts, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const attempts = d.attempts + 1;
    const ok = status !== null && status >= 200 && status < 300;
    const delay = RETRY_DELAYS[attempts - 1];
    const next = ok || delay === undefined ? 'status' : 'retry';
    await db.query(
      `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4,
         status = $5, delivered_at = $6, next_attempt_at = $7 WHERE id = $1`,
      [
        d.id,
        attempts,
        status,
        error ?? (ok ? null : `HTTP ${status}`),
        ok ? 'delivered' : next === 'retry' ? 'pending' : 'failed',
        ok ? clock.now() : null,
        new Date(clock.now().getTime() + (delay ?? 0) * 1000),
      ],
    );
  }
}

export type NotificationService = ReturnType<typeof createNotificationService>;
