import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] archive dates are Vietnam dates`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    it('R-17.1: "before 03/03/2026" archives what was requested before midnight in Viet Nam (UTC+7), not before midnight UTC', async () => {
      const at = (iso: string, n: number) => sampleEntry(n, { requested_at: iso, responded_at: iso });
      // 23:30 on 2 March and 00:30 on 3 March in Viet Nam: both still 2 March in UTC.
      for (const [n, iso] of [
        [0, '2026-03-02T16:30:00.000Z'],
        [1, '2026-03-02T17:30:00.000Z'],
      ] as const) {
        await env.platform.db.transaction((tx) => env.platform.ledger.append(tx, 'BTCTW', at(iso, n)));
      }
      await env.platform.ledger.integrateAll();
      env.clock.advance(3 * 366 * 24 * 3600_000);
      const archived = await env.platform.ledger.archive('BTCTW', '2026-03-03', 'test');
      expect(archived.up_to_index).toBe(1);
    });
  });
}
