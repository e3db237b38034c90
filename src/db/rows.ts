import type { Queryable } from './database.ts';

/** SQL identifiers here come from code, never from requests; this check keeps it that way. */
function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return name;
}

export interface VersionedUpdate {
  table: string;
  keyColumn: string;
  key: string;
  /** Column → new value; columns are code-defined (whitelisted by the caller's schema). */
  patch: Record<string, unknown>;
  /** Optimistic concurrency: refuse when the row's version moved on. */
  expectedVersion?: number | undefined;
  now: Date;
}

export type UpdateOutcome<R> = { status: 'updated'; before: R; after: R } | { status: 'missing' } | { status: 'stale'; current: R };

/**
 * Locks the row, checks its version, applies the patch and bumps the version,
 * returning the row before and after so the caller can write the history.
 */
export async function updateVersioned<R extends { version: number }>(tx: Queryable, u: VersionedUpdate): Promise<UpdateOutcome<R>> {
  const table = ident(u.table);
  const key = ident(u.keyColumn);
  const found = await tx.query<R>(`SELECT * FROM ${table} WHERE ${key} = $1 FOR UPDATE`, [u.key]);
  const before = found.rows[0];
  if (!before) return { status: 'missing' };
  if (u.expectedVersion !== undefined && before.version !== u.expectedVersion) {
    return { status: 'stale', current: before };
  }
  const cols = Object.keys(u.patch).map(ident);
  const sets = cols.map((c, i) => `${c} = $${i + 3}`);
  const r = await tx.query<R>(
    `UPDATE ${table} SET ${[...sets, 'version = version + 1', 'updated_at = $2'].join(', ')}
      WHERE ${key} = $1 RETURNING *`,
    [u.key, u.now, ...cols.map((c) => u.patch[c])],
  );
  return { status: 'updated', before, after: r.rows[0]! };
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Builds a WHERE clause from optional conditions, numbering parameters in order. */
export class Where {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** `sql` uses `?` for the single parameter. */
  add(sql: string, value: unknown): this {
    this.params.push(value);
    this.parts.push(sql.replace('?', `$${this.params.length}`));
    return this;
  }

  addIf(cond: boolean, sql: string, value: unknown): this {
    return cond ? this.add(sql, value) : this;
  }

  /** A condition without a parameter. */
  addRawIf(cond: boolean, sql: string): this {
    if (cond) this.parts.push(sql);
    return this;
  }

  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
