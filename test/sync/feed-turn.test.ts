/**
 * The feed's head and changes, asked many times in one turn of the event loop (a hundred streams
 * woken by one notification), go to the database once; a question asked after that query was sent
 * is asked again, so no caller is answered from before its call. Real database, both drivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createFeed } from '../../src/sync/feed.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const DATASET = 'can-bo-dang-vien';
const member = (n: number) => ({
  member_number: `01.00000${n}`,
  full_name: `Đảng viên ${n}`,
  date_of_birth: `1985-01-0${n}`,
  gender: '1',
  admission_date: '2010-05-19',
  party_organisation_code: 'DB-01',
});
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

for (const driver of DRIVERS) {
  describe(`[${driver}] feed reads shared within one event-loop turn (R-4.3)`, () => {
    let env: TestEnv;
    let queries = 0;
    let feed: ReturnType<typeof createFeed>;
    beforeAll(async () => {
      env = await startEnv(driver);
      const db = env.platform.db;
      const counting = new Proxy(db, {
        get: (target, prop) =>
          prop === 'query'
            ? (sql: string, params?: unknown[]) => {
                queries++;
                return target.query(sql, params);
              }
            : Reflect.get(target, prop, target),
      }) as Database;
      feed = createFeed(counting, env.platform.sync.sealing);
      await env.platform.sync.records.writeAs(
        'test',
        DATASET,
        [1, 2, 3].map((n) => ({ key: `dv-${n}`, data: member(n) })),
      );
    });
    afterAll(() => env.close());

    it('R-4.3: fifty streams asking the head and the same changes in one turn cost one query each', async () => {
      queries = 0;
      const heads = await Promise.all(Array.from({ length: 50 }, () => feed.head(DATASET)));
      expect(queries).toBe(1);
      expect(new Set(heads)).toEqual(new Set([heads[0]]));
      expect(heads[0]).toBeGreaterThanOrEqual(3);

      queries = 0;
      const pages = await Promise.all(Array.from({ length: 50 }, (_, i) => feed.changes(DATASET, i % 2 ? 0 : 1, 10)));
      expect(queries).toBe(2); // two distinct questions (after 0 and after 1)
      expect(pages[1]!.map((c) => c.key)).toEqual(['dv-1', 'dv-2', 'dv-3']);
      expect(pages[0]!.map((c) => c.key)).toEqual(['dv-2', 'dv-3']);
    });

    it('R-4.3: changes read once are taken from memory by readers further on; what runs past them is read, with what was committed since', async () => {
      const head = await feed.head(DATASET);
      const first = await feed.changes(DATASET, 0, 100);
      expect(first.map((c) => c.position).at(-1)).toBe(head);
      queries = 0;
      // A reader one change behind the head, which it knows: nothing to ask.
      const known = await feed.changes(DATASET, 1, 100, head);
      expect(queries).toBe(0);
      expect(known).toEqual(first.slice(1));
      // Without the head, the rest is asked after the last change known, and a change committed since is seen.
      await env.platform.sync.records.writeAs('test', DATASET, [{ key: 'dv-9', data: member(9) }]);
      queries = 0;
      const more = await feed.changes(DATASET, 1, 100);
      expect(queries).toBe(1);
      expect(more.map((c) => c.key)).toEqual([...first.slice(1).map((c) => c.key), 'dv-9']);
      expect(more.map((c) => c.position)).toEqual(Array.from({ length: head }, (_, i) => i + 2));
    });

    it('R-4.3: a question asked after the shared query was sent is asked again, and sees a change committed in between', async () => {
      queries = 0;
      const before = feed.head(DATASET);
      await nextTurn(); // the first question is on its way
      await env.platform.sync.records.writeAs('test', DATASET, [{ key: 'dv-4', data: member(4) }]);
      const after = feed.head(DATASET);
      const [h1, h2] = await Promise.all([before, after]);
      expect(queries).toBe(2);
      expect(h2).toBe(h1 + 1);
    });
  });
}
