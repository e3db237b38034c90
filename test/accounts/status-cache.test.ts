import { describe, expect, it } from 'vitest';
import { createStatusCache } from '../../src/accounts/access.ts';
import type { Queryable } from '../../src/db/database.ts';

/** connection_accounts as the gateway's status check reads it, with the queries counted. */
function accountsTable(statuses: Record<string, string>) {
  const table = new Map(Object.entries(statuses));
  let queries = 0;
  const db: Queryable = {
    async query<T>(_sql: string, params?: unknown[]) {
      queries++;
      const status = table.get(String(params?.[0]));
      const rows = (status === undefined ? [] : [{ status }]) as T[];
      return { rows, rowCount: rows.length };
    },
  };
  return { db, table, queries: () => queries };
}

describe('the gateway’s account-status cache (R-14.1)', () => {
  it('R-14.1: an account revoked on this instance is refused at once, not after the cached status expires', async () => {
    const t = accountsTable({ ltc_a: 'active', ltc_b: 'active' });
    const cache = createStatusCache(t.db, 60_000);
    expect(await cache.isActive('ltc_a')).toBe(true);
    expect(await cache.isActive('ltc_b')).toBe(true);
    t.table.set('ltc_a', 'revoked');
    t.table.set('ltc_b', 'revoked');
    cache.forget(['ltc_a']);
    expect(await cache.isActive('ltc_a')).toBe(false);
    // Only the accounts named are read again; another instance's revocation is seen when the status expires.
    expect(await cache.isActive('ltc_b')).toBe(true);
  });

  it('R-14.1: an account revoked on another instance is refused once its status expires', async () => {
    const t = accountsTable({ ltc_a: 'active' });
    const cache = createStatusCache(t.db, 20);
    expect(await cache.isActive('ltc_a')).toBe(true);
    t.table.set('ltc_a', 'revoked');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache.isActive('ltc_a')).toBe(false);
  });

  it('R-14.1: the status is read at most once per account while it is believed; an unknown account is not active', async () => {
    const t = accountsTable({ ltc_a: 'active', ltc_s: 'suspended' });
    const cache = createStatusCache(t.db, 60_000);
    for (let i = 0; i < 5; i++) expect(await cache.isActive('ltc_a')).toBe(true);
    expect(t.queries()).toBe(1);
    expect(await cache.isActive('ltc_s')).toBe(false);
    expect(await cache.isActive('ltc_unknown')).toBe(false);
  });
});
