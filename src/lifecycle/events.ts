import { newId } from '../core/ids.ts';
import type { Queryable } from '../db/database.ts';
import { type Page, Where } from '../db/rows.ts';
import type { Principal } from '../registry/index.ts';

export interface LifecycleEvent {
  id: string;
  custodian_code: string;
  entity: string;
  entity_id: string;
  action: string;
  actor: string;
  actor_agency: string | null;
  at: Date;
  reason: string | null;
  details: Record<string, unknown>;
}

/** Every lifecycle action, in the custodian's history: who, when, why (insert-only table). */
export async function recordEvent(
  tx: Queryable,
  e: {
    custodian: string;
    entity: string;
    id: string;
    action: string;
    actor: Principal | 'system';
    at: Date;
    reason?: string | undefined;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO lifecycle_events (id, custodian_code, entity, entity_id, action, actor, actor_agency, at, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      newId(),
      e.custodian,
      e.entity,
      e.id,
      e.action,
      e.actor === 'system' ? 'system' : e.actor.username,
      e.actor === 'system' ? null : e.actor.agencyCode,
      e.at,
      e.reason ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

export interface EventFilter {
  custodian?: string | undefined;
  entity?: string | undefined;
  action?: string | undefined;
  /** Vietnam dates, both included. */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

/** One page of the history, newest first, with the count of all that match. */
export async function listEvents(q: Queryable, f: EventFilter): Promise<Page<LifecycleEvent>> {
  const w = new Where()
    .addIf(f.custodian !== undefined, 'custodian_code = ?', f.custodian)
    .addIf(f.entity !== undefined, 'entity = ?', f.entity)
    .addIf(f.action !== undefined, 'action = ?', f.action)
    .addIf(f.from !== undefined, "at >= (?::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'", f.from)
    .addIf(f.to !== undefined, "at < (?::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'", f.to);
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM lifecycle_events ${w}`, w.params);
  const rows = await q.query<LifecycleEvent>(
    `SELECT * FROM lifecycle_events ${w} ORDER BY at DESC, id DESC LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
    w.params,
  );
  return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
}
