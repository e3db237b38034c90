import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.ts';
import { arrayLiteral, searchColumns } from '../../src/ledger/search.ts';
import type { Principal } from '../../src/registry/principal.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

const auditor: Principal = {
  userId: 't',
  username: 't',
  fullName: 'T',
  agencyCode: 'VPTW',
  roles: ['coordinator'],
  sessionId: 't',
  sessionExpiresAt: new Date('2099-01-01'),
};

const entry = (n: number, keys: string[], requester: LedgerEntry['requester'], status = 200): LedgerEntry =>
  sampleEntry(n, {
    record_keys: keys,
    requester,
    dataset: n === 2 ? null : 'can-bo-dang-vien',
    response: { status, content_sha256: null, content_kept: false },
  });

/** Keys that would break a naive array literal or JSON round trip. */
const ODD_KEYS = ['a,b', 'quote"d', 'back\\slash', '{brace}', 'Nguyễn', ''];

describe('search columns of a batch of leaves', () => {
  it("gives each leaf's record keys as one array literal (an empty list included)", () => {
    const c = searchColumns([
      JSON.stringify({ requested_at: 'x', requester: { agency: null, system: null }, dataset: null, record_keys: [], response: { status: 401 } }),
      JSON.stringify({ requested_at: 'y', requester: { agency: 'A', system: 'S' }, dataset: 'd', record_keys: ['k1', 'k2'], response: { status: 200 } }),
    ]);
    expect(c).toEqual({
      requestedAt: ['x', 'y'],
      agency: [null, 'A'],
      system: [null, 'S'],
      dataset: [null, 'd'],
      status: [401, 200],
      keys: ['{}', '{"k1","k2"}'],
    });
  });

  it('quotes every key, so odd keys read back as they were', () => {
    expect(arrayLiteral(ODD_KEYS)).toBe('{"a,b","quote\\"d","back\\\\slash","{brace}","Nguyễn",""}');
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] R-4.5: search copies written by the integrator`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    it("R-4.5: every leaf's copy says what the leaf says — no keys, odd keys, no requester, no dataset", async () => {
      const { db, ledger } = env.platform;
      const items = [
        entry(0, [], { agency: null, system: null, account: null }, 401),
        entry(1, ODD_KEYS, { agency: 'VPCP', system: 'VPCP-QLCB', account: 'ltc_x' }),
        entry(2, ['k-2'], { agency: 'TU01', system: null, account: null }, 404),
      ].map((e) => ({ custodian: 'BTGDVTW', entry: e }));
      await db.transaction((tx) => ledger.appendMany(tx, items));
      await ledger.integrateAll();
      const rows = await db.query<{ record_keys: string[]; requester_agency: string | null; dataset_code: string | null; status: number; requested_at: Date }>(
        "SELECT record_keys, requester_agency, dataset_code, status, requested_at FROM ledger_search WHERE custodian_code = 'BTGDVTW' ORDER BY leaf_index",
      );
      expect(rows.rows.map((r) => [r.record_keys, r.requester_agency, r.dataset_code, r.status, r.requested_at.toISOString()])).toEqual(
        items.map(({ entry: e }) => [e.record_keys, e.requester.agency, e.dataset, e.response.status, e.requested_at]),
      );
      for (const key of ODD_KEYS) {
        const found = await ledger.entries(auditor, 'BTGDVTW', { record_key: key, limit: 10 });
        expect(found.items.map((i) => i.leaf_index)).toEqual([1]);
      }
      expect((await ledger.verify('BTGDVTW', undefined, { searchCopies: true }))[0]).toMatchObject({ ok: true, entries: 3 });
    });
  });
}
