import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccounts } from '../../src/accounts/index.ts';
import { memoryCryptoProvider } from '../../src/core/crypto.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { freePort } from './fixtures.ts';

const SYSTEMS = [
  { code: 'VPCP-DHTN', agency_code: 'VPCP', name_vi: 'Hệ thống điều hành tác nghiệp', name_en: 'Operations system', security_level: 3, zone: 'internet' },
  { code: 'BNCTW-QL', agency_code: 'BNCTW', name_vi: 'Hệ thống quản lý', name_en: 'Management system', security_level: 4, zone: 'tslcd' },
];

interface Problem {
  type: string;
  title: string;
  title_en: string;
  status: number;
  detail: string;
  detail_en: string;
  error: string;
  error_description: string;
  rule?: string;
}

for (const driver of DRIVERS) {
  describe(`[${driver}] OAuth 2.0 token endpoint for connection accounts (R-14.1)`, () => {
    let env: TestEnv;
    let keyDir: string;
    let issuer: string;
    let admin: string;
    let vpcp: string;
    let btctw: string;
    let operator: string;
    const insecure = { execute: [client.allowInsecureRequests], algorithm: 'oauth2' as const }; // tests only: plain http on 127.0.0.1

    const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, authorization: string, payload?: unknown) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    const newAccount = async (body: Record<string, unknown>, who = vpcp) => {
      const res = await api('POST', '/accounts', who, { system_code: 'VPCP-DHTN', name: 'Kết nối', auth_method: 'client_secret', ...body });
      expect(res.statusCode, res.body).toBe(201);
      return { clientId: res.json().account.client_id as string, secret: res.json().client_secret as string | undefined };
    };
    const tokenRequest = (body: Record<string, string> | string, headers: Record<string, string> = {}) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: typeof body === 'string' ? body : new URLSearchParams(body),
      });
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const expectOAuthError = async (res: Response, status: number, error: string): Promise<Problem> => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Problem;
      expect(body).toMatchObject({
        status,
        error,
        error_description: expect.any(String),
        title: expect.any(String),
        title_en: expect.any(String),
        detail: expect.any(String),
        detail_en: expect.any(String),
      });
      return body;
    };
    /** openid-client signs assertions with the real time; the platform's clock is set to it. */
    const syncClock = () => env.clock.advance(Date.now() - env.clock.now().getTime());

    beforeAll(async () => {
      keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-oauth-keys-'));
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      // (many failed token requests from one address: the per-address bound is tested in test/http/edge.test.ts)
      env = await startEnv(driver, { LIENTHONG_KEY_DIR: keyDir, LIENTHONG_PUBLIC_URL: issuer, LIENTHONG_UNIDENTIFIED_PER_SECOND: '100000' });
      syncClock(); // before signing in, so the sessions are valid at the real time
      admin = await env.adminAuth();
      vpcp = await env.userAuth('qt.vpcp', 'VPCP', ['consumer_admin']);
      btctw = await env.userAuth('qt.btctw', 'BTCTW', ['custodian_admin']);
      operator = await env.userAuth('qt.tu01', 'TU01', ['consumer_admin']);
      for (const s of SYSTEMS) {
        expect((await api('POST', '/systems', admin, s)).statusCode).toBe(201);
        await env.approveSecurityLevel(s.code, s.security_level); // R-13.3
      }
      await env.app.listen({ host: '127.0.0.1', port });
    });
    beforeEach(syncClock);
    afterAll(async () => {
      await env.close();
      fs.rmSync(keyDir, { recursive: true, force: true });
    });

    it('publishes RFC 8414 metadata and a JWKS that openid-client discovers and jose verifies tokens with', async () => {
      const meta = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
      expect(meta).toEqual({
        issuer,
        token_endpoint: `${issuer}/oauth/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
        service_documentation: `${issuer}/docs`,
        ui_locales_supported: ['vi', 'en'],
      });
      const jwks = await (await fetch(meta.jwks_uri)).json();
      expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
      // The token key (ES256) and the gateway's response key (EdDSA, R-5.3) are both published.
      expect(jwks.keys.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
      for (const key of jwks.keys) {
        expect(key).toMatchObject({ use: 'sig', kid: await jose.calculateJwkThumbprint(key) });
        expect(key.alg === 'ES256' ? [key.kty, key.crv] : [key.kty, key.crv]).toEqual(key.alg === 'ES256' ? ['EC', 'P-256'] : ['OKP', 'Ed25519']);
        expect(key).not.toHaveProperty('d');
        await jose.importJWK(key, key.alg);
      }
      // The key lives in the key directory, outside the database, readable by the owner only.
      expect(fs.statSync(path.join(keyDir, 'signing.pem')).mode & 0o777).toBe(0o600);
      const config = await client.discovery(new URL(issuer), 'ltc_000000000000000000000000', undefined, client.None(), insecure);
      expect(config.serverMetadata().token_endpoint).toBe(`${issuer}/oauth/token`);
    });

    it("openid-client's default discovery (no algorithm option: {issuer}/.well-known/openid-configuration) finds the same metadata and gets a token", async () => {
      const oidc = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(oidc.status).toBe(200);
      expect(await oidc.json()).toEqual(await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json());
      const { clientId, secret } = await newAccount({});
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(secret!), {
        execute: [client.allowInsecureRequests],
      }); // tests only: plain http
      expect(config.serverMetadata()).toMatchObject({ issuer, token_endpoint: `${issuer}/oauth/token` });
      const tokens = await client.clientCredentialsGrant(config);
      expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 300 });
    });

    it('client_secret_basic: openid-client obtains a short-lived JWT access token that verifies against /.well-known/jwks.json', async () => {
      const { clientId, secret } = await newAccount({});
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret!), insecure);
      const tokens = await client.clientCredentialsGrant(config);
      expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: '' }); // no agreement yet: no dataset (R-4.2)
      const remote = jose.createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, remote, {
        issuer,
        audience: 'lienthong-gateway',
        typ: 'at+jwt',
        currentDate: env.clock.now(),
      });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({ sub: clientId, client_id: clientId, system: 'VPCP-DHTN', agency: 'VPCP', scope: '' });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      const info = await env.platform.accounts.verifyAccessToken(tokens.access_token);
      expect(info).toMatchObject({ client_id: clientId, system: 'VPCP-DHTN', agency: 'VPCP', scopes: [], jti: payload.jti });
      expect(info.exp.getTime()).toBe(payload.exp! * 1000);
    });

    it('client_secret_post works too, with no-store caching', async () => {
      const { clientId, secret } = await newAccount({});
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(secret!), insecure);
      expect((await client.clientCredentialsGrant(config)).access_token).toMatch(/^ey/);
      const raw = await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret! });
      expect(raw.status).toBe(200);
      expect(raw.headers.get('cache-control')).toBe('no-store');
      expect(raw.headers.get('pragma')).toBe('no-cache');
    });

    it('private_key_jwt (RFC 7523): openid-client authenticates with ES256, PS256 and EdDSA keys', async () => {
      for (const alg of ['ES256', 'PS256', 'EdDSA'] as const) {
        const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
        const kid = `${alg.toLowerCase()}-1`;
        const { clientId } = await newAccount({ auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid, alg }] } });
        const config = await client.discovery(new URL(issuer), clientId, undefined, client.PrivateKeyJwt({ key: privateKey, kid }), insecure);
        const tokens = await client.clientCredentialsGrant(config);
        expect((await env.platform.accounts.verifyAccessToken(tokens.access_token)).client_id).toBe(clientId);
        if (alg !== 'EdDSA') continue;
        // openid-client names Ed25519 signatures "Ed25519" (RFC 9864); the older name "EdDSA" is accepted too.
        const now = Math.floor(env.clock.now().getTime() / 1000);
        const older = await new jose.SignJWT({ iss: clientId, sub: clientId, aud: issuer, exp: now + 60, jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: 'EdDSA', kid })
          .sign(privateKey);
        const res = await tokenRequest({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: older,
        });
        expect(res.status).toBe(200);
      }
    });

    it('private_key_jwt: replayed jti, wrong audience, long-lived, unsigned-by-registered-key and wrong-method assertions get 401 invalid_client', async () => {
      const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
      const { clientId } = await newAccount({ auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1' }] } });
      const now = Math.floor(env.clock.now().getTime() / 1000);
      const assertion = (claims: jose.JWTPayload = {}, key: CryptoKey = privateKey) =>
        new jose.SignJWT({ iss: clientId, sub: clientId, aud: `${issuer}/oauth/token`, iat: now, exp: now + 60, jti: crypto.randomUUID(), ...claims })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .sign(key);
      const send = async (jwt: string) =>
        tokenRequest({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        });

      const once = await assertion({ jti: 'mot-lan' });
      expect((await send(once)).status).toBe(200);
      expect((await expectOAuthError(await send(once), 401, 'invalid_client')).error_description).toMatch(/jti replay/);
      expect((await expectOAuthError(await send(await assertion({ aud: 'https://elsewhere.example' })), 401, 'invalid_client')).error_description).toMatch(
        /aud/,
      );
      expect((await expectOAuthError(await send(await assertion({ exp: now + 3600 })), 401, 'invalid_client')).error_description).toMatch(/within 300 seconds/);
      expect((await expectOAuthError(await send(await assertion({ exp: now - 120 })), 401, 'invalid_client')).error_description).toMatch(/exp/);
      const stranger = await jose.generateKeyPair('ES256');
      await expectOAuthError(await send(await assertion({}, stranger.privateKey)), 401, 'invalid_client');
      // The issuer itself is an accepted audience (what openid-client sends).
      expect((await send(await assertion({ aud: issuer }))).status).toBe(200);
      // A secret account cannot use an assertion, and an assertion account has no secret.
      const secretAccount = await newAccount({});
      const wrong = await new jose.SignJWT({ iss: secretAccount.clientId, sub: secretAccount.clientId, aud: issuer, exp: now + 60, jti: 'x' })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(privateKey);
      expect((await expectOAuthError(await send(wrong), 401, 'invalid_client')).error_description).toMatch(/client_secret/);
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'ltcs_doan' }), 401, 'invalid_client');
    });

    it('a revoked account gets 401 problem+json with RFC 6749 error members, and its tokens stop working at once', async () => {
      const { clientId, secret } = await newAccount({});
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(secret!), insecure);
      const { access_token } = await client.clientCredentialsGrant(config);
      expect((await api('POST', `/accounts/${clientId}/revoke`, vpcp, { reason: 'Lộ mật khẩu' })).statusCode).toBe(200);

      const res = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(clientId, secret!) });
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="lienthong"'); // RFC 6749 §5.2, client tried Basic
      const body = await expectOAuthError(res, 401, 'invalid_client');
      expect(body).toMatchObject({
        type: '/problems/unauthenticated',
        detail: 'Tài khoản kết nối đã bị thu hồi.',
        error_description: 'The connection account has been revoked.',
      });
      await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
      await expect(env.platform.accounts.verifyAccessToken(access_token)).rejects.toMatchObject({
        status: 401,
        options: { extra: { error: 'invalid_token' } },
      });
    });

    it('rotation: the old secret works within the grace period, then gets 401 (expired); the new one works', async () => {
      const { clientId, secret: old } = await newAccount({});
      const rotated = await api('POST', `/accounts/${clientId}/rotate-secret`, vpcp, { grace_seconds: 600, reason: 'Đổi định kỳ' });
      const fresh = rotated.json().client_secret as string;
      const grant = (secret: string) => tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });
      expect((await grant(old!)).status).toBe(200);
      expect((await grant(fresh)).status).toBe(200);
      env.clock.advance(601_000);
      const expired = await expectOAuthError(await grant(old!), 401, 'invalid_client');
      expect(expired.error_description).toMatch(/expired/);
      expect(expired.detail).toMatch(/hết hạn/);
      expect((await grant(fresh)).status).toBe(200);
      // openid-client sees the same refusal.
      syncClock();
      env.clock.advance(601_000);
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(old!), insecure);
      await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    });

    it('bad token requests → 400 problem+json with an RFC 6749 error and Vietnamese and English details', async () => {
      const { clientId, secret } = await newAccount({});
      const auth = { authorization: basic(clientId, secret!) };
      expect((await expectOAuthError(await tokenRequest({ grant_type: 'password' }, auth), 400, 'unsupported_grant_type')).detail).toMatch(
        /client_credentials/,
      );
      await expectOAuthError(await tokenRequest({}, auth), 400, 'invalid_request');
      await expectOAuthError(await tokenRequest('grant_type=client_credentials&grant_type=client_credentials', auth), 400, 'invalid_request');
      const json = await fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: '{"grant_type":"client_credentials"}',
      });
      await expectOAuthError(json, 400, 'invalid_request');
      const xml = await fetch(`${issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'text/xml', ...auth }, body: '<x/>' });
      await expectOAuthError(xml, 400, 'invalid_request');
      await expectOAuthError(
        await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret! }, auth),
        400,
        'invalid_request',
      );
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: 'a\\b' }, auth), 400, 'invalid_scope');
      const notGranted = await expectOAuthError(
        await tokenRequest({ grant_type: 'client_credentials', scope: 'can-bo-dang-vien' }, auth),
        400,
        'invalid_scope',
      );
      expect(notGranted.rule).toBe('R-4.2');
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials' }), 401, 'invalid_client');
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials' }, { authorization: 'Basic !!!' }), 401, 'invalid_client');
      // RFC 6749 §5.2: a client that accepts JSON but not problem+json gets the same body as application/json.
      const plain = await tokenRequest({ grant_type: 'password' }, { ...auth, accept: 'application/json' });
      expect(plain.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await plain.json()).toMatchObject({ type: '/problems/bad-request', title_en: 'Bad request', error: 'unsupported_grant_type' });
      await expectOAuthError(
        await tokenRequest({ grant_type: 'client_credentials', client_id: 'ltc_000000000000000000000000', client_secret: 'ltcs_x' }),
        401,
        'invalid_client',
      );
    });

    it('R-13.3: a system lowered below level 3 after issuance gets no token', async () => {
      const { clientId, secret } = await newAccount({});
      expect((await api('PATCH', '/systems/VPCP-DHTN', admin, { security_level: 2 })).statusCode).toBe(200);
      const res = await expectOAuthError(
        await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret! }),
        400,
        'unauthorized_client',
      );
      expect(res.rule).toBe('R-13.3');
      expect((await api('PATCH', '/systems/VPCP-DHTN', admin, { security_level: 3 })).statusCode).toBe(200);
      expect((await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret! })).status).toBe(200);
    });

    it('verifyAccessToken refuses expired tokens, tokens of another signer and JWTs that are not access tokens', async () => {
      const { clientId, secret } = await newAccount({});
      const token = (await (await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret! })).json())
        .access_token as string;
      env.clock.advance(306_000);
      await expect(env.platform.accounts.verifyAccessToken(token)).rejects.toMatchObject({ status: 401 });
      syncClock();
      const claims = jose.decodeJwt(token);
      const { privateKey } = await jose.generateKeyPair('ES256');
      const forged = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jose.decodeProtectedHeader(token).kid! })
        .sign(privateKey);
      await expect(env.platform.accounts.verifyAccessToken(forged)).rejects.toMatchObject({ status: 401 });
      await expect(env.platform.accounts.verifyAccessToken('khong-phai-jwt')).rejects.toMatchObject({ status: 401 });
    });

    it("scopes = granted datasets ∩ requested ∩ the delegating custodian's datasets (R-4.2, R-14.2; service level, fake grants)", async () => {
      const grants: Record<string, string[]> = {
        'VPCP-DHTN': ['to-chuc-dang', 'ngan-sach', 'can-bo-dang-vien'],
        'BNCTW-QL': ['can-bo-dang-vien', 'ngan-sach', 'ky-luat'],
      };
      const { registry, catalog } = env.platform;
      const svc = createAccounts(env.platform.db, env.clock, {
        systems: registry.systems,
        agencies: registry.agencies,
        datasets: catalog.datasets,
        crypto: memoryCryptoProvider(),
        issuer,
        grants: { datasetsFor: async (code) => grants[code] ?? [] },
      });
      const grant = async (clientId: string, secret: string, scope?: string) =>
        svc.oauth.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...(scope !== undefined && { scope }) }, undefined);

      const direct = await newAccount({});
      expect((await grant(direct.clientId, direct.secret!)).scope).toBe('can-bo-dang-vien ngan-sach to-chuc-dang');
      expect((await grant(direct.clientId, direct.secret!, 'to-chuc-dang khong-co')).scope).toBe('to-chuc-dang');
      await expect(grant(direct.clientId, direct.secret!, 'khong-co')).rejects.toMatchObject({
        status: 400,
        options: { rule: 'R-4.2', extra: { error: 'invalid_scope' } },
      });

      const delegation = (
        await api('POST', '/delegations', btctw, { custodian_code: 'BTCTW', operator_code: 'TU01', reason: 'Ủy quyền cho hệ thống trung gian' })
      ).json();
      const delegated = await newAccount({ system_code: 'BNCTW-QL', delegation_id: delegation.id }, operator);
      const token = await grant(delegated.clientId, delegated.secret!);
      expect(token.scope).toBe('can-bo-dang-vien ky-luat'); // ngân sách belongs to VPTW, not BTCTW
      expect((await svc.verifyAccessToken(token.access_token)).scopes).toEqual(['can-bo-dang-vien', 'ky-luat']);
      await expect(grant(delegated.clientId, delegated.secret!, 'ngan-sach')).rejects.toMatchObject({ status: 400 });
      // Tokens of one key holder are not accepted by another.
      await expect(env.platform.accounts.verifyAccessToken(token.access_token)).rejects.toMatchObject({ status: 401 });
    });
  });
}
