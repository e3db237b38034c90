import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { publicJwk } from './fixtures.ts';

const SYSTEMS = [
  { code: 'VPCP-DHTN', agency_code: 'VPCP', name_vi: 'Hệ thống điều hành tác nghiệp', name_en: 'Operations system', security_level: 3, zone: 'internet' },
  { code: 'VPCP-BAOCAO', agency_code: 'VPCP', name_vi: 'Hệ thống báo cáo', name_en: 'Reporting system', security_level: 2, zone: 'internet' },
  { code: 'VPCP-CU', agency_code: 'VPCP', name_vi: 'Hệ thống cũ', name_en: 'Old system', security_level: 4, zone: 'internet' },
  { code: 'BNCTW-QL', agency_code: 'BNCTW', name_vi: 'Hệ thống quản lý', name_en: 'Management system', security_level: 4, zone: 'tslcd' },
  {
    code: 'BTCTW-GHI',
    agency_code: 'BTCTW',
    name_vi: 'Hệ thống cập nhật cơ sở dữ liệu đảng viên',
    name_en: 'Party member database writer',
    security_level: 3,
    zone: 'internet',
  },
];

for (const driver of DRIVERS) {
  describe(`[${driver}] connection accounts and delegations (R-14.1, R-14.2)`, () => {
    let env: TestEnv;
    let keyDir: string;
    let admin: string; // coordinator
    let vpcp: string; // consumer admin of Văn phòng Chính phủ
    let vpcpApprover: string; // an official of VPCP who administers nothing
    let btctw: string; // custodian admin of Ban Tổ chức Trung ương
    let operator: string; // admin of an intermediary operator (Thành ủy Hà Nội)
    let bnctw: string; // consumer admin of another agency
    let auditor: string;

    const req = (method: 'GET' | 'POST' | 'PUT', url: string, authorization: string, payload?: unknown) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    const createAccount = async (who: string, body: Record<string, unknown>) => {
      const res = await req('POST', '/accounts', who, { name: 'Kết nối chính', auth_method: 'client_secret', ...body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { account: { client_id: string } & Record<string, unknown>; client_secret?: string };
    };

    beforeAll(async () => {
      keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-acc-keys-'));
      env = await startEnv(driver, { LIENTHONG_KEY_DIR: keyDir });
      admin = await env.adminAuth();
      vpcp = await env.userAuth('qt.vpcp', 'VPCP', ['consumer_admin']);
      vpcpApprover = await env.userAuth('pd.vpcp', 'VPCP', ['approver']);
      btctw = await env.userAuth('qt.btctw', 'BTCTW', ['custodian_admin']);
      operator = await env.userAuth('qt.tu01', 'TU01', ['consumer_admin']);
      bnctw = await env.userAuth('qt.bnctw', 'BNCTW', ['consumer_admin']);
      auditor = await env.userAuth('kiem.tra', 'VPTW', ['auditor']);
      for (const s of SYSTEMS) {
        expect((await req('POST', '/systems', admin, s)).statusCode).toBe(201);
        if (s.security_level >= 3) await env.approveSecurityLevel(s.code, s.security_level);
      }
      expect(
        (await env.app.inject({ method: 'PATCH', url: '/api/v1/systems/VPCP-CU', headers: { authorization: admin }, payload: { status: 'suspended' } }))
          .statusCode,
      ).toBe(200);
    });
    afterAll(async () => {
      await env.close();
      fs.rmSync(keyDir, { recursive: true, force: true });
    });

    it('R-14.1: a consumer admin issues an account; the 256-bit secret is shown once and only its SHA-256 is stored', async () => {
      const { account, client_secret } = await createAccount(vpcp, { system_code: 'VPCP-DHTN', reason: 'Kết nối điều hành' });
      expect(account).toMatchObject({
        system_code: 'VPCP-DHTN',
        agency_code: 'VPCP',
        auth_method: 'client_secret',
        status: 'active',
        custodian_code: null,
        issued_by_agency: 'VPCP',
        created_by: 'qt.vpcp',
      });
      expect(account.client_id).toMatch(/^ltc_[0-9a-f]{24}$/);
      expect(client_secret).toMatch(/^ltcs_[\w-]{43}$/); // 32 random bytes
      const read = await req('GET', `/accounts/${account.client_id}`, vpcp);
      expect(read.statusCode).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body).not.toContain(client_secret!);
      expect(read.json().secrets).toHaveLength(1);
      const listed = (await req('GET', '/accounts?system=VPCP-DHTN', vpcp)).json();
      expect(listed.items.find((a: { client_id: string }) => a.client_id === account.client_id).secrets).toEqual(read.json().secrets);
      const stored = await env.platform.db.query<{ secret_hash: string }>('SELECT secret_hash FROM account_secrets');
      expect(stored.rows.map((r) => r.secret_hash)).toContain(crypto.createHash('sha256').update(client_secret!).digest('hex'));
      const history = (await req('GET', `/accounts/${account.client_id}/history`, vpcp)).json();
      expect(history).toMatchObject([{ action: 'create', actor: 'qt.vpcp', reason: 'Kết nối điều hành' }]);
      expect(JSON.stringify(history)).not.toContain(client_secret!);
    });

    it('R-13.3: a system below security level 3, or not active, gets no account', async () => {
      for (const system_code of ['VPCP-BAOCAO', 'VPCP-CU']) {
        const res = await req('POST', '/accounts', vpcp, { system_code, name: 'x', auth_method: 'client_secret' });
        expect(res.statusCode).toBe(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({
          rule: 'R-13.3',
          detail: expect.stringMatching(/Không cấp được tài khoản kết nối/),
          detail_en: expect.stringMatching(/No connection account/),
        });
      }
      expect((await req('GET', '/accounts?system=VPCP-BAOCAO', admin)).json().total).toBe(0);
    });

    it('bad input → 400 problem+json with every violation in Vietnamese and English', async () => {
      const res = await req('POST', '/accounts', vpcp, { system_code: 'bad code', auth_method: 'password', surprise: 1 });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ title: 'Dữ liệu gửi lên không hợp lệ', title_en: 'Request validation failed' });
      expect(body.errors.map((e: { path: string }) => e.path)).toEqual(
        expect.arrayContaining(['/body/system_code', '/body/name', '/body/auth_method', '/body/surprise']),
      );
      expect(body.errors.every((e: { message: string; message_en: string }) => e.message && e.message_en)).toBe(true);

      const jwksOnSecret = await req('POST', '/accounts', vpcp, {
        system_code: 'VPCP-DHTN',
        name: 'x',
        auth_method: 'client_secret',
        jwks: { keys: [await publicJwk('ES256', 'k')] },
      });
      expect(jwksOnSecret.statusCode).toBe(400);
      expect(jwksOnSecret.json().errors[0].path).toBe('/body/jwks');

      const { account } = await createAccount(vpcp, { system_code: 'VPCP-DHTN' });
      const grace = await req('POST', `/accounts/${account.client_id}/rotate-secret`, vpcp, { grace_seconds: 8 * 24 * 3600, reason: 'x' });
      expect(grace.statusCode).toBe(400);
      expect(grace.json().errors.map((e: { path: string }) => e.path)).toEqual(['/body/grace_seconds', '/body/reason']);
      expect((await req('POST', `/accounts/${account.client_id}/revoke`, vpcp, {})).statusCode).toBe(400);
      expect((await req('GET', '/delegations/not-a-uuid', vpcp)).statusCode).toBe(400);
    });

    it('private_key_jwt: public ES256, PS256 and EdDSA keys are registered and replaced; private keys and other algorithms are refused', async () => {
      const keys = [await publicJwk('ES256', 'es'), await publicJwk('PS256', 'ps'), await publicJwk('EdDSA', 'ed')];
      const { account, client_secret } = await createAccount(vpcp, { system_code: 'VPCP-DHTN', auth_method: 'private_key_jwt', jwks: { keys } });
      expect(client_secret).toBeUndefined();
      expect(account.secrets).toEqual([]);
      expect((account.jwks as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual(['es', 'ps', 'ed']);

      const es = await jose.generateKeyPair('ES256', { extractable: true });
      const rsa1024 = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
      const bad = [
        { ...(await jose.exportJWK(es.privateKey)), kid: 'private' },
        { ...(await publicJwk('PS256', 'rs')), alg: 'RS256' },
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
        { ...rsa1024, kid: 'short' },
        { ...p384, kid: 'p384' },
        { ...(await publicJwk('ES256', 'enc')), use: 'enc' },
        { ...(await publicJwk('ES256', 'es')), x: 'AAAA' },
        await publicJwk('ES256', 'dup'),
        await publicJwk('EdDSA', 'dup'),
      ];
      const res = await req('PUT', `/accounts/${account.client_id}/jwks`, vpcp, { jwks: { keys: bad }, reason: 'Thay khoá' });
      expect(res.statusCode).toBe(400);
      const errors = res.json().errors as { path: string; message: string; message_en: string }[];
      expect(errors.map((e) => e.path)).toEqual([
        '/body/jwks/keys/0',
        '/body/jwks/keys/1',
        '/body/jwks/keys/2',
        '/body/jwks/keys/2',
        '/body/jwks/keys/3',
        '/body/jwks/keys/4',
        '/body/jwks/keys/5',
        '/body/jwks/keys/6',
        '/body/jwks/keys/8',
      ]);
      expect(errors[0]!.message_en).toMatch(/private members \(d\)/);
      expect(errors[1]!.message_en).toMatch(/only PS256/);
      expect(errors[2]!.message_en).toMatch(/private members \(k\)/);
      expect(errors[3]!.message).toMatch(/không được hỗ trợ/);
      expect(errors[4]!.message_en).toMatch(/2048 bits/);
      expect(errors[5]!.message_en).toMatch(/P-256/);
      expect(errors[8]!.message_en).toMatch(/Duplicate "kid" "dup"/);

      const replaced = await req('PUT', `/accounts/${account.client_id}/jwks`, vpcp, {
        jwks: { keys: [await publicJwk('EdDSA', 'moi')] },
        reason: 'Thay khoá định kỳ',
      });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({ version: 2, jwks: { keys: [{ kid: 'moi', kty: 'OKP' }] } });
      expect((await req('POST', `/accounts/${account.client_id}/rotate-secret`, vpcp, { reason: 'không có' })).statusCode).toBe(409);
      const history = (await req('GET', `/accounts/${account.client_id}/history`, vpcp)).json();
      expect(history.map((h: { action: string; reason: string | null }) => [h.action, h.reason])).toEqual([
        ['create', null],
        ['set_jwks', 'Thay khoá định kỳ'],
      ]);
    });

    it('rotation keeps the previous secret for the grace period; revocation is final; every change has actor and reason', async () => {
      const { account } = await createAccount(vpcp, { system_code: 'VPCP-DHTN' });
      const id = account.client_id;
      const rotated = await req('POST', `/accounts/${id}/rotate-secret`, vpcp, { grace_seconds: 3600, reason: 'Đổi định kỳ' });
      expect(rotated.statusCode).toBe(200);
      const r = rotated.json();
      expect(rotated.headers['cache-control']).toBe('no-store');
      expect(r.client_secret).toMatch(/^ltcs_/);
      expect(new Date(r.previous_secrets_valid_until).getTime()).toBe(env.clock.now().getTime() + 3600_000);
      expect(r.account.secrets).toHaveLength(2);
      expect(r.account.secrets[0].expires_at).toBe(r.previous_secrets_valid_until);
      expect(r.account.secrets[1].expires_at).toBeNull();
      env.clock.advance(3601_000);
      expect((await req('GET', `/accounts/${id}`, vpcp)).json().secrets).toHaveLength(1);

      expect((await req('POST', `/accounts/${id}/revoke`, vpcp, { reason: 'Hệ thống ngừng dùng' })).json()).toMatchObject({ status: 'revoked', version: 3 });
      expect((await req('POST', `/accounts/${id}/revoke`, vpcp, { reason: 'lần nữa' })).statusCode).toBe(409);
      expect((await req('POST', `/accounts/${id}/rotate-secret`, vpcp, { reason: 'sau thu hồi' })).statusCode).toBe(409);
      const history = (await req('GET', `/accounts/${id}/history`, auditor)).json();
      expect(history.map((h: { action: string; actor: string; reason: string | null }) => [h.action, h.actor, h.reason])).toEqual([
        ['create', 'qt.vpcp', null],
        ['rotate_secret', 'qt.vpcp', 'Đổi định kỳ'],
        ['revoke', 'qt.vpcp', 'Hệ thống ngừng dùng'],
      ]);
      expect(history[2].changes.status).toEqual({ from: 'active', to: 'revoked' });
      await expect(env.platform.db.query('DELETE FROM connection_accounts')).rejects.toThrow(/refused/);
      await expect(env.platform.db.query('DELETE FROM account_secrets')).rejects.toThrow(/refused/);
    });

    it('another agency cannot read or act on an account (every route → 404); same-agency non-admins and auditors read but get 403 on changes', async () => {
      const { account } = await createAccount(vpcp, { system_code: 'VPCP-DHTN', name: 'Riêng tư' });
      const id = account.client_id;
      const jwks = { keys: [await publicJwk('ES256', 'k')] };
      const routes: [string, 'GET' | 'POST' | 'PUT', string, unknown?][] = [
        ['get', 'GET', `/accounts/${id}`],
        ['history', 'GET', `/accounts/${id}/history`],
        ['rotate', 'POST', `/accounts/${id}/rotate-secret`, { reason: 'thử' }],
        ['jwks', 'PUT', `/accounts/${id}/jwks`, { jwks, reason: 'thử' }],
        ['revoke', 'POST', `/accounts/${id}/revoke`, { reason: 'thử' }],
      ];
      for (const [name, method, url, body] of routes) {
        for (const who of [bnctw, btctw, operator]) {
          const res = await req(method, url, who, body);
          expect([name, res.statusCode]).toEqual([name, 404]);
          expect(res.body).not.toContain('Riêng tư');
        }
        const expected = method === 'GET' ? 200 : 403;
        for (const who of [vpcpApprover, auditor]) expect([name, (await req(method, url, who, body)).statusCode]).toEqual([name, expected]);
      }
      for (const who of [bnctw, btctw, operator]) {
        expect((await req('GET', '/accounts', who)).json().items.map((a: { client_id: string }) => a.client_id)).not.toContain(id);
      }
      expect((await req('GET', `/accounts?system=VPCP-DHTN`, auditor)).json().items.map((a: { client_id: string }) => a.client_id)).toContain(id);
      // Issuing for another agency's system: the system itself is hidden.
      expect((await req('POST', '/accounts', bnctw, { system_code: 'VPCP-DHTN', name: 'x', auth_method: 'client_secret' })).statusCode).toBe(404);
      expect((await req('POST', '/accounts', vpcpApprover, { system_code: 'VPCP-DHTN', name: 'x', auth_method: 'client_secret' })).statusCode).toBe(403);
      expect((await req('POST', '/accounts', auditor, { system_code: 'VPCP-DHTN', name: 'x', auth_method: 'client_secret' })).statusCode).toBe(403);
      // The coordinator acts everywhere.
      expect((await req('POST', `/accounts/${id}/revoke`, admin, { reason: 'Điều phối thu hồi' })).statusCode).toBe(200);
      expect((await req('GET', '/accounts/ltc_000000000000000000000000', vpcp)).statusCode).toBe(404);
    });

    it("R-14.2: an account the coordinator issued is no delegation — another administrator of the coordinator's office sees it but may not change it", async () => {
      const { account } = await createAccount(admin, { system_code: 'VPCP-DHTN', name: 'Điều phối cấp' });
      expect(account).toMatchObject({ agency_code: 'VPCP', issued_by_agency: 'VPTW', delegation_id: null, custodian_code: null });
      const id = account.client_id;
      // An administrator of the issuing agency manages an account only as the operator of a delegation.
      const vptwAdmin = await env.userAuth('qt.vptw', 'VPTW', ['consumer_admin']);
      expect((await req('GET', `/accounts/${id}`, vptwAdmin)).statusCode).toBe(200);
      const refused = await req('POST', `/accounts/${id}/rotate-secret`, vptwAdmin, { reason: 'Không ủy quyền' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().rule).toBe('R-14.1');
      expect((await req('POST', `/accounts/${id}/revoke`, vptwAdmin, { reason: 'Không ủy quyền' })).statusCode).toBe(403);
      // The system's agency and the coordinator do.
      expect((await req('POST', `/accounts/${id}/rotate-secret`, vpcp, { reason: 'Cơ quan sở hữu đổi' })).statusCode).toBe(200);
      expect((await req('POST', `/accounts/${id}/revoke`, admin, { reason: 'Điều phối thu hồi' })).statusCode).toBe(200);
    });

    it("R-14.1: a custodian administrator issues, rotates and revokes its own writer system's account, and the system writes through the gateway with it; another agency's system is refused", async () => {
      const { account, client_secret } = await createAccount(btctw, { system_code: 'BTCTW-GHI', reason: 'Hệ thống cập nhật dữ liệu đảng viên' });
      expect(account).toMatchObject({ system_code: 'BTCTW-GHI', agency_code: 'BTCTW', issued_by_agency: 'BTCTW', created_by: 'qt.btctw' });
      const token = await env.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: account.client_id, client_secret: client_secret! }).toString(),
      });
      expect(token.statusCode, token.body).toBe(200);
      const write = await env.app.inject({
        method: 'PUT',
        url: '/data/v1/can-bo-dang-vien/records/dv-ghi-1',
        headers: { authorization: `Bearer ${token.json().access_token}` },
        payload: {
          member_number: '01.0000091',
          full_name: 'Nguyễn Văn Ghi',
          citizen_id: '001085000091',
          date_of_birth: '1985-01-09',
          gender: '1',
          admission_date: '2010-05-19',
          party_organisation_code: 'DB-01',
        },
      });
      expect(write.statusCode, write.body).toBe(200);
      expect(write.json()).toMatchObject({ written: 1, versions: [{ key: 'dv-ghi-1', version: 1 }] });
      expect((await req('POST', `/accounts/${account.client_id}/rotate-secret`, btctw, { reason: 'Đổi định kỳ' })).statusCode).toBe(200);
      expect((await req('POST', `/accounts/${account.client_id}/revoke`, btctw, { reason: 'Ngừng hệ thống' })).statusCode).toBe(200);
      // Another agency's system is hidden (404); an agency's own official who administers nothing gets 403.
      expect((await req('POST', '/accounts', btctw, { system_code: 'VPCP-DHTN', name: 'x', auth_method: 'client_secret' })).statusCode).toBe(404);
      const other = await createAccount(vpcp, { system_code: 'VPCP-DHTN' });
      expect((await req('POST', `/accounts/${other.account.client_id}/revoke`, btctw, { reason: 'thử' })).statusCode).toBe(404);
    });

    it('R-14.2: a custodian delegates issuance; the operator issues accounts restricted to that custodian; revoking the delegation revokes them', async () => {
      const sys = { system_code: 'BNCTW-QL', name: 'Qua đơn vị trung gian' };
      expect((await req('POST', '/accounts', operator, { ...sys, auth_method: 'client_secret' })).statusCode).toBe(404); // no delegation: another agency's system
      expect((await req('POST', '/delegations', vpcp, { custodian_code: 'BTCTW', operator_code: 'TU01', reason: 'Không có quyền' })).statusCode).toBe(403);
      expect((await req('POST', '/delegations', btctw, { custodian_code: 'BTCTW', operator_code: 'BTCTW', reason: 'Chính mình' })).statusCode).toBe(400);
      const notCustodian = await req('POST', '/delegations', admin, { custodian_code: 'VPCP', operator_code: 'TU01', reason: 'VPCP không chủ quản' });
      expect(notCustodian.statusCode).toBe(422);
      expect(notCustodian.json().rule).toBe('R-14.2');

      const created = await req('POST', '/delegations', btctw, {
        custodian_code: 'BTCTW',
        operator_code: 'TU01',
        reason: 'Ủy quyền cấp tài khoản cho hệ thống trung gian',
      });
      expect(created.statusCode).toBe(201);
      const delegation = created.json();
      expect(delegation).toMatchObject({ custodian_code: 'BTCTW', operator_code: 'TU01', status: 'active', created_by: 'qt.btctw' });
      expect((await req('POST', '/delegations', btctw, { custodian_code: 'BTCTW', operator_code: 'TU01', reason: 'Lần hai' })).statusCode).toBe(409);
      for (const who of [btctw, operator, auditor]) expect((await req('GET', `/delegations/${delegation.id}`, who)).statusCode).toBe(200);
      expect((await req('GET', `/delegations/${delegation.id}`, bnctw)).statusCode).toBe(404);
      expect((await req('GET', '/delegations', bnctw)).json().total).toBe(0);
      expect((await req('GET', '/delegations?operator=TU01', operator)).json().items.map((d: { id: string }) => d.id)).toEqual([delegation.id]);

      // Only the operator's admins issue under it; others do not even see it.
      expect((await req('POST', '/accounts', bnctw, { ...sys, auth_method: 'client_secret', delegation_id: delegation.id })).statusCode).toBe(404);
      expect((await req('POST', '/accounts', btctw, { ...sys, auth_method: 'client_secret', delegation_id: delegation.id })).statusCode).toBe(403);
      const low = await req('POST', '/accounts', operator, {
        system_code: 'VPCP-BAOCAO',
        name: 'x',
        auth_method: 'client_secret',
        delegation_id: delegation.id,
      });
      expect(low.json()).toMatchObject({ status: 422, rule: 'R-13.3' });
      const { account } = await createAccount(operator, { ...sys, delegation_id: delegation.id });
      expect(account).toMatchObject({
        system_code: 'BNCTW-QL',
        agency_code: 'BNCTW',
        custodian_code: 'BTCTW',
        delegation_id: delegation.id,
        issued_by_agency: 'TU01',
      });
      const id = account.client_id;
      // The system's agency, the operator and the custodian see it; the operator and the system's agency manage it.
      for (const who of [bnctw, operator, btctw]) expect((await req('GET', `/accounts/${id}`, who)).statusCode).toBe(200);
      expect((await req('GET', `/accounts/${id}`, vpcp)).statusCode).toBe(404);
      expect((await req('POST', `/accounts/${id}/rotate-secret`, operator, { reason: 'Trung gian đổi' })).statusCode).toBe(200);
      expect((await req('POST', `/accounts/${id}/rotate-secret`, btctw, { reason: 'Chủ quản đổi' })).statusCode).toBe(403);

      expect((await req('POST', `/delegations/${delegation.id}/revoke`, operator, { reason: 'Trung gian tự thu hồi' })).statusCode).toBe(403);
      const revoked = await req('POST', `/delegations/${delegation.id}/revoke`, btctw, { reason: 'Kết thúc ủy quyền' });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json()).toMatchObject({ delegation: { status: 'revoked', version: 2 }, revoked_accounts: [id] });
      expect((await req('GET', `/accounts/${id}`, bnctw)).json().status).toBe('revoked');
      const again = await req('POST', '/accounts', operator, { ...sys, auth_method: 'client_secret', delegation_id: delegation.id });
      expect(again.json()).toMatchObject({ status: 422, rule: 'R-14.2' });
      const history = (await req('GET', `/delegations/${delegation.id}/history`, auditor)).json();
      expect(history.map((h: { action: string; actor: string; reason: string }) => [h.action, h.actor, h.reason])).toEqual([
        ['create', 'qt.btctw', 'Ủy quyền cấp tài khoản cho hệ thống trung gian'],
        ['revoke', 'qt.btctw', 'Kết thúc ủy quyền'],
      ]);
      const accountHistory = (await req('GET', `/accounts/${id}/history`, bnctw)).json();
      expect(accountHistory.at(-1)).toMatchObject({ action: 'revoke', actor: 'qt.btctw', reason: expect.stringContaining('Kết thúc ủy quyền') });
      // A new delegation after the revoked one is allowed.
      expect((await req('POST', '/delegations', btctw, { custodian_code: 'BTCTW', operator_code: 'TU01', reason: 'Ủy quyền lại' })).statusCode).toBe(201);
    });

    it('documents every route in the OpenAPI document', async () => {
      const doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      for (const p of [
        '/api/v1/accounts',
        '/api/v1/accounts/{client_id}',
        '/api/v1/accounts/{client_id}/rotate-secret',
        '/api/v1/accounts/{client_id}/revoke',
        '/api/v1/accounts/{client_id}/jwks',
        '/api/v1/delegations',
        '/api/v1/delegations/{id}/revoke',
        '/oauth/token',
        '/.well-known/jwks.json',
        '/.well-known/oauth-authorization-server',
      ]) {
        expect(doc.paths, p).toHaveProperty([p]);
      }
      expect(Object.keys(doc.paths['/oauth/token'].post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    });
  });
}
