import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LienThongClient } from 'lienthong/client';
import { ADMIN_PASSWORD, ADMIN_TOTP, DRIVERS } from '../helpers/platform.ts';
import { type SystemCode, type World, member, refused, startWorld } from '../gateway/world.ts';

const HOUR = 3600_000;

for (const driver of DRIVERS) {
  describe(`[${driver}] suspension, termination and public notices on the working-day calendar (R-15, R-16)`, () => {
    let w: World;
    let custodian: string;
    let consumer: string;
    let admin: string;
    let qlcbAgreement: string;

    beforeAll(async () => {
      w = await startWorld(driver);
      await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-1', member(1));
      const list = await w.call('GET', '/api/v1/agreements?limit=100', w.auth.consumer);
      qlcbAgreement = list
        .json()
        .items.find((a: { system_code: string; dataset_code: string }) => a.system_code === 'VPCP-QLCB' && a.dataset_code === 'can-bo-dang-vien').id;
      await relogin();
    });
    afterAll(() => w.env.close());

    /** Moves the platform's clock; sessions and cached tokens older than the jump are renewed. */
    async function moveTo(iso: string) {
      w.env.clock.advance(new Date(iso).getTime() - w.env.clock.now().getTime());
      await relogin();
    }
    async function relogin() {
      custodian = await w.env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
      consumer = await w.env.login('kt.vpcp', 'mat-khau-kt.vpcp-2025');
      admin = await w.env.login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    }
    // The SDK renews tokens by real time; the test moves the platform's clock, so each read gets a fresh client.
    const reader = (s: SystemCode): LienThongClient => w.client(s, { purpose: s === 'VPCP-TK' ? 'bao-cao-thong-ke' : 'to-chuc-can-bo' });
    const read = (s: SystemCode) => reader(s).getRecord('can-bo-dang-vien', 'dv-1');
    const post = (url: string, who: string, body: object) => w.call('POST', url, who, body);
    /** An agency's inbox messages of one kind, newest first. */
    const inbox = async (who: string, kind: string) =>
      (await w.call('GET', `/api/v1/inbox?kind=${kind}&limit=100`, who)).json().items as {
        id: string;
        subject_vi: string;
        subject_en: string;
        ref_id: string;
        payload: Record<string, unknown>;
      }[];
    /** Webhook deliveries queued for an agency's messages of one kind. */
    const deliveries = async (agency: string, kind: string) =>
      Number(
        (
          await w.env.platform.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.agency_code = $1 AND n.kind = $2',
            [agency, kind],
          )
        ).rows[0]!.n,
      );

    it('R-15.3: a planned stop needs its notice 7 working days ahead — refused one day short across the Hùng Kings and 30/4–1/5 holidays, accepted on the boundary', async () => {
      await moveTo('2026-04-22T02:00:00Z'); // Wednesday 22/4/2026, 09:00 in Viet Nam
      const calendar = await w.call('GET', '/api/v1/calendar?from=2026-04-23&to=2026-05-07', admin);
      const working = calendar
        .json()
        .days.filter((d: { working: boolean }) => d.working)
        .map((d: { date: string }) => d.date);
      // 27/4 (Hùng Kings' day falls on Sunday 26/4 → day off in lieu), 30/4 and 1/5 are not working days.
      expect(working).toEqual(['2026-04-23', '2026-04-24', '2026-04-28', '2026-04-29', '2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07']);
      const body = (starts: string) => ({
        kind: 'planned',
        dataset: 'can-bo-dang-vien',
        starts_at: starts,
        expected_restore_at: '2026-05-07T06:00:00+07:00',
        reason: 'Nâng cấp máy chủ cơ sở dữ liệu',
      });
      const short = await post('/api/v1/service-suspensions', custodian, body('2026-05-06T23:00:00+07:00'));
      expect(short.statusCode).toBe(422);
      expect(short.json()).toMatchObject({ rule: 'R-15.3', earliest_start: '2026-05-07' });
      // R-15.3: the count rests on the Hùng Kings' day, its day in lieu and 30/4–1/5 2026, which no text found announces: it says so.
      expect(short.json().deadline_calendar).toEqual({
        depends_on_computed_days: true,
        computed_days: ['2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01'],
        unannounced_years: [],
      });
      expect(short.json().detail).toContain('07/05/2026');
      const notCustodian = await post('/api/v1/service-suspensions', consumer, body('2026-05-07T00:00:00+07:00'));
      expect([notCustodian.statusCode, notCustodian.json().rule]).toEqual([403, 'R-15.1']);
      const ok = await post('/api/v1/service-suspensions', custodian, body('2026-05-07T00:00:00+07:00'));
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().notice.kind).toBe('planned_suspension');
      const board = await w.env.app.inject({ method: 'GET', url: '/api/v1/notices?custodian=BTCTW' });
      expect(board.json().items[0].reference).toBe(ok.json().notice.reference);
    });

    it('R-15.3: the consumers of the dataset are told of a planned stop in their inbox and by webhook, not only on the board; others are not', async () => {
      expect((await w.call('PUT', '/api/v1/inbox/webhook', consumer, { url: 'http://127.0.0.1:9/lienthong' })).statusCode).toBe(200);
      const announced = await post('/api/v1/service-suspensions', custodian, {
        kind: 'planned',
        dataset: 'can-bo-dang-vien',
        starts_at: '2026-06-01T22:00:00+07:00',
        expected_restore_at: '2026-06-02T02:00:00+07:00',
        reason: 'Thay thiết bị lưu trữ',
      });
      expect(announced.statusCode, announced.body).toBe(201);
      const s = announced.json();
      // VPCP holds agreements in force on the dataset for two systems: one message to the agency.
      const told = (await inbox(consumer, 'service.suspension_planned')).filter((m) => m.ref_id === s.id);
      expect(told).toHaveLength(1);
      expect(told[0]!.payload).toMatchObject({
        suspension_id: s.id,
        suspension_kind: 'planned',
        dataset: 'can-bo-dang-vien',
        notice_reference: s.notice.reference,
        reason: 'Thay thiết bị lưu trữ',
      });
      expect(told[0]!.subject_vi).toContain('02/06/2026');
      expect(await deliveries('VPCP', 'service.suspension_planned')).toBeGreaterThanOrEqual(1);
      // BNCTW uses no service of this dataset; the custodian announced it itself.
      const bnctw = await w.env.login('cq.bnctw', 'mat-khau-cq.bnctw-2025');
      expect(await inbox(bnctw, 'service.suspension_planned')).toEqual([]);
      expect(await inbox(custodian, 'service.suspension_planned')).toEqual([]);
      // Called off early (it had not started): the consumers are told the service is available.
      const ended = await post(`/api/v1/service-suspensions/${s.id}/end`, custodian, { reason: 'Hoãn thay thiết bị' });
      expect(ended.statusCode, ended.body).toBe(200);
      expect((await inbox(consumer, 'service.restored')).filter((m) => m.ref_id === s.id)).toHaveLength(1);
    });

    it('R-15.3: during the window every consumer gets 503 with the notice and the expected restoration; service resumes after it', async () => {
      expect((await read('VPCP-QLCB')).status).toBe(200);
      await moveTo('2026-05-06T18:30:00Z'); // 01:30 on 7/5 in Viet Nam
      for (const s of ['VPCP-QLCB', 'VPCP-TK'] as const) {
        const err = await refused(read(s));
        expect(err.status).toBe(503);
        expect(err.problem).toMatchObject({ rule: 'R-15.3', expected_restore_at: '2026-05-06T23:00:00.000Z' });
        expect(String(err.problem.notice_reference)).toMatch(/^TB-2026-\d{5}$/);
        expect(err.receipt).not.toBeNull(); // refused, and logged
      }
      await moveTo('2026-05-06T23:00:01Z');
      expect((await read('VPCP-QLCB')).status).toBe(200);
    });

    it('R-15.4: a force-majeure stop is tracked against its 24-hour notice deadline, refused at the gateway until ended', async () => {
      const stop = await post('/api/v1/service-suspensions', custodian, {
        kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        starts_at: new Date(w.env.clock.now().getTime() - 3 * HOUR).toISOString(),
        reason: 'Mất điện trung tâm dữ liệu',
      });
      expect(stop.statusCode, stop.body).toBe(201);
      const s = stop.json();
      expect(new Date(s.notice_due_at).getTime() - new Date(s.starts_at).getTime()).toBe(24 * HOUR);
      expect(s.notice_overdue).toBe(false);
      expect((await refused(read('VPCP-TK'))).problem.rule).toBe('R-15.4');
      await moveTo(new Date(w.env.clock.now().getTime() + 22 * HOUR).toISOString());
      expect((await w.call('GET', `/api/v1/service-suspensions/${s.id}`, custodian)).json().notice_overdue).toBe(true);
      const late = await post(`/api/v1/service-suspensions/${s.id}/notice`, custodian, { body_vi: 'Đang khắc phục sự cố.', body_en: 'Being repaired.' });
      expect(late.json()).toMatchObject({ notice_overdue: true, notice: { kind: 'force_majeure' } });
      const ended = await post(`/api/v1/service-suspensions/${s.id}/end`, custodian, { reason: 'Đã khôi phục nguồn điện' });
      expect(ended.json().in_force).toBe(false);
      expect((await read('VPCP-TK')).status).toBe(200);
    });

    it('R-15.4: the consumers are told of a force-majeure stop in their inbox and by webhook when its notice is published, and again when it ends', async () => {
      const stop = await post('/api/v1/service-suspensions', custodian, {
        kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        starts_at: new Date(w.env.clock.now().getTime() - HOUR).toISOString(),
        reason: 'Đứt cáp quang',
        publish_notice: { body_vi: 'Đang khắc phục.', body_en: 'Being repaired.' },
      });
      expect(stop.statusCode, stop.body).toBe(201);
      const s = stop.json();
      const told = (await inbox(consumer, 'service.stopped')).filter((m) => m.ref_id === s.id);
      expect(told).toHaveLength(1);
      expect(told[0]!.payload).toMatchObject({
        suspension_kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        notice_reference: s.notice.reference,
        reason: 'Đứt cáp quang',
      });
      expect(await deliveries('VPCP', 'service.stopped')).toBeGreaterThanOrEqual(1);
      const bnctw = await w.env.login('cq.bnctw', 'mat-khau-cq.bnctw-2025');
      expect(await inbox(bnctw, 'service.stopped')).toEqual([]);
      const before = await deliveries('VPCP', 'service.restored');
      expect((await post(`/api/v1/service-suspensions/${s.id}/end`, custodian, { reason: 'Đã nối lại cáp' })).statusCode).toBe(200);
      const restored = (await inbox(consumer, 'service.restored')).filter((m) => m.ref_id === s.id);
      expect(restored).toHaveLength(1);
      expect(restored[0]!.payload).toMatchObject({ suspension_kind: 'force_majeure', dataset: 'can-bo-dang-vien' });
      expect(await deliveries('VPCP', 'service.restored')).toBe(before + 1);
    });

    it('R-15.2, R-15.5: one consumer suspended — told the violation, its handling and what restores it; only it is refused (403); restoration is its own action', async () => {
      const found = new Date(w.env.clock.now().getTime() - 10 * 24 * HOUR).toISOString();
      const res = await post('/api/v1/consumer-suspensions', custodian, {
        agreement_id: qlcbAgreement,
        ground: 'purpose_violation',
        violation: 'Dùng dữ liệu cán bộ cho mục đích thương mại',
        handling: 'Tạm ngừng kết nối, yêu cầu giải trình',
        requirements: 'Gửi báo cáo giải trình và cam kết đúng mục đích',
        found_at: found,
      });
      expect(res.statusCode, res.body).toBe(201);
      const s = res.json();
      expect(s).toMatchObject({ notice_late: true, system_code: 'VPCP-QLCB' }); // sent 10 days after the finding: past its 1-day period
      const inbox = (await w.call('GET', '/api/v1/inbox?limit=200', consumer)).json().items;
      const notice = inbox.find((n: { kind: string }) => n.kind === 'connection.suspended');
      expect(notice.payload).toMatchObject({
        violation: 'Dùng dữ liệu cán bộ cho mục đích thương mại',
        handling: 'Tạm ngừng kết nối, yêu cầu giải trình',
        requirements: 'Gửi báo cáo giải trình và cam kết đúng mục đích',
      });
      const err = await refused(read('VPCP-QLCB'));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-15.2']);
      expect(String(err.problem.detail)).toContain('mục đích thương mại');
      expect((await read('VPCP-TK')).status).toBe(200);
      const restored = await post(`/api/v1/consumer-suspensions/${s.id}/restore`, custodian, { reason: 'Đã giải trình, cam kết' });
      expect(restored.json().restored_at).not.toBeNull();
      expect((await read('VPCP-QLCB')).status).toBe(200);
    });

    it('R-16.1(đ): termination for an unremedied violation only 30 days after the consumer received its notice; final, and told to the consumer and related agencies (R-16.3)', async () => {
      const s = (
        await post('/api/v1/consumer-suspensions', custodian, {
          agreement_id: qlcbAgreement,
          ground: 'security_risk',
          violation: 'Kết nối từ máy chủ nhiễm mã độc',
          handling: 'Tạm ngừng kết nối',
          requirements: 'Làm sạch máy chủ, kiểm tra lại an toàn thông tin',
          found_at: w.env.clock.now().toISOString(),
        })
      ).json();
      expect(s.notice_late).toBe(false);
      // R-16.1(đ): the 30 days start when the consumer receives the notice — here it reads it at once.
      expect(s.remedy_status).toBe('not_received');
      expect(s.deadline_calendar.termination_eligible_from).toBeNull();
      const message = (await inbox(consumer, 'connection.suspended')).find((m) => m.ref_id === s.id)!;
      expect((await post(`/api/v1/inbox/${message.id}/read`, consumer, {})).statusCode).toBe(200);
      // Received on Thu 7/5/2026: 30 days end on Sat 6/6 → moved to Mon 8/6 (a day off ends on the next working day); eligible from 9/6.
      const received = (await w.call('GET', `/api/v1/consumer-suspensions/${s.id}`, custodian)).json();
      expect(received.termination_eligible_from).toBe('2026-06-09');
      // both deadlines rest on announced days only (2026 has its announcements; no computed day off in May–June).
      const announcedOnly = { depends_on_computed_days: false, computed_days: [], unannounced_years: [] };
      expect(received.deadline_calendar).toEqual({ notice_due_at: announcedOnly, termination_eligible_from: announcedOnly });
      const early = await post(`/api/v1/agreements/${qlcbAgreement}/terminate`, custodian, { ground: 'đ', reason: 'Không khắc phục' });
      expect(early.statusCode).toBe(422);
      expect(early.json()).toMatchObject({ rule: 'R-16.1', eligible_from: '2026-06-09' });
      await moveTo('2026-06-08T10:00:00Z'); // 17:00 on Mon 8/6: the period has not ended
      expect(
        (await w.call('GET', `/api/v1/agreements/${qlcbAgreement}/termination`, custodian)).json().grounds.find((g: { ground: string }) => g.ground === 'đ')
          .eligible,
      ).toBe(false);
      await moveTo('2026-06-08T17:00:00Z'); // 00:00 on 9/6
      const done = await post(`/api/v1/agreements/${qlcbAgreement}/terminate`, custodian, { ground: 'đ', reason: 'Không khắc phục sau 30 ngày' });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json()).toMatchObject({ status: 'terminated', ground: 'đ' });
      for (const who of [consumer, custodian, admin]) {
        const kinds = (await w.call('GET', '/api/v1/inbox?limit=200', who)).json().items.map((n: { kind: string }) => n.kind);
        expect(kinds).toContain('agreement.terminated');
      }
      const err = await refused(read('VPCP-QLCB'));
      expect(err.status).toBe(403);
      // A terminated agreement is never reactivated: a new request is needed.
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/restore`, custodian, { reason: 'thử' })).statusCode).toBe(409);
      expect((await post(`/api/v1/agreements/${qlcbAgreement}/approve`, custodian, {})).statusCode).toBe(409);
      const history = (await w.call('GET', '/api/v1/lifecycle/events?custodian=BTCTW', custodian))
        .json()
        .items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
      expect(history).toEqual(
        expect.arrayContaining([
          'schedule:cq.btctw',
          'record_stop:cq.btctw',
          'publish_notice:cq.btctw',
          'end:cq.btctw',
          'suspend:cq.btctw',
          'restore:cq.btctw',
          'terminate:cq.btctw',
        ]),
      );
      expect((await w.call('GET', '/api/v1/lifecycle/events?custodian=BTCTW', consumer)).statusCode).toBe(404);
    });

    it('public notices: readable without signing in, as JSON and Atom; immutable — a correction is a new notice linked to the old one', async () => {
      const list = await w.env.app.inject({ method: 'GET', url: '/api/v1/notices' });
      expect(list.statusCode).toBe(200);
      const first = list.json().items.at(-1);
      const atom = await w.env.app.inject({ method: 'GET', url: '/api/v1/notices.atom' });
      expect(atom.headers['content-type']).toContain('application/atom+xml');
      expect(atom.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
      expect(atom.body).toContain(`urn:uuid:${first.id}`);
      await expect(w.env.platform.db.query("UPDATE public_notices SET body_vi = 'sửa' WHERE id = $1", [first.id])).rejects.toThrow(/refused/);
      const fix = await post(`/api/v1/notices/${first.id}/corrections`, custodian, {
        body_vi: 'Thời gian khôi phục dự kiến là 06:00.',
        body_en: 'Expected back at 06:00.',
      });
      expect(fix.statusCode).toBe(201);
      expect(fix.json()).toMatchObject({ kind: 'correction', corrects: first.id });
      expect((await w.env.app.inject({ method: 'GET', url: `/api/v1/notices/${first.id}` })).json().body_vi).toBe(first.body_vi);
    });
  });
}
