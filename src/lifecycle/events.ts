import { newId } from '../core/ids.ts';
import type { Queryable } from '../db/database.ts';
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
  e: { custodian: string; entity: string; id: string; action: string; actor: Principal | 'system'; at: Date; reason?: string | undefined; details?: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    `INSERT INTO lifecycle_events (id, custodian_code, entity, entity_id, action, actor, actor_agency, at, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [newId(), e.custodian, e.entity, e.id, e.action, e.actor === 'system' ? 'system' : e.actor.username, e.actor === 'system' ? null : e.actor.agencyCode, e.at, e.reason ?? null, JSON.stringify(e.details ?? {})],
  );
}
