import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feed } from '../../src/sync/index.ts';
import { type World, caseRecord, member, startWorld } from '../gateway/world.ts';
import { DRIVERS } from '../helpers/platform.ts';

/** Every page of `asOf`, as one list. */
async function asOfAll(feed: Feed, code: string, at: number, pageSize: number) {
  const out = [];
  for await (const page of feed.asOf(code, at, pageSize)) {
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThanOrEqual(pageSize);
    out.push(...page.map((r) => ({ key: r.key, version: r.version, data: r.data, updated_at: r.updated_at })));
  }
  return out;
}

/** The same dataset as of `at` through snapshotPage, the reference reading. */
async function snapshotAll(feed: Feed, code: string, at: number) {
  const out = [];
  for (let after: string | null = null; ;) {
    const page = await feed.snapshotPage(code, at, after, 3);
    out.push(...page.items.map((r) => ({ key: r.key, version: r.version, data: r.data, updated_at: r.written_at.toISOString() })));
    if (page.next_after === null) return out;
    after = page.next_after;
  }
}

for (const driver of DRIVERS) {
  describe(`[${driver}] the dataset as of a feed position, for exports (R-6.1c)`, () => {
    let w: World;
    const positions = new Map<string, number[]>();
    beforeAll(async () => {
      w = await startWorld(driver);
      const ds = w.clients['BTCTW-CSDL'];
      const feed = w.env.platform.sync.feed;
      const heads: number[] = [await feed.head('can-bo-dang-vien')];
      const step = async (records: Parameters<typeof ds.writeBatch>[1]) => {
        await ds.writeBatch('can-bo-dang-vien', records);
        heads.push(await feed.head('can-bo-dang-vien'));
      };
      await step(Array.from({ length: 7 }, (_, i) => ({ key: `asof-${i}`, data: member(1 + (i % 9)) })));
      await step([
        { key: 'asof-1', data: member(2, { full_name: 'Đổi tên' }) },
        { key: 'asof-3', delete: true },
      ]);
      await step([
        { key: 'asof-9', data: member(3) },
        { key: 'asof-4', data: member(4, { full_name: 'Lần hai' }) },
      ]);
      await step([
        { key: 'asof-4', data: member(4, { full_name: 'Lần ba' }) },
        { key: 'asof-3', data: member(5) },
        { key: 'asof-0', delete: true },
      ]);
      positions.set('can-bo-dang-vien', heads);
      // A secret dataset: its rows are sealed at rest and opened on reading.
      const secret = w.client('BNCTW-CSDL', { baseUrl: w.tslcd });
      const sealedHeads: number[] = [await feed.head('vu-an')];
      await secret.writeBatch(
        'vu-an',
        [1, 2, 3].map((n) => ({ key: `va-${n}`, data: caseRecord(n) })),
      );
      sealedHeads.push(await feed.head('vu-an'));
      await secret.writeBatch('vu-an', [{ key: 'va-2', data: { ...caseRecord(2), defendants: 'Người khác' } }]);
      sealedHeads.push(await feed.head('vu-an'));
      positions.set('vu-an', sealedHeads);
    });
    afterAll(() => w.env.close());

    it('R-6.1c: at every position and page size, asOf reads what snapshotPage reads — later versions, deletions and creations left out, sealed rows opened', async () => {
      const feed = w.env.platform.sync.feed;
      for (const [code, heads] of positions) {
        for (const at of heads) {
          const expected = await snapshotAll(feed, code, at);
          for (const size of [1, 2, 1000]) expect(await asOfAll(feed, code, at, size), `${code} as of ${at}, pages of ${size}`).toEqual(expected);
        }
      }
      const first = await asOfAll(feed, 'can-bo-dang-vien', positions.get('can-bo-dang-vien')![1]!, 2);
      expect(first.filter((r) => r.key.startsWith('asof-')).map((r) => [r.key, r.version])).toEqual(Array.from({ length: 7 }, (_, i) => [`asof-${i}`, 1]));
      expect(first[0]!.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const sealed = await asOfAll(feed, 'vu-an', positions.get('vu-an')![1]!, 2);
      expect(sealed.find((r) => r.key === 'va-2')!.data).toEqual(caseRecord(2));
    });

    it('R-7.3: changesAsText gives the changes as changes() does — keys, versions, positions, times, tombstones — with the stored JSON as text, sealed rows opened', async () => {
      const feed = w.env.platform.sync.feed;
      for (const code of ['can-bo-dang-vien', 'vu-an']) {
        for (const [after, limit] of [
          [0, 1000],
          [2, 3],
          [5, 1],
        ] as const) {
          const parsed = await feed.changes(code, after, limit);
          const text = await feed.changesAsText(code, after, limit);
          expect(text.length, `${code} after ${after}`).toBe(parsed.length);
          expect(text.map(({ json, ...c }) => ({ ...c, data: json === null ? null : JSON.parse(json) }))).toEqual(
            parsed.map((c) => ({ key: c.key, version: c.version, position: c.position, written_at: c.written_at, deleted: c.deleted, data: c.data })),
          );
        }
      }
      const all = await feed.changesAsText('can-bo-dang-vien', 0, 1000);
      expect(all.some((c) => c.deleted && c.json === null)).toBe(true);
      const sealed = await feed.changesAsText('vu-an', 0, 1000);
      expect(JSON.parse(sealed.find((c) => c.key === 'va-1')!.json!)).toEqual(caseRecord(1));
    });

    it('a caller that stops early ends the reading (one page ahead at most, nothing left failing)', async () => {
      const feed = w.env.platform.sync.feed;
      const pages = feed.asOf('can-bo-dang-vien', await feed.head('can-bo-dang-vien'), 1);
      const first = await pages.next();
      expect(first.done).toBe(false);
      await pages.return(undefined);
      expect((await pages.next()).done).toBe(true);
    });
  });
}
