import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, refused, startWorld } from './world.ts';

/** What VPCP-QLCB is granted of can-bo-dang-vien (world.ts); citizen_id is masked (last4), the rest is never sent. */
const GRANTED = ['member_number', 'full_name', 'date_of_birth', 'province_code'];
const UNGRANTED_VALUES = ['DB-0', '2010-05-19'];

const ds = 'can-bo-dang-vien';

for (const driver of DRIVERS) {
  describe(`[${driver}] change feed, consistent snapshot and bulk export (R-4.3, R-6.1c, R-17.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());

    const writer = () => w.clients['BTCTW-CSDL'];
    const consumer = () => w.clients['VPCP-QLCB'];

    it("R-4.3, R-6.1c: snapshot + feed under thousands of concurrent writes reproduce the custodian's data exactly — no gap, no duplicate, per-key order kept", async () => {
      const keys = Array.from({ length: 60 }, (_, i) => `feed-${i}`);
      const rand = (n: number) => crypto.randomInt(n);
      // The consumer's copy, built from what the SDK delivers.
      const copy = new Map<string, { version: number; data: Record<string, unknown> }>();
      const seen = new Set<string>();
      const lastVersion = new Map<string, number>();
      let lastPosition: number | null = null;
      const apply = (e: { kind: string; key: string; version: number; data: unknown; id?: string; op?: string; position?: number }) => {
        if (e.kind === 'change') {
          if (seen.has(e.id!)) return; // at-least-once: de-duplicated by id
          seen.add(e.id!);
          // No gap: positions are handed out in commit order, so the feed never shows one before all below it.
          if (lastPosition !== null) expect(e.position, 'a gap in the feed').toBe(lastPosition + 1);
          lastPosition = e.position!;
          // Per-key order: a key's versions arrive in increasing order, each exactly once. A key the
          // snapshot did not hold (never written, or deleted before it) may come back at any version.
          const prev = lastVersion.get(e.key);
          if (prev === undefined) expect(e.version, `${e.key} out of order`).toBeGreaterThan(0);
          else expect(e.version, `${e.key} out of order`).toBe(prev + 1);
        }
        lastVersion.set(e.key, e.version);
        if (e.op === 'delete') copy.delete(e.key);
        else copy.set(e.key, { version: e.version, data: e.data as Record<string, unknown> });
      };
      const live = new Set<string>();
      const writeOne = async (round: number) => {
        const batch = Array.from(new Set(Array.from({ length: 1 + rand(8) }, () => keys[rand(keys.length)]!)));
        const records = batch.map((key) =>
          live.has(key) && rand(5) === 0 ? { key, delete: true as const } : { key, data: member(1 + rand(9), { full_name: `Người ${round}-${key}` }) },
        );
        try {
          await writer().writeBatch(ds, records);
          for (const r of records) {
            if (r.data) live.add(r.key);
            else live.delete(r.key);
          }
        } catch {
          // A concurrent batch created the same key first (409) or deleted a record in between (400): nothing of it was written.
        }
      };
      // Writers run while the consumer takes its snapshot and follows the feed.
      let writes = 0;
      const writers = Array.from({ length: 6 }, async (_, t) => {
        for (let i = 0; i < 60; i++, writes++) await writeOne(t * 1000 + i);
      });
      let cursor: string | undefined;
      let pages = 0;
      const follow = async () => {
        for await (const e of consumer().changes(ds, { limit: 25, ...(cursor !== undefined && { cursor }) })) {
          apply(e as never);
          cursor = e.cursor;
          // Resumed from the saved cursor now and then: the feed is resumable at any page.
          if (++pages % 97 === 0) return false;
        }
        return true;
      };
      let done = false;
      void Promise.all(writers).then(() => (done = true));
      while (!done) await follow();
      while (!(await follow()));
      expect(writes).toBe(360);

      const truth = new Map<string, { version: number; data: Record<string, unknown> }>();
      for (const page of await allOf(w, ds)) truth.set(page.key, { version: page.version, data: page.data });
      expect(copy.size).toBe(truth.size);
      for (const [key, t] of truth) {
        const c = copy.get(key);
        expect(c?.version, key).toBe(t.version);
        // Shaped like a read: the granted fields whole, citizen_id masked, nothing else.
        expect(c?.data).toEqual({ ...pick(t.data, GRANTED), citizen_id: `********${String(t.data.citizen_id).slice(-4)}` });
      }
    });

    it('R-8.2, R-17.2: every feed and snapshot page is shaped to the grant, signed and a sharing-log entry with its receipt', async () => {
      await writer().putRecord(ds, 'dv-shape', member(3, { province_code: '01' }));
      const before = consumer().receipts.length;
      const events = [];
      for await (const e of consumer().changes(ds, { limit: 50 })) events.push(e);
      const pagesCalled = consumer().receipts.length - before;
      expect(pagesCalled).toBeGreaterThan(1);
      for (const r of consumer().receipts.slice(before)) {
        expect(r.id).toMatch(/.+/);
        expect(r.url).toMatch(/\/(snapshot|changes)\b/);
      }
      const text = JSON.stringify(events);
      for (const v of UNGRANTED_VALUES) expect(text.includes(v), `${v} leaked`).toBe(false);
      expect(text).not.toContain('001085000003');
      const shaped = events.find((e) => e.key === 'dv-shape')!;
      expect(Object.keys(shaped.data as object).sort()).toEqual(['citizen_id', 'date_of_birth', 'full_name', 'member_number', 'province_code']);
      // A consumer granted less (VPCP-TK: member_number, gender) sees less on the same feed.
      for await (const e of w.clients['VPCP-TK'].changes(ds, { limit: 200 })) {
        if (e.data)
          expect(
            Object.keys(e.data).every((k) => ['member_number', 'gender', 'citizen_id'].includes(k)),
            JSON.stringify(e.data),
          ).toBe(true);
      }
      // Asking for an ungranted field is refused (R-8.2), on the feed as on reads.
      const err = await refused(
        consumer()
          .changes(ds, { fields: ['gender'] })
          .next(),
      );
      expect(err.status).toBe(403);
      expect(err.receipt?.id).toBeTruthy();
    });

    it('R-6.1c, R-17.2: an export is prepared at one position, its SHA-256 and signed manifest known, logged before download; NDJSON and CSV are shaped to the grant', async () => {
      for (const format of ['ndjson', 'csv'] as const) {
        const ex = await consumer().export(ds, { format });
        expect(ex.receipt.id).toBeTruthy();
        expect(ex.manifest).toMatchObject({ dataset: ds, format, fields: [...GRANTED].sort(), masked: { citizen_id: 'last4' } });
        const chunks: Uint8Array[] = [];
        const receipts = consumer().receipts.length;
        for await (const c of ex.content()) chunks.push(c);
        const body = Buffer.concat(chunks);
        expect(crypto.createHash('sha256').update(body).digest('hex')).toBe(ex.manifest.sha256);
        expect(body.length).toBe(ex.manifest.bytes);
        expect(consumer().receipts.length).toBe(receipts + 1);
        const text = body.toString('utf8');
        for (const v of UNGRANTED_VALUES) expect(text.includes(v), `${v} leaked in ${format}`).toBe(false);
        expect(text).not.toMatch(/\b00108500000\d\b/);
        if (format === 'ndjson') {
          const lines = text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { key: string; data: object });
          expect(lines.length).toBe(ex.manifest.records);
          for (const l of lines) expect(Object.keys(l.data).every((k) => [...GRANTED, 'citizen_id'].includes(k))).toBe(true);
        } else {
          const [header] = text.split('\r\n');
          expect(header).toBe('key,version,updated_at,member_number,full_name,citizen_id,date_of_birth,province_code');
        }
      }
      // The download's own log entry names the export's SHA-256 (R-17.2), written before the first byte.
      const last = consumer().receipts.at(-1)!;
      const entry = await w.call('GET', `/api/v1/ledger/receipts/${last.id}`, `Bearer ${await consumer().accessToken()}`);
      expect(entry.statusCode, entry.body).toBe(200);
      expect(JSON.stringify(entry.json())).toContain(last.content_sha256);
      // Filters on granted fields; a filter on an ungranted one is refused (R-8.2).
      const filtered = await consumer().export(ds, { filters: { province_code: '01' } });
      expect(filtered.manifest.records).toBeGreaterThanOrEqual(1);
      expect((await refused(consumer().export(ds, { filters: { gender: '1' } }))).status).toBe(403);
      // Secret data is not exported as a file (R-11).
      expect((await refused(w.clients['VPCP-MAT'].export('vu-an'))).problem.rule).toBe('R-11');
    });

    it("R-6.1c: cursors are checked — another dataset's or a forged one is a 400, logged", async () => {
      const res = await w.call(
        'GET',
        `/data/v1/${ds}/changes?cursor=${Buffer.from('{"v":1,"d":"vu-an","p":1}').toString('base64url')}`,
        `Bearer ${await w.clients['VPCP-TK'].accessToken()}`,
        undefined,
        { 'lienthong-purpose': 'bao-cao-thong-ke' },
      );
      expect([res.statusCode, Boolean(res.headers['lienthong-receipt'])]).toEqual([400, true]);
      const forged = await w.call('GET', `/data/v1/${ds}/snapshot?cursor=bm90IGpzb24`, `Bearer ${await w.clients['VPCP-TK'].accessToken()}`, undefined, {
        'lienthong-purpose': 'bao-cao-thong-ke',
      });
      expect(forged.statusCode).toBe(400);
    });

    it('R-15.2, R-16: a suspension, a revoked account and a terminated agreement stop the feed, the snapshot and the export download at once', async () => {
      const ex = await consumer().export(ds);
      const agreements = (await w.call('GET', `/api/v1/agreements?dataset=${ds}&limit=50`, w.auth.custodian)).json().items as {
        id: string;
        system_code: string;
        status: string;
      }[];
      const qlcb = agreements.find((a) => a.system_code === 'VPCP-QLCB' && a.status === 'active')!;
      const s = await w.call('POST', '/api/v1/consumer-suspensions', w.auth.custodian, {
        agreement_id: qlcb.id,
        ground: 'purpose_violation',
        violation: 'Dùng sai mục đích',
        handling: 'Tạm ngừng kết nối',
        requirements: 'Giải trình',
        found_at: w.env.clock.now().toISOString(),
      });
      expect(s.statusCode, s.body).toBe(201);
      const stopped = async (rule: string | RegExp) => {
        // One call at a time: a second call made at once could be refused before it is awaited (an unhandled rejection).
        for (const call of [() => consumer().changes(ds).next(), () => consumer().changes(ds, { cursor: 'changes:' }).next()]) {
          const err = await refused(call());
          expect(err.status).toBeGreaterThanOrEqual(401);
          expect(String(err.problem.rule ?? '')).toMatch(rule);
          expect(err.receipt?.id).toBeTruthy(); // the refusal is logged too
        }
        const chunks = ex.content();
        await expect(chunks.next()).rejects.toThrow(/403|401/);
      };
      await stopped('R-15.2');
      expect((await w.call('POST', `/api/v1/consumer-suspensions/${s.json().id}/restore`, w.auth.custodian, { reason: 'Đã giải trình' })).statusCode).toBe(200);
      expect((await consumer().changes(ds).next()).done).toBe(false);

      // Termination (R-16.1) of VPCP-TK's agreement: its feed stops.
      const tk = agreements.find((a) => a.system_code === 'VPCP-TK' && a.status === 'active')!;
      const tkExport = await w.clients['VPCP-TK'].export(ds);
      const t = await w.call('POST', `/api/v1/agreements/${tk.id}/terminate`, w.auth.custodian, {
        ground: 'a',
        reason: 'Hai bên thoả thuận chấm dứt',
        evidence: 'Công văn số 12/CV-VPCP ngày 02/03/2026',
      });
      expect(t.statusCode, t.body).toBe(200);
      expect((await refused(w.clients['VPCP-TK'].changes(ds).next())).status).toBe(403);
      await expect(tkExport.content().next()).rejects.toThrow(/403/);

      // Revocation of the account (R-16): its token no longer opens anything.
      const revoked = await w.call('POST', `/api/v1/accounts/${w.accounts['VPCP-QLCB'].client_id}/revoke`, w.auth.consumer, { reason: 'Ngừng kết nối' });
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect((await refused(consumer().changes(ds).next())).status).toBe(401);
      await expect(ex.content().next()).rejects.toThrow(/401/);
    });
  });
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

/** The custodian's own view of its live records (the admin API). */
async function allOf(w: World, dataset: string): Promise<{ key: string; version: number; data: Record<string, unknown> }[]> {
  const out = [];
  for (let after: string | null = null; ;) {
    const res = await w.call('GET', `/api/v1/datasets/${dataset}/records?limit=1000${after ? `&after=${after}` : ''}`, w.auth.custodian);
    const page = res.json() as { items: { key: string; version: number; data: Record<string, unknown> }[]; next_after: string | null };
    out.push(...page.items);
    if (!page.next_after) return out;
    after = page.next_after;
  }
}
