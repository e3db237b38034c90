import { newId } from '../core/ids.ts';
import type { Queryable } from './database.ts';

export interface ChangeRecord {
  entity: string;
  key: string;
  action: string;
  actor: string;
  reason?: string | undefined;
  before?: object | undefined;
  after?: object | undefined;
  at?: Date | undefined;
}

export interface HistoryEntry {
  id: string;
  entity: string;
  entity_key: string;
  action: string;
  actor: string;
  at: Date;
  reason: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
}

const IGNORED = new Set(['version', 'updated_at', 'created_at', 'search_text', 'id']);

/** Field-level diff: only what changed, as {from, to}. */
function diff(beforeRow: object | undefined, afterRow: object | undefined): Record<string, { from: unknown; to: unknown }> {
  const before = beforeRow as Record<string, unknown> | undefined;
  const after = afterRow as Record<string, unknown> | undefined;
  const out: Record<string, { from: unknown; to: unknown }> = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    if (IGNORED.has(k)) continue;
    const from = before?.[k] ?? null;
    const to = after?.[k] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) out[k] = { from, to };
  }
  return out;
}

/** Written in the same transaction as the change it describes. */
export async function recordChange(tx: Queryable, c: ChangeRecord): Promise<void> {
  await tx.query(
    `INSERT INTO change_history (id, entity, entity_key, action, actor, at, reason, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [newId(), c.entity, c.key, c.action, c.actor, c.at ?? new Date(), c.reason ?? null, JSON.stringify(diff(c.before, c.after))],
  );
}

export async function historyOf(db: Queryable, entity: string, key: string): Promise<HistoryEntry[]> {
  const r = await db.query<HistoryEntry>(
    `SELECT id, entity, entity_key, action, actor, at, reason, changes
       FROM change_history WHERE entity = $1 AND entity_key = $2 ORDER BY at, id`,
    [entity, key],
  );
  return r.rows;
}
