import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] working-day calendar in the platform`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    it('R-15.3: GET /api/v1/calendar needs no sign-in and includes the shipped 2025 announcements', async () => {
      const r = await env.app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-02-14&to=2025-02-15' });
      expect(r.statusCode).toBe(200);
      expect(r.json().days.map((d: { working: boolean; kind: string }) => [d.working, d.kind])).toEqual([[true, 'workday'], [true, 'makeup']]);
      expect(await env.platform.calendar.addWorkingDays('2025-01-24', 1)).toBe('2025-02-03');
    });

    it('R-18.2: the coordinator edits a day through the API; a custodian administrator cannot', async () => {
      const body = { working: false, reason_vi: 'Nghỉ thêm (thử)', reason_en: 'Extra day off (test)', legal_basis: 'Thông báo (thử)', reason: 'Thử' };
      const custodian = await env.userAuth('qt.lich', 'BTCTW', ['custodian_admin']);
      expect((await env.app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-06-01', payload: body, headers: { authorization: custodian } })).statusCode).toBe(403);
      const put = await env.app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-06-01', payload: body, headers: { authorization: await env.adminAuth() } });
      expect(put.statusCode).toBe(200);
      expect(await env.platform.calendar.isWorkingDay('2026-06-01')).toBe(false);
      const hist = await env.app.inject({ method: 'GET', url: '/api/v1/calendar/days/2026-06-01/history', headers: { authorization: custodian } });
      expect(hist.json().map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([['create', 'admin']]);
    });
  });
}
