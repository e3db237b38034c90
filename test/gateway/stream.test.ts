import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedEvent } from 'lienthong/client';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, refused, startWorld } from './world.ts';
import { type RawStream, openRaw } from './sse.ts';

const GRANTED = ['member_number', 'full_name', 'date_of_birth', 'province_code'];
const ds = 'can-bo-dang-vien';

for (const driver of DRIVERS) {
  describe(`[${driver}] change stream, server-sent events (R-4.3, R-6.1c, R-17.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());

    const writer = () => w.clients['BTCTW-CSDL'];
    const consumer = () => w.clients['VPCP-QLCB'];
    const headersOf = async (system: 'VPCP-QLCB' | 'VPCP-TK', purpose: string) => ({
      authorization: `Bearer ${await w.clients[system].accessToken()}`,
      'lienthong-purpose': purpose,
    });

    it('R-4.3, R-17.2: a stream delivers writes in commit order, each batch signed and logged with its receipt; Last-Event-ID resumes with no gap', async () => {
      const raw = await openRaw(`${w.internet}/data/v1/${ds}/stream`, await headersOf('VPCP-QLCB', 'to-chuc-can-bo'));
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
      for (let i = 0; i < 5; i++) await writer().putRecord(ds, `st-${i}`, member(1 + i));
      const got: { position: number; key: string }[] = [];
      let lastId: string | undefined;
      while (got.filter((c) => c.key.startsWith('st-')).length < 5) {
        const e = (await raw.next())!;
        expect(e.event).toBe('changes');
        // The receipt names a logged exchange whose digest is of the exact bytes of the event's body.
        expect(e.meta.receipt).toBeTruthy();
        const entry = await w.call('GET', `/api/v1/ledger/receipts/${e.meta.receipt}`, `Bearer ${await consumer().accessToken()}`);
        expect(entry.statusCode, entry.body).toBe(200);
        expect(JSON.stringify(entry.json())).toContain(crypto.createHash('sha256').update(e.raw).digest('hex'));
        got.push(...(e.body.items as { position: number; key: string }[]));
        lastId = e.id;
      }
      raw.close();
      const positions = got.map((c) => c.position);
      expect(positions).toEqual(positions.map((_, i) => positions[0]! + i));

      // Written while nobody listened, then resumed from the last event id: the next position, nothing twice.
      for (let i = 5; i < 8; i++) await writer().putRecord(ds, `st-${i}`, member(1 + i));
      const again = await openRaw(`${w.internet}/data/v1/${ds}/stream`, { ...(await headersOf('VPCP-QLCB', 'to-chuc-can-bo')), 'last-event-id': lastId! });
      const resumed: { position: number; key: string }[] = [];
      while (resumed.length < 3) resumed.push(...((await again.next())!.body.items as { position: number; key: string }[]));
      again.close();
      expect(resumed.map((c) => c.key)).toEqual(['st-5', 'st-6', 'st-7']);
      expect(resumed[0]!.position).toBe(positions.at(-1)! + 1);

      // The SDK: a dropped connection is opened again from the last event's id, with no gap.
      const connections: AbortController[] = [];
      const dropping = w.client('VPCP-QLCB', {
        purpose: 'to-chuc-can-bo',
        fetch: (input, init) => {
          const cut = new AbortController();
          connections.push(cut);
          return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal });
        },
      });
      const abort = new AbortController();
      const seen: FeedEvent[] = [];
      for await (const c of dropping.stream(ds, { signal: abort.signal, cursor: `changes:${lastId}`, reconnectMs: 50 })) {
        seen.push(c);
        if (seen.length === 3) {
          connections.forEach((cut) => cut.abort()); // the connection drops
          await writer().putRecord(ds, 'st-8', member(8));
        }
        if (seen.length === 4) abort.abort();
      }
      expect(seen.map((c) => c.key)).toEqual(['st-5', 'st-6', 'st-7', 'st-8']);
      expect(seen.map((c) => (c as { position: number }).position)).toEqual([0, 1, 2, 3].map((i) => resumed[0]!.position + i));
      expect(connections.filter((c) => c.signal.aborted).length).toBeGreaterThanOrEqual(1);
    });

    it('R-8.2: stream events are shaped and masked exactly like /changes; an ungranted field is refused at the opening, logged', async () => {
      await writer().putRecord(ds, 'st-shape', member(3, { province_code: '01' }));
      const raw = await openRaw(`${w.internet}/data/v1/${ds}/stream`, await headersOf('VPCP-QLCB', 'to-chuc-can-bo'));
      const items: { key: string; data: Record<string, unknown> | null }[] = [];
      while (!items.some((c) => c.key === 'st-shape')) items.push(...((await raw.next())!.body.items as typeof items));
      raw.close();
      const shaped = items.find((c) => c.key === 'st-shape')!;
      expect(shaped.data).toEqual({ ...pick(member(3, { province_code: '01' }), GRANTED), citizen_id: '********0003' });
      // The same change through /changes: the same item.
      let same: FeedEvent | undefined;
      for await (const c of consumer().changes(ds, { cursor: 'changes:' })) if (c.key === 'st-shape') same = c;
      expect(same?.data).toEqual(shaped.data);
      const text = JSON.stringify(items);
      for (const v of ['DB-0', '2010-05-19', '001085000003']) expect(text.includes(v), `${v} leaked`).toBe(false);
      // VPCP-TK is granted less: it sees less.
      const tk = await openRaw(`${w.internet}/data/v1/${ds}/stream`, await headersOf('VPCP-TK', 'bao-cao-thong-ke'));
      const tkItems = (await tk.next())!.body.items as { data: Record<string, unknown> | null }[];
      tk.close();
      for (const c of tkItems) if (c.data) expect(Object.keys(c.data).every((k) => ['member_number', 'gender', 'citizen_id'].includes(k))).toBe(true);
      const err = await refused(
        consumer()
          .stream(ds, { fields: ['gender'] })
          .next(),
      );
      expect([err.status, err.problem.rule, Boolean(err.receipt?.id)]).toEqual([403, 'R-8.2', true]);
    });

    it('R-8.2, R-17.2: streams of two grants woken by one write each get their own shape; streams of one grant the same bytes, each with its own entry', async () => {
      const open = async (system: 'VPCP-QLCB' | 'VPCP-TK', purpose: string, n: number) =>
        Promise.all(Array.from({ length: n }, async () => openRaw(`${w.internet}/data/v1/${ds}/stream`, await headersOf(system, purpose))));
      const full = await open('VPCP-QLCB', 'to-chuc-can-bo', 3);
      const less = await open('VPCP-TK', 'bao-cao-thong-ke', 2);
      // Each reads until the new record's change: the backlog first, then the write every stream is woken by.
      const write = writer().putRecord(ds, 'st-shared', member(6, { province_code: '79' }));
      const until = async (raw: RawStream) => {
        for (;;) {
          const e = (await raw.next())!;
          const item = (e.body.items as { key: string; data: Record<string, unknown> }[]).find((c) => c.key === 'st-shared');
          if (item) return { e, item };
        }
      };
      await write;
      const got = await Promise.all([...full, ...less].map(until));
      [...full, ...less].forEach((raw) => raw.close());
      const expected = { ...pick(member(6, { province_code: '79' }), GRANTED), citizen_id: '********0006' };
      for (const { item } of got.slice(0, 3)) expect(item.data).toEqual(expected);
      for (const { item } of got.slice(3)) {
        expect(Object.keys(item.data).every((k) => ['member_number', 'gender', 'citizen_id'].includes(k))).toBe(true);
        expect(item.data.full_name).toBeUndefined();
      }
      // One grant, one position, one head: one page, byte for byte — but every stream's batch is its own logged exchange.
      expect(new Set(got.slice(0, 3).map(({ e }) => e.raw)).size).toBe(1);
      expect(new Set(got.map(({ e }) => e.meta.receipt)).size).toBe(5);
      for (const { e } of got) {
        const entry = await w.call('GET', `/api/v1/ledger/receipts/${e.meta.receipt}`, w.auth.admin);
        expect(entry.statusCode, entry.body).toBe(200);
        const logged = entry.json() as { entry: { record_keys: string[]; response: { content_sha256: string } } };
        expect(logged.entry.record_keys).toContain('st-shared');
        expect(logged.entry.response.content_sha256).toBe(crypto.createHash('sha256').update(e.raw).digest('hex'));
      }
    });

    it('R-11, R-12.2: a secret dataset streams only on tslcd, each batch a JWE to the consumer key', async () => {
      await w.clients['BNCTW-CSDL'].putRecord('vu-an', 'VA-S1', {
        case_code: 'VA-S1',
        case_name: 'Vụ án mật',
        charges: 'Tham ô tài sản',
        defendants: 'Bị can A',
        monitoring_level: 'BCĐ TW',
        procedural_stage: 'Điều tra',
      });
      const mat = w.clients['VPCP-MAT'];
      const onInternet = w.client('VPCP-MAT', { purpose: 'kiem-tra-giam-sat', decryptionKey: w.matKey.privateKey });
      expect((await refused(onInternet.stream('vu-an').next())).problem.rule).toBe('R-12.2');
      const raw = await openRaw(`${w.tslcd}/data/v1/vu-an/stream`, {
        authorization: `Bearer ${await mat.accessToken()}`,
        'lienthong-purpose': 'kiem-tra-giam-sat',
      });
      const e = (await raw.next())!;
      raw.close();
      expect(e.meta.content_type).toBe('application/jose');
      expect(e.raw).not.toContain('Vụ án mật');
      const first = await mat.stream('vu-an').next();
      expect(first.value).toMatchObject({ key: 'VA-S1', data: { case_code: 'VA-S1', case_name: 'Vụ án mật' } });
    });

    it("R-4.3, R-6.1c: snapshot + stream under thousands of concurrent writes give the custodian's data — no gap, no duplicate after de-duplication by id, per-key order kept", async () => {
      const keys = Array.from({ length: 80 }, (_, i) => `rs-${i}`);
      const rand = (n: number) => crypto.randomInt(n);
      const copy = new Map<string, { version: number; data: Record<string, unknown> }>();
      const seen = new Set<string>();
      const lastVersion = new Map<string, number>();
      let lastPosition: number | null = null;
      let duplicates = 0;
      const apply = (e: FeedEvent) => {
        if (e.kind === 'change') {
          if (seen.has(e.id)) return void (duplicates += 1);
          seen.add(e.id);
          if (lastPosition !== null) expect(e.position, 'a gap in the stream').toBe(lastPosition + 1);
          lastPosition = e.position;
          const prev = lastVersion.get(e.key);
          if (prev !== undefined) expect(e.version, `${e.key} out of order`).toBe(prev + 1);
        }
        lastVersion.set(e.key, e.version);
        if (e.kind === 'change' && e.op === 'delete') copy.delete(e.key);
        else copy.set(e.key, { version: e.version, data: e.data as Record<string, unknown> });
      };
      const live = new Set<string>();
      let written = 0;
      const writeOne = async (round: number) => {
        const batch = Array.from(new Set(Array.from({ length: 1 + rand(10) }, () => keys[rand(keys.length)]!)));
        const records = batch.map((key) =>
          live.has(key) && rand(5) === 0 ? { key, delete: true as const } : { key, data: member(1 + rand(9), { full_name: `Người ${round}-${key}` }) },
        );
        try {
          await writer().writeBatch(ds, records);
          written += records.length;
          for (const r of records) {
            if (r.data) live.add(r.key);
            else live.delete(r.key);
          }
        } catch {
          // A concurrent batch created the same key first (409) or deleted a record in between (400): nothing of it was written.
        }
      };
      const writers = Promise.all(
        Array.from({ length: 6 }, async (_, t) => {
          for (let i = 0; i < 80; i++) await writeOne(t * 1000 + i);
        }),
      ).then(() => writer().putRecord(ds, 'rs-end', member(1)));

      // The snapshot (and the feed to its end) while the writers run, then the stream from there.
      let cursor = '';
      for await (const e of consumer().changes(ds, { limit: 200 })) {
        apply(e);
        cursor = e.cursor;
      }
      // Connections dropped now and then: the SDK resumes from the last event's id.
      const connections: AbortController[] = [];
      const dropping = w.client('VPCP-QLCB', {
        purpose: 'to-chuc-can-bo',
        fetch: (input, init) => {
          const cut = new AbortController();
          connections.push(cut);
          return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal });
        },
      });
      const abort = new AbortController();
      let n = 0;
      for await (const e of dropping.stream(ds, { cursor, signal: abort.signal, reconnectMs: 20 })) {
        apply(e);
        if (++n % 150 === 0) connections.forEach((c) => c.abort());
        if (e.key === 'rs-end') abort.abort();
      }
      await writers;
      expect(written).toBeGreaterThan(1000);
      expect(connections.length).toBeGreaterThan(1);
      expect(duplicates).toBe(0);

      const truth = new Map<string, { version: number; data: Record<string, unknown> }>();
      for (const r of await allOf(w, ds)) truth.set(r.key, { version: r.version, data: r.data });
      expect(copy.size).toBe(truth.size);
      for (const [key, t] of truth) {
        const c = copy.get(key);
        expect(c?.version, key).toBe(t.version);
        expect(c?.data).toEqual({ ...pick(t.data, GRANTED), citizen_id: `********${String(t.data.citizen_id).slice(-4)}` });
      }
    }, 600_000);

    it('R-15.2, R-16: a suspension, a terminated agreement and a revoked account close the stream within 1 s, with a problem+json event', async () => {
      const agreements = (await w.call('GET', `/api/v1/agreements?dataset=${ds}&limit=50`, w.auth.custodian)).json().items as {
        id: string;
        system_code: string;
        status: string;
      }[];
      const qlcb = agreements.find((a) => a.system_code === 'VPCP-QLCB' && a.status === 'active')!;
      const tk = agreements.find((a) => a.system_code === 'VPCP-TK' && a.status === 'active')!;
      /** Opens a stream, reads to the feed's end, does `act`, and returns the closing event and how long after the act it came. */
      const closedBy = async (system: 'VPCP-QLCB' | 'VPCP-TK', purpose: string, act: () => Promise<void>) => {
        const raw = await openRaw(`${w.internet}/data/v1/${ds}/stream`, await headersOf(system, purpose));
        expect(raw.status).toBe(200);
        for (let e = await raw.next(); e && e.body.more; e = await raw.next());
        await act();
        const acted = Date.now();
        let e = await raw.next(5000);
        while (e?.event === 'changes') e = await raw.next(5000);
        const closedAt = await raw.closed;
        return { e: e!, after: e!.at - acted, closedAfter: closedAt - acted };
      };

      const suspension = await closedBy('VPCP-QLCB', 'to-chuc-can-bo', async () => {
        const s = await w.call('POST', '/api/v1/consumer-suspensions', w.auth.custodian, {
          agreement_id: qlcb.id,
          ground: 'purpose_violation',
          violation: 'Dùng sai mục đích',
          handling: 'Tạm ngừng kết nối',
          requirements: 'Giải trình',
          found_at: w.env.clock.now().toISOString(),
        });
        expect(s.statusCode, s.body).toBe(201);
        suspensionId = s.json().id;
      });
      expect(suspension.e.event).toBe('suspended');
      expect(suspension.e.body).toMatchObject({ rule: 'R-15.2' });
      expect(suspension.e.meta.receipt).toBeTruthy(); // the refusal is logged too
      expect(suspension.after).toBeLessThan(1000);
      expect(suspension.closedAfter).toBeLessThan(1000);
      expect((await w.call('POST', `/api/v1/consumer-suspensions/${suspensionId}/restore`, w.auth.custodian, { reason: 'Đã giải trình' })).statusCode).toBe(
        200,
      );

      const termination = await closedBy('VPCP-TK', 'bao-cao-thong-ke', async () => {
        const t = await w.call('POST', `/api/v1/agreements/${tk.id}/terminate`, w.auth.custodian, {
          ground: 'a',
          reason: 'Hai bên thoả thuận chấm dứt',
          evidence: 'Công văn số 12/CV-VPCP ngày 02/03/2026',
        });
        expect(t.statusCode, t.body).toBe(200);
      });
      expect([termination.e.event, termination.e.meta.status]).toEqual(['revoked', 403]);
      expect(termination.after).toBeLessThan(1000);

      const revocation = await closedBy('VPCP-QLCB', 'to-chuc-can-bo', async () => {
        const r = await w.call('POST', `/api/v1/accounts/${w.accounts['VPCP-QLCB'].client_id}/revoke`, w.auth.consumer, { reason: 'Ngừng kết nối' });
        expect(r.statusCode, r.body).toBe(200);
      });
      expect([revocation.e.event, revocation.e.meta.status]).toEqual(['revoked', 401]);
      expect(revocation.after).toBeLessThan(1000);
      // The SDK does not reconnect a revoked account: it throws the refusal.
      expect((await refused(consumer().stream(ds).next())).status).toBe(401);
    });
    let suspensionId = '';
  });
}

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

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
