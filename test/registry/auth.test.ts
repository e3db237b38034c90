import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_RECHECK_MS } from '../../src/registry/session-cache.ts';
import { totpCode } from '../../src/registry/credentials.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP, DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] authentication and sessions`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver, { LIENTHONG_SESSION_TTL_SECONDS: '3600' });
    });
    afterAll(() => env.close());

    const login = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
    const me = (authorization?: string) => env.app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });

    it('no token → 401 problem+json with vi/en titles and a request id', async () => {
      const res = await me();
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ type: '/problems/unauthenticated', status: 401, title: expect.stringContaining('xác thực'), title_en: expect.any(String) });
      expect(body.request_id).toBe(res.headers['x-request-id']);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    });

    it('a malformed or unknown bearer token → 401', async () => {
      expect((await me('Bearer not-a-real-token')).statusCode).toBe(401);
      expect((await me('Basic YWRtaW46eA==')).statusCode).toBe(401);
    });

    it('R-13.3: the coordinator must give a TOTP code; password alone is refused', async () => {
      env.clock.advance(31_000);
      const res = await login({ username: 'admin', password: ADMIN_PASSWORD });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ type: '/problems/mfa-required', rule: 'R-13.3' });
      const wrong = await login({ username: 'admin', password: ADMIN_PASSWORD, totp: '000000' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().type).toBe('/problems/mfa-invalid');
    });

    it('a valid password and TOTP sign in; /me names the user, agency and roles', async () => {
      env.clock.advance(31_000);
      const res = await login({ username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP, env.clock.now()) });
      expect(res.statusCode).toBe(200);
      const { token, expires_at } = res.json();
      expect(token).toMatch(/^lts_/);
      expect(new Date(expires_at).getTime() - env.clock.now().getTime()).toBe(3600_000);
      const who = await me(`Bearer ${token}`);
      expect(who.statusCode).toBe(200);
      expect(who.json()).toMatchObject({
        username: 'admin',
        roles: ['coordinator'],
        mfa_enabled: true,
        agency: { code: 'VPTW', name_vi: 'Văn phòng Trung ương Đảng' },
      });
    });

    it('a TOTP code cannot be replayed', async () => {
      env.clock.advance(31_000);
      const code = totpCode(ADMIN_TOTP, env.clock.now());
      expect((await login({ username: 'admin', password: ADMIN_PASSWORD, totp: code })).statusCode).toBe(200);
      const replay = await login({ username: 'admin', password: ADMIN_PASSWORD, totp: code });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().type).toBe('/problems/mfa-invalid');
    });

    it('R-13.3: every role needs TOTP (a custodian administrator too); wrong password → 401 without saying which part was wrong', async () => {
      const { totp_secret } = await env.platform.registry.users.create('system', {
        username: 'ktv.btctw',
        full_name: 'Kiểm thử viên',
        agency_code: 'BTCTW',
        roles: ['custodian_admin'],
        password: 'mat-khau-dung-12',
      });
      expect(totp_secret).toMatch(/^[A-Z2-7]{32}$/);
      const bare = await login({ username: 'ktv.btctw', password: 'mat-khau-dung-12' });
      expect(bare.statusCode).toBe(401);
      expect(bare.json()).toMatchObject({ type: '/problems/mfa-required', rule: 'R-13.3' });
      env.clock.advance(31_000);
      expect((await login({ username: 'ktv.btctw', password: 'mat-khau-dung-12', totp: totpCode(totp_secret!, env.clock.now()) })).statusCode).toBe(200);
      const bad = await login({ username: 'ktv.btctw', password: 'mat-khau-sai-123' });
      const unknown = await login({ username: 'khong.ton.tai', password: 'mat-khau-sai-123' });
      expect(bad.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(bad.json().type).toBe(unknown.json().type);
    });

    it('4 wrong passwords → 401 without the count; the 5th locks: 423 Locked with Retry-After, even for the right password, until the lock expires', async () => {
      const { totp_secret } = await env.platform.registry.users.create('system', {
        username: 'bi.khoa',
        full_name: 'Người bị khoá',
        agency_code: 'BTCTW',
        roles: ['consumer_admin'],
        password: 'mat-khau-dung-12',
      });
      for (let i = 0; i < 4; i++) {
        const wrong = await login({ username: 'bi.khoa', password: 'sai-sai-sai-sai' });
        expect(wrong.statusCode).toBe(401);
        expect(wrong.json().type).toBe('/problems/login-failed');
        expect(wrong.body).not.toMatch(/[0-9] (lần|attempt)/);
      }
      const fifth = await login({ username: 'bi.khoa', password: 'sai-sai-sai-sai' });
      expect(fifth.statusCode).toBe(423);
      expect(fifth.headers['retry-after']).toBe(String(15 * 60));
      const lockedAt = env.clock.now().getTime();
      // Locked: the right password and a wrong one get the same 423 — the answer says nothing about the password.
      env.clock.advance(60_000);
      const right = await login({ username: 'bi.khoa', password: 'mat-khau-dung-12' });
      const wrong = await login({ username: 'bi.khoa', password: 'sai-sai-sai-sai' });
      for (const res of [right, wrong]) {
        expect(res.statusCode).toBe(423);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({
          type: '/problems/account-locked',
          status: 423,
          title: 'Tài khoản đang tạm bị khoá',
          title_en: 'Account temporarily locked',
        });
        expect(res.headers['retry-after']).toBe(String(14 * 60)); // tries during the lock do not extend it
      }
      // Administrators see the lock on the user's record (the console's users page shows it).
      const seen = await env.app.inject({ method: 'GET', url: '/api/v1/users/bi.khoa', headers: { authorization: await env.adminAuth() } });
      expect(new Date(seen.json().locked_until).getTime()).toBe(lockedAt + 15 * 60_000);
      env.clock.advance(lockedAt + 15 * 60_000 + 1000 - env.clock.now().getTime());
      expect((await login({ username: 'bi.khoa', password: 'mat-khau-dung-12', totp: totpCode(totp_secret!, env.clock.now()) })).statusCode).toBe(200);
    });

    it('a made-up name locks after as many tries as a real one, so 423 does not reveal which names exist', async () => {
      const tries = [];
      for (let i = 0; i < 6; i++) tries.push((await login({ username: 'khong.co.ai', password: 'sai-sai-sai-sai' })).statusCode);
      expect(tries).toEqual([401, 401, 401, 401, 423, 423]);
    });

    it('an expired session → 401; logout revokes at once', async () => {
      const auth = await env.userAuth('het.han', 'BTCTW', ['consumer_admin']);
      expect((await me(auth)).statusCode).toBe(200);
      env.clock.advance(3601_000);
      const expired = await me(auth);
      expect(expired.statusCode).toBe(401);
      expect(expired.json().detail_en).toMatch(/expired/);

      const fresh = await env.login('het.han', 'mat-khau-het.han-2025');
      expect((await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: fresh } })).statusCode).toBe(204);
      expect((await me(fresh)).statusCode).toBe(401);
    });

    it('a session revoked through another server instance is refused within 1 s (sessions are rechecked every second)', async () => {
      const auth = await env.userAuth('hai.may', 'BTCTW', ['consumer_admin']);
      expect((await me(auth)).statusCode).toBe(200);
      // Another instance signs the session out: the row changes, this process's memory does not.
      await env.platform.db.query("UPDATE sessions SET revoked_at = now() WHERE user_id = (SELECT id FROM users WHERE username = 'hai.may')");
      expect((await me(auth)).statusCode).toBe(200); // believed from memory, for at most …
      env.clock.advance(SESSION_RECHECK_MS); // … this long
      expect((await me(auth)).statusCode).toBe(401);
    });

    it('disabling a user ends their sessions', async () => {
      const auth = await env.userAuth('se.bi.khoa', 'BTCTW', ['consumer_admin']);
      const res = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/se.bi.khoa',
        headers: { authorization: await env.adminAuth() },
        payload: { status: 'disabled' },
      });
      expect(res.statusCode).toBe(200);
      expect((await me(auth)).statusCode).toBe(401);
    });

    it('an official changes their own password; other sessions end, the current one stays', async () => {
      const a = await env.userAuth('doi.mk', 'BTCTW', ['consumer_admin']);
      const b = await env.login('doi.mk', 'mat-khau-doi.mk-2025');
      const change = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/me/password', headers: { authorization: a }, payload });
      expect((await change({ current_password: 'sai-roi-sai-roi', new_password: 'mat-khau-moi-2026' })).statusCode).toBe(400);
      expect((await change({ current_password: 'mat-khau-doi.mk-2025', new_password: 'mat-khau-moi-2026' })).statusCode).toBe(204);
      expect((await me(a)).statusCode).toBe(200);
      expect((await me(b)).statusCode).toBe(401);
      expect(await env.login('doi.mk', 'mat-khau-moi-2026')).toMatch(/^Bearer /);
      const history = await env.platform.registry.users.history('doi.mk');
      expect(history.map((h) => h.action)).toEqual(['create', 'complete_enrolment', 'change_password']);
      expect(JSON.stringify(history)).not.toMatch(/mat-khau|\$argon2/);
    });

    it('a coordinator resets lost credentials: the answer is a new enrolment link (no password, no secret), old credentials and sessions end, reason kept', async () => {
      const old = await env.userAuth('mat.may', 'VPTW', ['approver']);
      const oldSecret = env.totpSecrets.get('mat.may')!;
      const admin = await env.adminAuth();
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/users/mat.may/reset-credentials',
        headers: { authorization: admin },
        payload: { reason: 'Mất điện thoại xác thực' },
      });
      expect(res.statusCode).toBe(200);
      expect(JSON.stringify(res.json())).not.toMatch(/password|totp|otpauth/);
      expect(res.json()).toMatchObject({ user: { status: 'pending', mfa_enabled: false }, enrolment: { url: expect.stringMatching(/\/enrol\/lte_/) } });
      expect((await me(old)).statusCode).toBe(401);
      // The old password (and the old authenticator) no longer open anything.
      env.clock.advance(31_000);
      expect((await login({ username: 'mat.may', password: 'mat-khau-mat.may-2025', totp: totpCode(oldSecret, env.clock.now()) })).statusCode).toBe(401);
      const secret = await env.enrol(res.json().enrolment.url, 'mat-khau-moi-mat.may');
      expect(secret).not.toBe(oldSecret);
      expect(await env.login('mat.may', 'mat-khau-moi-mat.may', secret)).toMatch(/^Bearer /);
      const intruder = await env.userAuth('khong.quyen', 'BTCTW', ['custodian_admin']);
      const denied = await env.app.inject({
        method: 'POST',
        url: '/api/v1/users/admin/reset-credentials',
        headers: { authorization: intruder },
        payload: { reason: 'chiếm quyền' },
      });
      expect(denied.statusCode).toBe(403);
      const history = await env.platform.registry.users.history('mat.may');
      expect(history.at(-2)).toMatchObject({ action: 'reset_credentials', actor: 'admin', reason: 'Mất điện thoại xác thực' });
      expect(history.at(-1)).toMatchObject({ action: 'complete_enrolment', actor: 'mat.may' });
    });

    it('parallel wrong guesses still lock the account (the count is atomic)', async () => {
      await env.platform.registry.users.create('system', {
        username: 'song.song',
        full_name: 'X',
        agency_code: 'BTCTW',
        roles: ['consumer_admin'],
        password: 'mat-khau-dung-12',
      });
      const guesses = await Promise.all(Array.from({ length: 12 }, () => login({ username: 'song.song', password: 'sai-sai-sai-sai' })));
      expect(guesses.every((g) => g.statusCode === 401 || g.statusCode === 423)).toBe(true);
      expect(guesses.some((g) => g.statusCode === 423)).toBe(true);
      expect((await login({ username: 'song.song', password: 'mat-khau-dung-12' })).statusCode).toBe(423);
    });

    it('R-13.3: one TOTP code opens one session even when sent in parallel', async () => {
      env.clock.advance(31_000);
      const code = totpCode(ADMIN_TOTP, env.clock.now());
      const tries = await Promise.all(Array.from({ length: 4 }, () => login({ username: 'admin', password: ADMIN_PASSWORD, totp: code })));
      expect(tries.map((t) => t.statusCode).sort()).toEqual([200, 401, 401, 401]);
    });

    it('rejects malformed login bodies with 400 and the offending fields', async () => {
      const res = await login({ username: 'admin', password: 'x', totp: '12ab56', extra: true });
      expect(res.statusCode).toBe(400);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['/body/extra', '/body/totp']));
    });
  });
}
