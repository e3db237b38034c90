import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/registry/credentials.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP, DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] console session: cookie and anti-forgery token`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver, { LIENTHONG_SESSION_TTL_SECONDS: '3600' });
    });
    afterAll(() => env.close());

    /** Signs the admin in to the console: the cookie pair (`lt_session=…`) and the answer. */
    async function consoleSignIn(headers: Record<string, string> = {}) {
      env.clock.advance(31_000);
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/console/session',
        headers,
        payload: { username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP, env.clock.now()) },
      });
      const setCookie = String(res.headers['set-cookie'] ?? '');
      return { res, setCookie, cookie: setCookie.split(';')[0]! };
    }

    it('R-13.3: console sign-in sets an HttpOnly, SameSite=Strict cookie and answers the anti-forgery token, the user and the expiry', async () => {
      const { res, setCookie, cookie } = await consoleSignIn();
      expect(res.statusCode).toBe(200);
      expect(setCookie).toMatch(/^lt_session=lts_[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=3600$/);
      expect(setCookie).not.toMatch(/Secure/); // the public URL is http here
      const body = res.json();
      expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.user).toMatchObject({ username: 'admin', roles: ['coordinator'], agency: { code: 'VPTW' }, mfa_enabled: true });
      expect(new Date(body.expires_at).getTime() - env.clock.now().getTime()).toBe(3600_000);
      expect(JSON.stringify(body)).not.toContain(cookie.slice('lt_session='.length));
      // The session's own answer: same token, same user.
      const again = await env.app.inject({ method: 'GET', url: '/api/v1/console/session', headers: { cookie } });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ csrf_token: body.csrf_token, user: { username: 'admin' } });
    });

    it('the cookie carries Secure when the public URL is https', async () => {
      const tls = await startEnv(driver, { LIENTHONG_PUBLIC_URL: 'https://lienthong.example.vn' });
      try {
        tls.clock.advance(31_000);
        const res = await tls.app.inject({
          method: 'POST',
          url: '/api/v1/console/session',
          payload: { username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP, tls.clock.now()) },
        });
        expect(res.statusCode).toBe(200);
        expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
      } finally {
        await tls.close();
      }
    });

    it('console sign-in errors are those of /auth/login (401 login-failed, mfa-required, mfa-invalid; 423 with Retry-After)', async () => {
      const post = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/console/session', payload });
      expect((await post({ username: 'admin', password: 'sai-sai-sai-sai' })).json().type).toBe('/problems/login-failed');
      expect((await post({ username: 'admin', password: ADMIN_PASSWORD })).json().type).toBe('/problems/mfa-required');
      expect((await post({ username: 'admin', password: ADMIN_PASSWORD, totp: '000000' })).json().type).toBe('/problems/mfa-invalid');
      for (let i = 0; i < 4; i++) await post({ username: 'khoa.console', password: 'sai-sai-sai-sai' });
      const locked = await post({ username: 'khoa.console', password: 'sai-sai-sai-sai' });
      expect(locked.statusCode).toBe(423);
      expect(locked.headers['retry-after']).toBe(String(15 * 60));
    });

    it('a cookie-authenticated GET works; without cookie or with a bad one → 401; GET /console/session without a session → 401', async () => {
      const { cookie } = await consoleSignIn();
      const me = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
      expect(me.statusCode).toBe(200);
      expect(me.json().username).toBe('admin');
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: 'lt_session=lts_forged' } })).statusCode).toBe(401);
      const none = await env.app.inject({ method: 'GET', url: '/api/v1/console/session' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('a stale cookie does not block public routes (signing in again, opening an enrolment link)', async () => {
      env.clock.advance(31_000);
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/console/session',
        headers: { cookie: 'lt_session=lts_long_gone' },
        payload: { username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP, env.clock.now()) },
      });
      expect(res.statusCode).toBe(200);
    });

    it('R-13.3: a cookie POST without X-CSRF-Token or with a wrong one → 403 csrf-failed (vi/en); with the right one it works', async () => {
      const { cookie, res } = await consoleSignIn();
      const csrf = res.json().csrf_token as string;
      const payload = { code: 'CSRF-TEST-1', agency_code: 'VPTW', name_vi: 'Hệ thống thử', name_en: 'Test system', security_level: 3, zone: 'internet' };
      const post = (headers: Record<string, string>, code = payload.code) =>
        env.app.inject({ method: 'POST', url: '/api/v1/systems', headers: { cookie, ...headers }, payload: { ...payload, code } });
      for (const headers of [
        {} as Record<string, string>,
        { 'x-csrf-token': 'sai' },
        { 'x-csrf-token': csrf.slice(0, -2) + (csrf.endsWith('AA') ? 'BB' : 'AA') },
      ]) {
        const refused = await post(headers);
        expect(refused.statusCode).toBe(403);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(refused.json()).toMatchObject({
          type: '/problems/csrf-failed',
          title: 'Yêu cầu không mang mã chống giả mạo hợp lệ',
          title_en: expect.stringMatching(/CSRF/),
        });
      }
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/systems/CSRF-TEST-1', headers: { cookie } })).statusCode).toBe(404);
      expect((await post({ 'x-csrf-token': csrf })).statusCode).toBe(201);
      // Another session's token does not fit this one.
      const other = await consoleSignIn();
      expect(other.res.json().csrf_token).not.toBe(csrf);
      expect((await post({ 'x-csrf-token': other.res.json().csrf_token }, 'CSRF-TEST-2')).statusCode).toBe(403);
      // A bearer token needs no anti-forgery token (scripts).
      const bearer = await env.adminAuth();
      expect(
        (await env.app.inject({ method: 'POST', url: '/api/v1/systems', headers: { authorization: bearer }, payload: { ...payload, code: 'CSRF-TEST-3' } }))
          .statusCode,
      ).toBe(201);
    });

    it('R-13.3: a cross-site request (Origin: https://evil.example) with the cookie is refused, with or without the token; cross-site sign-in too', async () => {
      const { cookie, res } = await consoleSignIn();
      const csrf = res.json().csrf_token as string;
      const evil = await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: 'https://evil.example' } });
      expect(evil.statusCode).toBe(403);
      expect(evil.json().type).toBe('/problems/csrf-failed');
      const evilWithToken = await env.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf },
      });
      expect(evilWithToken.statusCode).toBe(403);
      const fetchMeta = await env.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { cookie, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf },
      });
      expect(fetchMeta.statusCode).toBe(403);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
      expect((await consoleSignIn({ origin: 'https://evil.example' })).res.statusCode).toBe(403);
      // Same host, another port (the console's development server proxying): accepted.
      const sameHost = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie, origin: 'http://localhost:5173' } });
      expect(sameHost.statusCode).toBe(200);
    });

    it('R-14.1: the cookie is never accepted on the data gateway (/data/v1 stays token-only)', async () => {
      const { cookie } = await consoleSignIn();
      const url = '/data/v1/can-bo-dang-vien/records/dv-1';
      const res = await env.app.inject({ method: 'GET', url, headers: { cookie, accept: 'application/json', 'lienthong-purpose': 'to-chuc-can-bo' } });
      expect(res.statusCode).toBe(401);
      const page = await env.app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html', 'lienthong-purpose': 'to-chuc-can-bo' } });
      expect(page.statusCode).toBeGreaterThanOrEqual(400);
      expect(page.headers['content-type']).not.toMatch(/text\/html/);
    });

    it('DELETE /console/session needs the token; with it: 204, cookie cleared, session revoked', async () => {
      const { cookie, res } = await consoleSignIn();
      expect((await env.app.inject({ method: 'DELETE', url: '/api/v1/console/session', headers: { cookie } })).statusCode).toBe(403);
      const out = await env.app.inject({ method: 'DELETE', url: '/api/v1/console/session', headers: { cookie, 'x-csrf-token': res.json().csrf_token } });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^lt_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/console/session', headers: { cookie } })).statusCode).toBe(401);
    });
  });
}
