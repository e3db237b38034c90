import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] working-day calendar in the platform`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    it('R-15.3: GET /api/v1/calendar needs no sign-in and includes the shipped announcements, each with its source', async () => {
      const r = await env.app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-04-25&to=2025-04-26' });
      expect(r.statusCode).toBe(200);
      expect(r.json().days.map((d: { working: boolean; kind: string }) => [d.working, d.kind])).toEqual([
        [true, 'workday'],
        [true, 'makeup'],
      ]);
      expect(r.json().days[1]).toMatchObject({ status: 'announced', source: { document: expect.stringContaining('8726/VPCP-KGVX'), date: '2024-11-26' } });
      expect(await env.platform.calendar.addWorkingDays('2025-01-24', 1)).toBe('2025-02-03');
      // The corrected days: no make-up Saturday 15/2/2025; Quốc khánh 2026 swap 31/8 ↔ 22/8.
      const days = async (from: string, to: string) => (await env.app.inject({ method: 'GET', url: `/api/v1/calendar?from=${from}&to=${to}` })).json().days;
      expect((await days('2025-02-15', '2025-02-15'))[0]).toMatchObject({ working: false, kind: 'weekend' });
      expect((await days('2026-08-22', '2026-08-22'))[0]).toMatchObject({
        working: true,
        kind: 'makeup',
        source: { document: expect.stringContaining('9441/TB-BNV') },
      });
      expect((await days('2026-08-31', '2026-08-31'))[0]).toMatchObject({ working: false, kind: 'day_off', source: { date: '2025-10-16' } });
      expect((await days('2026-04-27', '2026-04-27'))[0]).toMatchObject({ working: false, status: 'computed', source: null });
    });

    it('R-18.2: the coordinator edits a day through the API; a custodian administrator cannot', async () => {
      const body = {
        working: false,
        reason_vi: 'Nghỉ thêm (thử)',
        reason_en: 'Extra day off (test)',
        legal_basis: 'Thông báo (thử)',
        source: { document: 'Thông báo (thử)', issuer: 'Bộ Nội vụ', date: '2026-05-20', url: 'https://example.gov.vn/tb' },
        reason: 'Thử',
      };
      const custodian = await env.userAuth('qt.lich', 'BTCTW', ['custodian_admin']);
      expect(
        (await env.app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-06-01', payload: body, headers: { authorization: custodian } })).statusCode,
      ).toBe(403);
      const put = await env.app.inject({
        method: 'PUT',
        url: '/api/v1/calendar/days/2026-06-01',
        payload: body,
        headers: { authorization: await env.adminAuth() },
      });
      expect(put.statusCode).toBe(200);
      expect(await env.platform.calendar.isWorkingDay('2026-06-01')).toBe(false);
      const hist = await env.app.inject({ method: 'GET', url: '/api/v1/calendar/days/2026-06-01/history', headers: { authorization: custodian } });
      expect(hist.json().map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([['create', 'admin']]);
    });
  });
}
