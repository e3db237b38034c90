import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/schedules/runner.ts';
import type { ScheduleDeps } from '../../src/schedules/index.ts';
import { nextRun } from '../../src/schedules/cron.ts';
import { vietnamDate } from '../../src/core/time.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { TSLCD_EGRESS, type World, caseRecord, member, startWorld } from '../gateway/world.ts';
import { type Receiver, type SourceService, startReceiver, startSource } from './world.ts';

const ds = 'can-bo-dang-vien';
/** What VPCP-DB's sync agreement grants: citizen_id (personal, not granted) leaves masked, nothing else of the record. */
const GRANTED = ['member_number', 'full_name'];

describe('cron in Viet Nam time (R-6.1c)', () => {
  it('R-6.1c: "0 2 * * *" runs at 02:00 in Hà Nội, which is 19:00 UTC the day before', () => {
    expect(nextRun('0 2 * * *', new Date('2026-03-02T02:00:00Z'))?.toISOString()).toBe('2026-03-02T19:00:00.000Z');
    expect(nextRun('0 2 * * *', new Date('2026-03-02T19:00:00Z'))?.toISOString()).toBe('2026-03-03T19:00:00.000Z');
    expect(nextRun('30 8 * * 1', new Date('2026-03-02T02:00:00Z'))?.toISOString()).toBe('2026-03-09T01:30:00.000Z'); // Monday 08:30 there
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] periodic synchronisation: scheduled pulls and deliveries (R-6.1c, R-15, R-16, R-17.2)`, () => {
    let w: World;
    let source: SourceService;
    let receiver: Receiver;
    let agreementId: string;
    const custodian = () => w.env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
    const consumer = () => w.env.login('kt.vpcp', 'mat-khau-kt.vpcp-2025');
    const deps = (): ScheduleDeps => {
      const p = w.env.platform;
      return {
        catalog: p.catalog,
        sync: p.sync,
        agreements: p.agreements,
        registry: p.registry,
        upstreams: p.upstreams,
        gateway: p.gateway,
        serviceBlock: (d, at) => p.lifecycle.serviceBlock(d, at),
      };
    };
    const live = async (key: string) => (await w.env.platform.sync.records.readLiveMany([{ dataset: ds, key }]))[0]?.data ?? null;
    const moveTo = (at: Date | string) => w.env.clock.advance(new Date(at).getTime() - w.env.clock.now().getTime());

    beforeAll(async () => {
      w = await startWorld(driver);
      [source, receiver] = await Promise.all([startSource(), startReceiver()]);
      const svc = await w.call('PUT', `/api/v1/datasets/${ds}/service`, w.auth.custodian, { base_url: source.url, auth: 'none' });
      expect(svc.statusCode, svc.body).toBe(200);
      // A consumer system that takes the dataset by periodic synchronisation.
      const sys = await w.call('POST', '/api/v1/systems', w.auth.consumer, {
        code: 'VPCP-DB',
        agency_code: 'VPCP',
        name_vi: 'Hệ thống đồng bộ',
        name_en: 'Sync system',
        security_level: 3,
        zone: 'internet',
      });
      expect(sys.statusCode, sys.body).toBe(201);
      await w.env.approveSecurityLevel('VPCP-DB', 3);
      const a = await w.call('POST', '/api/v1/agreements', w.auth.consumer, {
        dataset_code: ds,
        system_code: 'VPCP-DB',
        purpose_code: 'to-chuc-can-bo',
        purpose_text: 'Đồng bộ hồ sơ cán bộ hằng đêm',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 6.1c',
        requested_fields: GRANTED,
        forms: ['sync'],
        frequency: 'hằng ngày',
        valid_from: '2026-03-02',
        valid_to: '2026-12-31',
      });
      expect(a.statusCode, a.body).toBe(201);
      agreementId = a.json().id;
      expect((await w.call('POST', `/api/v1/agreements/${agreementId}/approve`, w.auth.custodian, {})).statusCode).toBe(200);
    });
    afterAll(async () => {
      await Promise.all([source?.close(), receiver?.close()]);
      await w?.env.close();
    });

    let pullId: string;

    it('R-6.1c, R-4.7: a scheduled pull (02:00 Viet Nam time) reads the registered service incrementally with updated_since; invalid records are refused and reported with their keys, never written', async () => {
      for (const n of [1, 2, 3]) source.put(`p-${n}`, member(n));
      source.put('p-4', member(4, { citizen_id: 'không-phải-số' }));
      const created = await w.call('POST', '/api/v1/schedules', w.auth.custodian, {
        direction: 'pull',
        dataset_code: ds,
        mode: 'incremental',
        cron: '0 2 * * *',
        procedure: 'Lấy thay đổi hằng đêm từ hệ thống quản lý đảng viên',
      });
      expect(created.statusCode, created.body).toBe(201);
      const s = created.json();
      pullId = s.id;
      // 02:00 in Hà Nội is 19:00 UTC the day before.
      expect(s).toMatchObject({ time_zone: 'Asia/Ho_Chi_Minh', next_run_at: '2026-03-02T19:00:00.000Z', status: 'active' });

      // Not due yet: nothing runs.
      expect(await w.env.platform.schedules.runner.runDue()).toBe(0);
      moveTo(s.next_run_at);
      expect(await w.env.platform.schedules.runner.runDue()).toBe(1);

      const runs = (await w.call('GET', `/api/v1/schedules/${pullId}/runs`, await custodian())).json();
      expect(runs.total).toBe(1);
      const run = runs.items[0];
      expect(run).toMatchObject({ status: 'partial', trigger: 'schedule', fetched: 4, written: 3, refused: 1, cursor_from: null, cursor_to: '4' });
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatchObject({ key: 'p-4', path: '/items/1/data/citizen_id' });
      expect(run.errors[0].message).toMatch(/\S/);
      expect(run.errors[0].message_en).toMatch(/\S/);
      expect(new Date(run.finished_at).getTime()).toBeGreaterThanOrEqual(new Date(run.started_at).getTime());
      expect(await live('p-1')).toMatchObject({ member_number: member(1).member_number });
      expect(await live('p-4')).toBeNull();
      // Written as the custodian by the schedule: the change feed carries it like any write.
      const versions = await w.call('GET', `/api/v1/datasets/${ds}/records/p-1/versions`, await custodian());
      expect(versions.json()[0] ?? versions.json().items?.[0]).toMatchObject({ written_by: `schedule:${pullId}`, producer_agency_code: 'BTCTW' });
      const after = (await w.call('GET', `/api/v1/schedules/${pullId}`, await custodian())).json();
      expect(after).toMatchObject({ cursor: '4', next_run_at: '2026-03-03T19:00:00.000Z', last_run: { id: run.id } });

      // The next run asks only for what changed since the cursor.
      source.put('p-1', member(1, { full_name: 'Nguyễn Văn Một' }));
      source.put('p-5', member(5));
      const before = source.queries.length;
      const now = await w.call('POST', `/api/v1/schedules/${pullId}/run`, await custodian());
      expect(now.statusCode, now.body).toBe(201);
      expect(now.json()).toMatchObject({ status: 'succeeded', trigger: 'manual', fetched: 2, written: 2, refused: 0, cursor_from: '4', cursor_to: '6' });
      expect(source.queries.slice(before).every((q) => q.get('updated_since') === '4')).toBe(true);
      expect(await live('p-1')).toMatchObject({ full_name: 'Nguyễn Văn Một' });
    });

    it('R-6.1c: a full pull compares the whole listing — unchanged records are not written again, keys the service no longer lists are tombstoned', async () => {
      source.remove('p-2');
      const full = await w.call('POST', '/api/v1/schedules', await custodian(), { direction: 'pull', dataset_code: ds, mode: 'full', cron: '*/30 * * * *' });
      expect(full.statusCode, full.body).toBe(201);
      const run = (await w.call('POST', `/api/v1/schedules/${full.json().id}/run`, await custodian())).json();
      // Listed: p-1, p-3, p-5 unchanged; p-4 still invalid; p-2 gone from the listing.
      expect(run).toMatchObject({ status: 'partial', fetched: 4, written: 0, unchanged: 3, refused: 1, deleted: 1 });
      expect(await live('p-2')).toBeNull();
      const versions = (await w.call('GET', `/api/v1/datasets/${ds}/records/p-2/versions`, await custodian())).json();
      expect(versions.at(-1)).toMatchObject({ deleted: true, written_by: `schedule:${full.json().id}` });
      // Paused: no scheduled run starts.
      expect((await w.call('POST', `/api/v1/schedules/${full.json().id}/pause`, await custodian(), {})).json().status).toBe('paused');
    });

    let deliverId: string;

    it('R-6.1c, R-8.2, R-17.2: a delivery sends the changes since its last run, shaped by the agreement, logged before sending; the cursor moves only when the endpoint took the batch', async () => {
      // The custodian cannot name the consumer's endpoint; the agreement must include `sync`.
      const byCustodian = await w.call('POST', '/api/v1/schedules', await custodian(), {
        direction: 'deliver',
        agreement_id: agreementId,
        endpoint_url: receiver.url,
        cron: '*/15 * * * *',
      });
      expect(byCustodian.statusCode).toBe(403);
      const apiOnly = (await w.call('GET', `/api/v1/agreements?system=VPCP-QLCB&dataset=${ds}`, await consumer())).json().items[0].id;
      const noSync = await w.call('POST', '/api/v1/schedules', await consumer(), {
        direction: 'deliver',
        agreement_id: apiOnly,
        endpoint_url: receiver.url,
        cron: '*/15 * * * *',
      });
      expect(noSync.statusCode).toBe(422);
      expect(noSync.json().rule).toBe('R-6.1c');

      const created = await w.call('POST', '/api/v1/schedules', await consumer(), {
        direction: 'deliver',
        agreement_id: agreementId,
        endpoint_url: receiver.url,
        cron: '*/15 * * * *',
      });
      expect(created.statusCode, created.body).toBe(201);
      deliverId = created.json().id;
      const head = await w.env.platform.sync.feed.head(ds);
      expect(head).toBeGreaterThan(0);

      // The endpoint fails: the batch was logged (a receipt), the cursor stays.
      receiver.status = 500;
      moveTo(created.json().next_run_at);
      expect(await w.env.platform.schedules.runner.runDue()).toBe(1);
      const failed = (await w.call('GET', `/api/v1/schedules/${deliverId}/runs`, await consumer())).json().items[0];
      expect(failed).toMatchObject({ status: 'failed', delivered: 0, cursor_to: null });
      expect(failed.receipts).toHaveLength(1);
      expect(failed.error_en).toContain('500');
      expect((await w.call('GET', `/api/v1/schedules/${deliverId}`, await consumer())).json().cursor).toBeNull();
      expect(receiver.received).toHaveLength(1);

      // The next run sends the same batch again, and this time it is taken.
      receiver.status = 200;
      const ok = await w.call('POST', `/api/v1/schedules/${deliverId}/run`, await consumer());
      expect(ok.json()).toMatchObject({ status: 'succeeded', cursor_from: null, cursor_to: String(head) });
      expect(ok.json().delivered).toBe(head);
      expect(receiver.received).toHaveLength(2);
      const [first, second] = receiver.received;
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(second!.headers['x-jws-signature']).toMatch(/^[\w-]+\.\.[\w-]+$/);
      expect(second!.headers['lienthong-receipt']).toBe(ok.json().receipts[0]);
      const batch = JSON.parse(second!.body) as { items: { key: string; op: string; data: Record<string, unknown> | null }[] };
      expect(batch.items).toHaveLength(head);
      for (const it of batch.items) {
        if (!it.data) continue;
        // Nothing ungranted leaves: the granted fields whole, citizen_id masked, nothing else.
        expect(
          Object.keys(it.data).every((k) => [...GRANTED, 'citizen_id'].includes(k)),
          JSON.stringify(it.data),
        ).toBe(true);
        if (it.data.citizen_id) expect(String(it.data.citizen_id)).toMatch(/^\*+\d{4}$/);
      }
      expect(second!.body).not.toContain('1985-01-0'); // date_of_birth is not granted
      expect(batch.items.some((it) => it.key === 'p-2' && it.op === 'delete')).toBe(true);
      // The sharing log has the entry of each batch: the receipt reads back.
      const receipt = await w.call('GET', `/api/v1/ledger/receipts/${ok.json().receipts[0]}`, await w.env.adminAuth());
      expect(receipt.statusCode, receipt.body).toBe(200);

      // Nothing new: nothing sent, nothing logged.
      const idle = (await w.call('POST', `/api/v1/schedules/${deliverId}/run`, await consumer())).json();
      expect(idle).toMatchObject({ status: 'succeeded', delivered: 0, receipts: [] });
      expect(receiver.received).toHaveLength(2);
      // Only what changed since goes next time.
      await w.clients['BTCTW-CSDL'].putRecord(ds, 'p-9', member(9));
      const more = (await w.call('POST', `/api/v1/schedules/${deliverId}/run`, await consumer())).json();
      expect(more).toMatchObject({ status: 'succeeded', delivered: 1, cursor_from: String(head), cursor_to: String(head + 1) });
      expect(JSON.parse(receiver.received[2]!.body).items.map((i: { key: string }) => i.key)).toEqual(['p-9']);
    });

    it('R-15.2, R-16.1: a consumer suspension, then a termination, stop the next run at once — recorded as refused with the rule, nothing sent', async () => {
      await w.clients['BTCTW-CSDL'].putRecord(ds, 'p-10', member(8));
      const sent = receiver.received.length;
      const suspension = await w.call('POST', '/api/v1/consumer-suspensions', await custodian(), {
        agreement_id: agreementId,
        ground: 'purpose_violation',
        violation: 'Dùng dữ liệu đồng bộ sai mục đích',
        handling: 'Tạm ngừng kết nối',
        requirements: 'Giải trình bằng văn bản',
        found_at: w.env.clock.now().toISOString(),
      });
      expect(suspension.statusCode, suspension.body).toBe(201);
      const r1 = (await w.call('POST', `/api/v1/schedules/${deliverId}/run`, await consumer())).json();
      expect(r1).toMatchObject({ status: 'refused', rule: 'R-15.2', delivered: 0 });

      const ended = await w.call('POST', `/api/v1/agreements/${agreementId}/terminate`, await custodian(), {
        ground: 'c',
        reason: 'Theo yêu cầu của cơ quan có thẩm quyền',
        evidence: 'Công văn số 15-CV/VPTW ngày 02/03/2026',
      });
      expect(ended.statusCode, ended.body).toBe(200);
      const s = (await w.call('GET', `/api/v1/schedules/${deliverId}`, await consumer())).json();
      moveTo(s.next_run_at);
      expect(await w.env.platform.schedules.runner.runDue()).toBeGreaterThanOrEqual(1);
      const r2 = (await w.call('GET', `/api/v1/schedules/${deliverId}/runs?limit=1`, await consumer())).json().items[0];
      expect(r2).toMatchObject({ status: 'refused', rule: 'R-16.1', delivered: 0, trigger: 'schedule' });
      expect(receiver.received).toHaveLength(sent);
    });

    it('R-11, R-12.2: secret data is delivered encrypted to the consumer system key, and only to a system on the tslcd zone', async () => {
      const bnctw = await w.env.login('cq.bnctw', 'mat-khau-cq.bnctw-2025');
      const approver = await w.env.login('pd.bnctw', 'mat-khau-pd.bnctw-2025');
      await w.clients['BNCTW-CSDL'].putRecord('vu-an', 'VA-1', caseRecord(1));
      const a = await w.call('POST', '/api/v1/agreements', await consumer(), {
        dataset_code: 'vu-an',
        system_code: 'VPCP-MAT',
        purpose_code: 'kiem-tra-giam-sat',
        purpose_text: 'Đồng bộ vụ án phục vụ kiểm tra, giám sát',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 11',
        requested_fields: ['case_code', 'case_name'],
        forms: ['sync'],
        frequency: 'hằng ngày',
        valid_from: vietnamDate(w.env.clock.now()),
        valid_to: '2026-12-31',
      });
      expect(a.statusCode, a.body).toBe(201);
      for (const who of [bnctw, approver]) expect((await w.call('POST', `/api/v1/agreements/${a.json().id}/approve`, who, {})).statusCode).toBe(200);
      const s = await w.call('POST', '/api/v1/schedules', await consumer(), {
        direction: 'deliver',
        agreement_id: a.json().id,
        endpoint_url: receiver.url,
        cron: '0 * * * *',
      });
      expect(s.statusCode, s.body).toBe(201);
      const sent = receiver.received.length;
      const run = (await w.call('POST', `/api/v1/schedules/${s.json().id}/run`, await consumer())).json();
      expect(run).toMatchObject({ status: 'succeeded', delivered: 1 });
      const got = receiver.received[sent]!;
      expect(got.headers['content-type']).toBe('application/jose');
      expect(got.body).not.toContain('Vụ án');
      const { plaintext } = await jose.compactDecrypt(got.body, w.matKey.privateKey);
      const batch = JSON.parse(new TextDecoder().decode(plaintext)) as { items: { key: string; data: Record<string, unknown> }[] };
      expect(batch.items.map((i) => i.key)).toEqual(['VA-1']);
      expect(batch.items[0]!.data).toMatchObject({ case_code: 'VA-1', case_name: 'Vụ án số 1' });
      expect(batch.items[0]!.data.charges).toBeUndefined();

      // Moved off the dedicated network: the next run is refused, nothing leaves.
      const sys = await w.call('GET', '/api/v1/systems/VPCP-MAT', await consumer());
      const moved = await w.call('PATCH', '/api/v1/systems/VPCP-MAT', await consumer(), { zone: 'internet' }, { 'if-match': String(sys.headers.etag) });
      expect(moved.statusCode, moved.body).toBe(200);
      await w.clients['BNCTW-CSDL'].putRecord('vu-an', 'VA-2', caseRecord(2));
      const refused = (await w.call('POST', `/api/v1/schedules/${s.json().id}/run`, await consumer())).json();
      expect(refused).toMatchObject({ status: 'refused', rule: 'R-12.2', delivered: 0 });
      expect(receiver.received).toHaveLength(sent + 1);
      await w.call('POST', `/api/v1/schedules/${s.json().id}/pause`, await consumer(), {});
    });

    it("R-12.2: a pull of secret data leaves from the platform's address on the dedicated network; other pulls do not", async () => {
      const bnctw = await w.env.login('cq.bnctw', 'mat-khau-cq.bnctw-2025');
      const secretSource = await startSource();
      try {
        secretSource.put('VA-9', caseRecord(9));
        const svc = await w.call('PUT', '/api/v1/datasets/vu-an/service', bnctw, { base_url: secretSource.url, auth: 'none' });
        expect(svc.statusCode, svc.body).toBe(200);
        const s = await w.call('POST', '/api/v1/schedules', bnctw, { direction: 'pull', dataset_code: 'vu-an', mode: 'incremental', cron: '0 3 * * *' });
        expect(s.statusCode, s.body).toBe(201);
        const run = (await w.call('POST', `/api/v1/schedules/${s.json().id}/run`, bnctw)).json();
        expect(run).toMatchObject({ status: 'succeeded', written: 1 });
        expect(new Set(secretSource.peers)).toEqual(new Set([TSLCD_EGRESS]));
        expect((await w.env.platform.sync.records.readLiveMany([{ dataset: 'vu-an', key: 'VA-9' }]))[0]?.data).toMatchObject({ case_code: 'VA-9' });
        // The normal dataset's pulls earlier in this file left from the default address.
        expect(source.peers.length).toBeGreaterThan(0);
        expect(source.peers).not.toContain(TSLCD_EGRESS);
        await w.call('POST', `/api/v1/schedules/${s.json().id}/pause`, bnctw, {});
      } finally {
        await secretSource.close();
      }
    });

    it('R-6.1c: two runners on one database make each due run once; a run whose runner died is taken over when its lease ends', async () => {
      source.remove('p-4'); // every listed record is valid: each run succeeds
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await w.call('POST', '/api/v1/schedules', await custodian(), {
          direction: 'pull',
          dataset_code: ds,
          mode: 'incremental',
          cron: '*/10 * * * *',
        });
        expect(r.statusCode, r.body).toBe(201);
        ids.push(r.json().id);
      }
      // Leave the earlier schedules out: pause them.
      for (const id of [pullId, deliverId]) expect((await w.call('POST', `/api/v1/schedules/${id}/pause`, await custodian(), {})).statusCode).toBe(200);
      const due = (await w.call('GET', `/api/v1/schedules/${ids[0]}`, await custodian())).json().next_run_at;
      moveTo(due);
      const a = createRunner(w.env.platform.db, w.env.clock, deps(), { owner: 'runner-a', batch: 2 });
      const b = createRunner(w.env.platform.db, w.env.clock, deps(), { owner: 'runner-b', batch: 2 });
      const counts = await Promise.all([a.runDue(), b.runDue(), a.runDue(), b.runDue(), a.runDue()]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(4);
      for (const id of ids) {
        const runs = (await w.call('GET', `/api/v1/schedules/${id}/runs`, await custodian())).json();
        expect(runs.total, id).toBe(1);
        expect(runs.items[0].status).toBe('succeeded');
      }

      // A runner that "dies" mid-run (its service call never returns) holds the lease until it ends.
      const next = (await w.call('GET', `/api/v1/schedules/${ids[0]}`, await custodian())).json().next_run_at;
      for (const id of ids.slice(1)) await w.call('POST', `/api/v1/schedules/${id}/pause`, await custodian(), {});
      moveTo(next);
      source.hang = true;
      const dead = createRunner(w.env.platform.db, w.env.clock, deps(), { owner: 'runner-dead', leaseMs: 60_000 });
      void dead.runDue().catch(() => undefined);
      await expect
        .poll(async () => (await w.call('GET', `/api/v1/schedules/${ids[0]}/runs`, await custodian())).json().items[0].status, { timeout: 20_000 })
        .toBe('running');
      source.hang = false;
      expect(await b.runDue()).toBe(0); // the lease still holds
      w.env.clock.advance(61_000);
      expect(await b.runDue()).toBe(1);
      const runs = (await w.call('GET', `/api/v1/schedules/${ids[0]}/runs`, await custodian())).json().items;
      expect(runs.map((r: { status: string; runner: string }) => [r.status, r.runner])).toEqual([
        ['succeeded', 'runner-b'],
        ['interrupted', 'runner-dead'],
        ['succeeded', expect.any(String)],
      ]);
    });
  });
}
