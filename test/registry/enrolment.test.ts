import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/registry/credentials.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] enrolment links and security events`, () => {
    let env: TestEnv;
    let admin: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
    });
    afterAll(() => env.close());

    const create = (username: string, roles = ['custodian_admin'], agency = 'BTCTW') =>
      env.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: admin },
        payload: { username, full_name: `Cán bộ ${username}`, agency_code: agency, roles },
      });
    const pathOf = (url: string) => new URL(url).pathname.replace('/enrol/', '/api/v1/enrolments/');

    it('R-13.3: create → link → view the TOTP secret → set password and TOTP → sign in; the creator never sees a password or secret', async () => {
      const res = await create('moi.vao');
      expect(res.statusCode).toBe(201);
      expect(JSON.stringify(res.json())).not.toMatch(/password|totp|otpauth/);
      const { url, expires_at } = res.json().enrolment;
      expect(new Date(expires_at).getTime() - env.clock.now().getTime()).toBe(72 * 3600_000);
      // Pending: cannot sign in yet.
      expect(
        (await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'moi.vao', password: 'bat-ky-mat-khau' } })).statusCode,
      ).toBe(401);

      const view = await env.app.inject({ method: 'GET', url: pathOf(url) });
      expect(view.statusCode).toBe(200);
      expect(view.headers['cache-control']).toBe('no-store');
      const v = view.json();
      expect(v).toMatchObject({
        username: 'moi.vao',
        full_name: 'Cán bộ moi.vao',
        agency_code: 'BTCTW',
        roles: ['custodian_admin'],
        totp_secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      });
      expect(v.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
      // Viewed again (a reload): the same pending secret.
      expect((await env.app.inject({ method: 'GET', url: pathOf(url) })).json().totp_secret).toBe(v.totp_secret);

      const short = await env.app.inject({ method: 'POST', url: pathOf(url), payload: { password: 'ngan', totp: totpCode(v.totp_secret, env.clock.now()) } });
      expect(short.statusCode).toBe(400);
      const wrong = await env.app.inject({ method: 'POST', url: pathOf(url), payload: { password: 'mat-khau-cua-toi-2026', totp: '000000' } });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors[0].path).toBe('/totp');
      const done = await env.app.inject({
        method: 'POST',
        url: pathOf(url),
        payload: { password: 'mat-khau-cua-toi-2026', totp: totpCode(v.totp_secret, env.clock.now()) },
      });
      expect(done.statusCode).toBe(204);
      expect(await env.login('moi.vao', 'mat-khau-cua-toi-2026', v.totp_secret)).toMatch(/^Bearer /);
      const user = await env.app.inject({ method: 'GET', url: '/api/v1/users/moi.vao', headers: { authorization: admin } });
      expect(user.json()).toMatchObject({ status: 'active', mfa_enabled: true });

      // Single use: the link is spent.
      for (const method of ['GET', 'POST'] as const) {
        const again = await env.app.inject({
          method,
          url: pathOf(url),
          ...(method === 'POST' && { payload: { password: 'mat-khau-khac-2026', totp: totpCode(v.totp_secret, env.clock.now()) } }),
        });
        expect(again.statusCode).toBe(410);
        expect(again.json()).toMatchObject({
          type: '/problems/enrolment-expired',
          title: expect.stringContaining('Liên kết'),
          title_en: expect.stringContaining('enrolment link'),
        });
      }
    });

    it('an expired link → 410 enrolment-expired; an unknown one → 404', async () => {
      const res = await create('het.han.lk');
      env.clock.advance(72 * 3600_000);
      const gone = await env.app.inject({ method: 'GET', url: pathOf(res.json().enrolment.url) });
      expect(gone.statusCode).toBe(410);
      expect(gone.json().type).toBe('/problems/enrolment-expired');
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/enrolments/lte_khong-co-lien-ket-nay' })).statusCode).toBe(404);
      admin = await env.adminAuth();
    });

    it('five wrong TOTP codes spend the link; a newer link replaces an older one', async () => {
      const res = await create('doan.ma');
      const p = pathOf(res.json().enrolment.url);
      await env.app.inject({ method: 'GET', url: p });
      for (let i = 0; i < 5; i++)
        expect((await env.app.inject({ method: 'POST', url: p, payload: { password: 'mat-khau-doan-ma-1', totp: '000000' } })).statusCode).toBe(400);
      expect((await env.app.inject({ method: 'GET', url: p })).statusCode).toBe(410);
      const reset = await env.app.inject({
        method: 'POST',
        url: '/api/v1/users/doan.ma/reset-credentials',
        headers: { authorization: admin },
        payload: { reason: 'Liên kết cũ đã hỏng' },
      });
      const second = await env.app.inject({
        method: 'POST',
        url: '/api/v1/users/doan.ma/reset-credentials',
        headers: { authorization: admin },
        payload: { reason: 'Gửi lại liên kết' },
      });
      expect((await env.app.inject({ method: 'GET', url: pathOf(reset.json().enrolment.url) })).statusCode).toBe(410);
      expect(await env.enrol(second.json().enrolment.url, 'mat-khau-doan-ma-2')).toMatch(/^[A-Z2-7]{32}$/);
    });

    it('security events are recorded (sign-in success, failure, lockout, enrolment, role change, reset, revoked session) and searchable by the coordinator, newest first', async () => {
      const auth = await env.userAuth('su.kien', 'BTCTW', ['consumer_admin']);
      for (let i = 0; i < 5; i++)
        await env.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '203.0.113.7',
          payload: { username: 'su.kien', password: 'sai-sai-sai-sai' },
        });
      env.clock.advance(16 * 60_000);
      admin = await env.adminAuth();
      const patch = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/su.kien',
        headers: { authorization: admin },
        payload: { roles: ['consumer_admin', 'custodian_admin'] },
      });
      expect(patch.statusCode).toBe(200);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: auth } })).statusCode).toBe(401);
      await env.app.inject({
        method: 'POST',
        url: '/api/v1/users/su.kien/reset-credentials',
        headers: { authorization: admin },
        payload: { reason: 'Kiểm tra nhật ký' },
      });

      const res = await env.app.inject({ method: 'GET', url: '/api/v1/security-events?username=su.kien&limit=200', headers: { authorization: admin } });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      const kinds = page.items.map((e: { kind: string }) => e.kind);
      for (const k of [
        'enrolment_issued',
        'enrolment_completed',
        'sign_in_succeeded',
        'sign_in_failed',
        'account_locked',
        'roles_changed',
        'session_revoked',
        'credentials_reset',
      ])
        expect(kinds).toContain(k);
      const times = page.items.map((e: { at: string }) => new Date(e.at).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const failed = page.items.find((e: { kind: string }) => e.kind === 'sign_in_failed');
      expect(failed).toMatchObject({ actor: 'su.kien', username: 'su.kien', client_address: '203.0.113.7', detail: { reason: 'password' } });
      expect(page.items.find((e: { kind: string }) => e.kind === 'roles_changed')).toMatchObject({
        actor: 'admin',
        detail: { roles: { from: ['consumer_admin'], to: ['consumer_admin', 'custodian_admin'] } },
      });
      expect(JSON.stringify(page)).not.toMatch(/sai-sai|mat-khau/);

      const locked = await env.app.inject({
        method: 'GET',
        url: '/api/v1/security-events?kind=account_locked&username=su.kien',
        headers: { authorization: admin },
      });
      expect(locked.json().total).toBe(1);
      const later = await env.app.inject({
        method: 'GET',
        url: `/api/v1/security-events?from=${encodeURIComponent(new Date(env.clock.now().getTime() + 1).toISOString())}`,
        headers: { authorization: admin },
      });
      expect(later.json().total).toBe(0);
      const paged = await env.app.inject({
        method: 'GET',
        url: '/api/v1/security-events?username=su.kien&limit=2&offset=1',
        headers: { authorization: admin },
      });
      expect(paged.json()).toMatchObject({ limit: 2, offset: 1, total: page.total });
      expect(paged.json().items.map((e: { id: string }) => e.id)).toEqual(page.items.slice(1, 3).map((e: { id: string }) => e.id));
    });

    it('R-18.2: security events are for the coordinator and the auditor; a custodian administrator is refused (403)', async () => {
      const auditor = await env.userAuth('kiem.tra.an.ninh', 'VPTW', ['auditor']);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/security-events', headers: { authorization: auditor } })).statusCode).toBe(200);
      const custodian = await env.userAuth('qt.an.ninh', 'BTCTW', ['custodian_admin']);
      const refused = await env.app.inject({ method: 'GET', url: '/api/v1/security-events', headers: { authorization: custodian } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().rule).toBe('R-18.2');
    });

    it('security events are kept: the table refuses UPDATE and DELETE', async () => {
      await expect(env.platform.db.query('DELETE FROM security_events')).rejects.toThrow(/refused/);
      await expect(env.platform.db.query("UPDATE security_events SET actor = 'x'")).rejects.toThrow(/refused/);
    });
  });
}
