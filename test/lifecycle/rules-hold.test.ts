import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerNoticeDueAt, remedyEligibleFrom } from '../../src/lifecycle/index.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, startWorld } from '../gateway/world.ts';

/** Rules that, removed from the code, left the suite green: each case here fails without its rule. */
for (const driver of DRIVERS) {
  describe(`[${driver}] rules that must not be deletable silently (R-11, R-15.3, R-15.5, R-16.1)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());

    const post = (url: string, who: string, body: object) => w.call('POST', url, who, body);

    it('R-11: the second approval of secret data is refused to the person who gave the first, even holding both roles', async () => {
      const both = await w.env.userAuth('hai.vai.bnctw', 'BNCTW', ['custodian_admin', 'approver']);
      const a = await post('/api/v1/agreements', w.auth.consumer, {
        dataset_code: 'vu-an',
        system_code: 'VPCP-MAT',
        purpose_code: 'kiem-tra-giam-sat',
        requested_fields: ['case_code'],
        purpose_text: 'Kiểm tra, giám sát',
        legal_basis: 'Quy định 384-QĐ/TW',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: '2026-03-02',
        valid_to: '2026-12-31',
      });
      expect(a.statusCode, a.body).toBe(201);
      const id = a.json().id as string;
      expect((await post(`/api/v1/agreements/${id}/approve`, both, {})).json().status).toBe('custodian_approved');
      const again = await post(`/api/v1/agreements/${id}/approve`, both, { reason: 'Đồng ý' });
      expect(again.statusCode).toBe(403);
      expect(again.json()).toMatchObject({ rule: 'R-11', detail_en: 'The second approval must come from someone other than the first.' });
      expect((await post(`/api/v1/agreements/${id}/approve`, w.auth.bnctwApprover, { reason: 'Đồng ý' })).json().status).toBe('active');
    });

    it('R-16.1(b): "the connection cannot be restored" only while a force-majeure stop of the dataset is in effect', async () => {
      const list = (await w.call('GET', '/api/v1/agreements?dataset=can-bo-dang-vien&limit=50', w.auth.custodian)).json().items as {
        id: string;
        system_code: string;
        status: string;
      }[];
      const tk = list.find((a) => a.system_code === 'VPCP-TK' && a.status === 'active')!;
      const grounds = (await w.call('GET', `/api/v1/agreements/${tk.id}/termination`, w.auth.custodian)).json().grounds as {
        ground: string;
        eligible: boolean;
      }[];
      expect(grounds.find((g) => g.ground === 'b')!.eligible).toBe(false);
      const early = await post(`/api/v1/agreements/${tk.id}/terminate`, w.auth.custodian, { ground: 'b', reason: 'Không khôi phục được' });
      expect([early.statusCode, early.json().rule]).toEqual([422, 'R-16.1']);
      const stop = await post('/api/v1/service-suspensions', w.auth.custodian, {
        kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        starts_at: w.env.clock.now().toISOString(),
        reason: 'Hoả hoạn tại trung tâm dữ liệu',
      });
      expect(stop.statusCode, stop.body).toBe(201);
      const ended = await post(`/api/v1/agreements/${tk.id}/terminate`, w.auth.custodian, { ground: 'b', reason: 'Không khôi phục được' });
      expect(ended.statusCode, ended.body).toBe(200);
      expect(ended.json()).toMatchObject({ ground: 'b', evidence: stop.json().id });
    });

    it('R-15.3: a planned suspension without its expected restoration time is refused', async () => {
      const res = await post('/api/v1/service-suspensions', w.auth.custodian, {
        kind: 'planned',
        dataset: 'can-bo-dang-vien',
        starts_at: '2026-06-01T00:00:00+07:00',
        reason: 'Nâng cấp',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ rule: 'R-15.3', detail_en: 'The expected restoration time is required.' });
    });

    it('R-15.5: "within 1 day" is a period in days (Civil Code Art. 147–148): ends at 24:00 of the next day, or of the next working day', async () => {
      const calendar = w.env.platform.calendar;
      const due = async (found: string) => (await consumerNoticeDueAt(calendar, new Date(found))).toISOString();
      // Found Monday 1/6/2026 at 10:00 in Viet Nam: due at 24:00 on Tuesday 2/6 — notified Tuesday 15:00 is on time.
      expect(await due('2026-06-01T03:00:00Z')).toBe('2026-06-02T17:00:00.000Z');
      expect(new Date('2026-06-02T08:00:00Z') <= new Date(await due('2026-06-01T03:00:00Z'))).toBe(true);
      // Found Friday 5/6: the day after is Saturday, a day off → due at 24:00 on Monday 8/6.
      expect(await due('2026-06-05T03:00:00Z')).toBe('2026-06-08T17:00:00.000Z');
      // Found at 23:30 on Monday 1/6 in Viet Nam (16:30 UTC): still found on 1/6.
      expect(await due('2026-06-01T16:30:00Z')).toBe('2026-06-02T17:00:00.000Z');
    });

    it('R-16.1(đ): the remedy period is exactly 30 days from the day after the notice, moved off a day off (Civil Code Art. 147–148)', async () => {
      const calendar = w.env.platform.calendar;
      // Notified Monday 1/6/2026 (10:00 in Viet Nam): day 30 is Wednesday 1/7 → termination possible from 2/7.
      expect(await remedyEligibleFrom(calendar, new Date('2026-06-01T03:00:00Z'))).toBe('2026-07-02');
      // Notified at 23:30 on 1/6 in Viet Nam (16:30 UTC): still a notice of 1/6.
      expect(await remedyEligibleFrom(calendar, new Date('2026-06-01T16:30:00Z'))).toBe('2026-07-02');
      // Notified Tuesday 2/6 at 00:30 in Viet Nam (17:30 UTC on 1/6): day 30 is Thursday 2/7 → from 3/7.
      expect(await remedyEligibleFrom(calendar, new Date('2026-06-01T17:30:00Z'))).toBe('2026-07-03');
      // Notified Thursday 7/5: day 30 is Saturday 6/6 → the period ends Monday 8/6 → from 9/6.
      expect(await remedyEligibleFrom(calendar, new Date('2026-05-07T03:00:00Z'))).toBe('2026-06-09');
    });
  });
}
