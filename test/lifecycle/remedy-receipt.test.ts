import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, refused, startWorld } from '../gateway/world.ts';

/**
 * R-16.1(đ) "trong vòng 30 ngày kể từ khi nhận được thông báo": the period runs from the consumer's
 * receipt of the notice (read in its inbox, or delivered by webhook), and a remedied violation
 * closes ground (đ) even before the connection is restored. Every computed deadline names its rule.
 */
for (const driver of DRIVERS) {
  describe(`[${driver}] R-16.1(đ) from receipt, remedied is not restored, and the basis of every deadline (R-15.3, R-15.4, R-15.5)`, () => {
    let w: World;
    let custodian: string;
    let consumer: string;
    let bnctw: string;
    let agreement: (system: string) => Promise<string>;
    let hook: http.Server;
    let hookUrl: string;

    beforeAll(async () => {
      w = await startWorld(driver);
      agreement = async (system) => {
        const list = (await w.call('GET', '/api/v1/agreements?dataset=can-bo-dang-vien&limit=100', custodian)).json().items as {
          id: string;
          system_code: string;
        }[];
        return list.find((a) => a.system_code === system)!.id;
      };
      hook = http.createServer((_req, res) => res.writeHead(204).end());
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/lienthong`;
      await relogin();
    });
    afterAll(async () => {
      hook?.close();
      await w.env.close();
    });

    async function relogin() {
      custodian = await w.env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
      consumer = await w.env.login('kt.vpcp', 'mat-khau-kt.vpcp-2025');
      bnctw = await w.env.login('cq.bnctw', 'mat-khau-cq.bnctw-2025');
    }
    /** Moves the platform's clock; sessions older than the jump are renewed. */
    async function moveTo(iso: string) {
      w.env.clock.advance(new Date(iso).getTime() - w.env.clock.now().getTime());
      await relogin();
    }
    const post = (url: string, who: string, body: object) => w.call('POST', url, who, body);
    /** `at` is `from` or a few minutes later (the test clock moves on a little with each sign-in). */
    const within = (at: string | null, from: Date) => at !== null && new Date(at) >= from && new Date(at).getTime() - from.getTime() < 10 * 60_000;
    const suspend = async (system: string, violation: string) => {
      const res = await post('/api/v1/consumer-suspensions', custodian, {
        agreement_id: await agreement(system),
        ground: 'purpose_violation',
        violation,
        handling: 'Tạm ngừng kết nối',
        requirements: 'Giải trình, cam kết sử dụng đúng mục đích',
        found_at: w.env.clock.now().toISOString(),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    /** The consumer opens the suspension notice in its inbox now. */
    const readNotice = async (suspensionId: string) => {
      const items = (await w.call('GET', '/api/v1/inbox?kind=connection.suspended&limit=100', consumer)).json().items as { id: string; ref_id: string }[];
      const message = items.find((m) => m.ref_id === suspensionId)!;
      expect((await post(`/api/v1/inbox/${message.id}/read`, consumer, {})).statusCode).toBe(200);
    };
    const ground = async (system: string, g: string) =>
      ((await w.call('GET', `/api/v1/agreements/${await agreement(system)}/termination`, custodian)).json().grounds as Record<string, unknown>[]).find(
        (x) => x.ground === g,
      )!;

    it('deadline basis: R-15.3, R-15.4, R-15.5 and R-16.1(đ) each state the rule and clause applied beside the deadline', async () => {
      const early = await post('/api/v1/service-suspensions', custodian, {
        kind: 'planned',
        dataset: 'can-bo-dang-vien',
        starts_at: '2026-03-03T08:00:00+07:00',
        expected_restore_at: '2026-03-03T10:00:00+07:00',
        reason: 'Bảo trì',
      });
      expect(early.statusCode).toBe(422);
      expect(early.json().deadline_basis).toMatchObject({ requirement: 'R-15.3', clause: expect.stringContaining('Điều 15 khoản 3') });
      const window = (await w.call('GET', '/api/v1/service-suspensions/earliest-start', custodian)).json();
      expect(window).toMatchObject({ today: '2026-03-02', earliest_start: early.json().earliest_start, deadline_basis: { requirement: 'R-15.3' } });
      expect(window.deadline_basis.text_vi).toContain('7 ngày làm việc');

      const fm = await post('/api/v1/service-suspensions', custodian, {
        kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        starts_at: w.env.clock.now().toISOString(),
        reason: 'Mất điện',
      });
      expect(fm.statusCode, fm.body).toBe(201);
      expect(fm.json().deadline_basis.notice_due_at).toMatchObject({ requirement: 'R-15.4', clause: expect.stringContaining('Điều 15 khoản 4') });
      expect((await post(`/api/v1/service-suspensions/${fm.json().id}/end`, custodian, { reason: 'Đã có điện' })).statusCode).toBe(200);

      const s = await suspend('VPCP-TK', 'Dùng số liệu thống kê sai mục đích');
      expect(s.deadline_basis.notice_due_at).toMatchObject({ requirement: 'R-15.5', clause: expect.stringContaining('Bộ luật Dân sự 2015 Điều 147, 148') });
      expect(s.deadline_basis.termination_eligible_from).toMatchObject({ requirement: 'R-16.1(đ)', clause: expect.stringContaining('Điều 16 khoản 1 điểm đ') });
      expect((await ground('VPCP-TK', 'đ')).deadline_basis).toMatchObject({ requirement: 'R-16.1(đ)' });
      const listed = (await w.call('GET', '/api/v1/consumer-suspensions', custodian)).json().items[0];
      expect(listed.deadline_basis.notice_due_at.requirement).toBe('R-15.5');
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/restore`, custodian, { reason: 'Đã giải trình' })).statusCode).toBe(200);
    });

    it('R-16.1(đ): the 30 days count from when the consumer received the notice — 29 days after receipt is refused even 31 days after sending', async () => {
      await moveTo('2026-06-01T03:00:00Z'); // Monday 1/6/2026, 10:00 in Viet Nam
      const s = await suspend('VPCP-QLCB', 'Chuyển dữ liệu cán bộ cho bên thứ ba');
      // Sent, not received: the period has not started, and the API says so.
      expect(s).toMatchObject({ received_at: null, termination_eligible_from: null, remedy_status: 'not_received' });
      await moveTo('2026-06-03T03:00:00Z'); // Wednesday 3/6: the consumer opens its inbox
      const opened = w.env.clock.now();
      await readNotice(s.id);
      const received = (await w.call('GET', `/api/v1/consumer-suspensions/${s.id}`, custodian)).json();
      expect(within(received.received_at, opened)).toBe(true);
      // From the day after receipt: day 30 is Friday 3/7 → termination possible from 4/7.
      expect(received).toMatchObject({ termination_eligible_from: '2026-07-04', remedy_status: 'running' });
      await moveTo('2026-07-02T03:00:00Z'); // 31 days after sending, 29 after receipt
      const early = await post(`/api/v1/agreements/${await agreement('VPCP-QLCB')}/terminate`, custodian, { ground: 'đ', reason: 'Không khắc phục' });
      expect(early.statusCode, early.body).toBe(422);
      expect(early.json()).toMatchObject({
        rule: 'R-16.1',
        eligible_from: '2026-07-04',
        remedy_status: 'running',
        deadline_basis: { requirement: 'R-16.1(đ)' },
      });
      await moveTo('2026-07-03T17:00:00Z'); // 00:00 on Saturday 4/7 in Viet Nam
      expect((await ground('VPCP-QLCB', 'đ')).eligible).toBe(true);
      const done = await post(`/api/v1/agreements/${await agreement('VPCP-QLCB')}/terminate`, custodian, {
        ground: 'đ',
        reason: 'Không khắc phục sau 30 ngày kể từ khi nhận thông báo',
      });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json()).toMatchObject({ status: 'terminated', ground: 'đ', evidence: s.reference });
    });

    it('R-16.1(đ): a notice never received does not start the period; a webhook delivery is a receipt, the earliest one counts', async () => {
      const s = await suspend('VPCP-TK', 'Kết nối từ máy chủ không được phép');
      await moveTo('2026-09-01T03:00:00Z'); // two months on, still unread and no webhook: no termination on (đ)
      const never = await post(`/api/v1/agreements/${await agreement('VPCP-TK')}/terminate`, custodian, { ground: 'đ', reason: 'Không khắc phục' });
      expect(never.statusCode).toBe(422);
      expect(never.json()).toMatchObject({ rule: 'R-16.1', remedy_status: 'not_received', eligible_from: null });
      expect(never.json().detail).toContain('chưa nhận được thông báo');
      // A message sent before the consumer had a webhook is not delivered by it: a new suspension, with the webhook set.
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/restore`, custodian, { reason: 'Đã khắc phục' })).statusCode).toBe(200);
      expect((await w.call('PUT', '/api/v1/inbox/webhook', consumer, { url: hookUrl })).statusCode).toBe(200);
      const again = await suspend('VPCP-TK', 'Truy vấn vượt phạm vi được chia sẻ');
      const delivered = w.env.clock.now();
      await w.env.platform.notifications.deliverDue();
      await moveTo('2026-09-02T03:00:00Z');
      await readNotice(again.id); // read a day after the delivery: the delivery counts
      expect(within((await w.call('GET', `/api/v1/consumer-suspensions/${again.id}`, custodian)).json().received_at, delivered)).toBe(true);
    });

    it('R-16.1(đ): a consumer that remedied but is not yet restored cannot be terminated on ground (đ); it stays suspended until restored', async () => {
      const s = (await w.call('GET', `/api/v1/consumer-suspensions?agreement_id=${await agreement('VPCP-TK')}`, custodian))
        .json()
        .items.find((x: { restored_at: string | null }) => !x.restored_at);
      await moveTo('2026-10-15T03:00:00Z'); // well past its 30 days from the delivery
      expect((await ground('VPCP-TK', 'đ')).eligible).toBe(true);
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/remedied`, consumer, { evidence: '  ' })).statusCode).toBe(400);
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/remedied`, bnctw, { evidence: 'Không liên quan' })).statusCode).toBe(404);
      const remedied = await post(`/api/v1/consumer-suspensions/${s.id}/remedied`, consumer, {
        evidence: 'Công văn số 45/VPCP ngày 10/10/2026 báo cáo đã khắc phục',
      });
      expect(remedied.statusCode, remedied.body).toBe(200);
      expect(remedied.json()).toMatchObject({ remedy_status: 'remedied', remedied_by: 'kt.vpcp', restored_at: null, termination_eligible_from: null });
      expect((await post(`/api/v1/consumer-suspensions/${s.id}/remedied`, custodian, { evidence: 'lần hai' })).statusCode).toBe(409);
      const g = await ground('VPCP-TK', 'đ');
      expect(g).toMatchObject({ eligible: false, remedy_status: 'remedied' });
      const refusedTermination = await post(`/api/v1/agreements/${await agreement('VPCP-TK')}/terminate`, custodian, {
        ground: 'đ',
        reason: 'Không khắc phục',
      });
      expect(refusedTermination.statusCode).toBe(422);
      expect(refusedTermination.json()).toMatchObject({ rule: 'R-16.1', remedy_status: 'remedied' });
      // Still suspended: remedied is not restored.
      const err = await refused(w.client('VPCP-TK', { purpose: 'bao-cao-thong-ke' }).getRecord('can-bo-dang-vien', 'dv-1'));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-15.2']);
      const told = (await w.call('GET', '/api/v1/inbox?kind=connection.remedied&limit=10', custodian)).json().items;
      expect(told.map((m: { ref_id: string }) => m.ref_id)).toContain(s.id);
      const history = (await w.call('GET', '/api/v1/lifecycle/events?entity=consumer_suspension&action=remedied', custodian)).json();
      expect(history).toMatchObject({ total: 1, items: [{ entity_id: s.id, actor: 'kt.vpcp', actor_agency: 'VPCP' }] });
    });
  });
}
