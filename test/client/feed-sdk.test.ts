import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureError } from 'lienthong/client';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

const ds = 'can-bo-dang-vien';

for (const driver of DRIVERS) {
  describe(`[${driver}] SDK: client.changes() and client.export() (R-4.3, R-6.1c, R-17.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
      await w.clients['BTCTW-CSDL'].writeBatch(
        ds,
        Array.from({ length: 30 }, (_, i) => ({ key: `sdk-${String(i).padStart(2, '0')}`, data: member(1 + (i % 9)) })),
      );
    });
    afterAll(() => w.env.close());

    it('R-6.1c: changes() takes the snapshot, then follows; stopped anywhere and resumed from the saved cursor, nothing is lost', async () => {
      const c = w.clients['VPCP-QLCB'];
      const got = new Map<string, number>();
      let cursor: string | undefined;
      let n = 0;
      // Stop after every 7 items, as a consumer that crashes would, and resume from the last saved cursor.
      for (let round = 0; round < 20; round++) {
        let ended = true;
        for await (const e of c.changes(ds, { limit: 4, ...(cursor !== undefined && { cursor }) })) {
          got.set(e.key, e.version);
          cursor = e.cursor;
          if (++n % 7 === 0) {
            ended = false;
            break;
          }
        }
        if (ended) break;
      }
      expect([...got.keys()].filter((k) => k.startsWith('sdk-')).length).toBe(30);
      // A write after the snapshot arrives as a change from the saved cursor.
      await w.clients['BTCTW-CSDL'].putRecord(ds, 'sdk-00', member(2));
      const after = [];
      for await (const e of c.changes(ds, { cursor: cursor! })) after.push(e);
      expect(after.map((e) => [e.kind, e.key, e.version])).toContainEqual(['change', 'sdk-00', 2]);
    });

    it('R-6.1c: changes({ follow }) waits for new changes until aborted', async () => {
      const c = w.clients['VPCP-QLCB'];
      const stop = new AbortController();
      const seen: string[] = [];
      const following = (async () => {
        for await (const e of c.changes(ds, { follow: true, intervalMs: 50, signal: stop.signal })) {
          seen.push(`${e.kind}:${e.key}:${e.version}`);
          if (e.key === 'sdk-late') stop.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      await w.clients['BTCTW-CSDL'].putRecord(ds, 'sdk-late', member(4));
      await following;
      expect(seen).toContain('change:sdk-late:1');
    });

    it('R-17.2: export() verifies the signed manifest and the SHA-256 of what it streams; altered bytes are refused', async () => {
      const c = w.clients['VPCP-QLCB'];
      const ex = await c.export(ds, { format: 'csv' });
      let text = '';
      for await (const chunk of ex.content()) text += Buffer.from(chunk).toString('utf8');
      expect(text.split('\r\n').filter(Boolean).length).toBe(ex.manifest.records + 1);
      expect(c.receipts.at(-1)!.content_sha256).toBe(ex.manifest.sha256);

      // A party in between changes one byte of the body: the SDK notices at the end.
      const altering = w.client('VPCP-QLCB', {
        purpose: 'to-chuc-can-bo',
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (!String(input).endsWith('/content')) return res;
          const body = Buffer.from(await res.arrayBuffer());
          body[body.length - 3]! ^= 1;
          return new Response(body, { status: res.status, headers: res.headers });
        },
      });
      const bad = await altering.export(ds);
      await expect(
        (async () => {
          for await (const _ of bad.content()) void _;
        })(),
      ).rejects.toThrow(SignatureError);
    });
  });
}
