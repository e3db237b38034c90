import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] registry: agencies, systems, users`, () => {
    let env: TestEnv;
    let admin: string;
    let btctw: string; // custodian admin of Ban Tổ chức Trung ương
    let vpcp: string; // consumer admin of Văn phòng Chính phủ
    let auditor: string;

    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      btctw = await env.userAuth('qt.btctw', 'BTCTW', ['custodian_admin']);
      vpcp = await env.userAuth('qt.vpcp', 'VPCP', ['consumer_admin']);
      auditor = await env.userAuth('kiem.tra', 'VPTW', ['auditor']);
    });
    afterAll(() => env.close());

    const get = (url: string, authorization: string) => env.app.inject({ method: 'GET', url, headers: { authorization } });
    const send = (method: 'POST' | 'PATCH', url: string, authorization: string, payload: unknown, headers: Record<string, string> = {}) =>
      env.app.inject({ method, url, headers: { authorization, ...headers }, payload: payload as object });

    it('seeds the bodies the regulation names and the 34 provincial/city Party committees', async () => {
      const named = [
        'BBT',
        'VPTW',
        'BTCTW',
        'BTGDVTW',
        'BNCTW',
        'BCSCLTW',
        'UBKTTW',
        'NXBCTQG',
        'HVCTQG',
        'VPCTN',
        'VPCP',
        'VPQH',
        'BCA',
        'BQP',
        'BKHCN',
        'BCYCP',
      ];
      for (const code of named) expect((await get(`/api/v1/agencies/${code}`, vpcp)).statusCode).toBe(200);
      const provinces = (await get('/api/v1/agencies?kind=provincial_party_committee&limit=200', vpcp)).json();
      expect(provinces.total).toBe(34);
      expect(provinces.items.map((a: { name_vi: string }) => a.name_vi)).toEqual(
        expect.arrayContaining(['Thành ủy Hà Nội', 'Tỉnh ủy Cao Bằng', 'Thành ủy Hồ Chí Minh']),
      );
      const offices = (await get('/api/v1/agencies?central_office=true', vpcp)).json();
      expect(offices.items.map((a: { code: string }) => a.code).sort()).toEqual(['VPCP', 'VPCTN', 'VPQH', 'VPTW']);
      expect((await get('/api/v1/agencies/BCYCP', vpcp)).json().parent_code).toBe('BQP');
    });

    it('agency search ignores diacritics', async () => {
      const r = (await get('/api/v1/agencies?q=ban%20co%20yeu', vpcp)).json();
      expect(r.items.map((a: { code: string }) => a.code)).toContain('BCYCP');
    });

    it('only the coordinator edits agencies, with history and optimistic concurrency', async () => {
      const create = { code: 'DUTEST', name_vi: 'Đảng ủy Thử nghiệm', name_en: 'Test Party Committee', kind: 'grassroots_party_org', parent_code: 'TU01' };
      expect((await send('POST', '/api/v1/agencies', btctw, create)).statusCode).toBe(403);
      const created = await send('POST', '/api/v1/agencies', admin, create);
      expect(created.statusCode).toBe(201);
      expect(created.headers.etag).toBe('"1"');
      expect((await send('POST', '/api/v1/agencies', admin, create)).statusCode).toBe(409);

      const stale = await send('PATCH', '/api/v1/agencies/DUTEST', admin, { name_en: 'Renamed' }, { 'if-match': '"7"' });
      expect(stale.statusCode).toBe(412);
      const ok = await send('PATCH', '/api/v1/agencies/DUTEST', admin, { name_en: 'Renamed' }, { 'if-match': '"1"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ name_en: 'Renamed', version: 2 });

      const cycle = await send('PATCH', '/api/v1/agencies/TU01', admin, { parent_code: 'DUTEST' });
      expect(cycle.statusCode).toBe(422);

      const history = (await get('/api/v1/agencies/DUTEST/history', auditor)).json();
      expect(history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([
        ['create', 'admin'],
        ['update', 'admin'],
      ]);
      expect(history[1].changes).toEqual({ name_en: { from: 'Test Party Committee', to: 'Renamed' } });
    });

    it('R-13.3: a system below security level 3 is registered but flagged as not allowed to share', async () => {
      const low = await send('POST', '/api/v1/systems', vpcp, {
        code: 'VPCP-BAOCAO',
        agency_code: 'VPCP',
        name_vi: 'Hệ thống báo cáo',
        name_en: 'Reporting system',
        security_level: 2,
        zone: 'internet',
        base_url: 'https://baocao.vpcp.example',
      });
      expect(low.statusCode).toBe(201);
      expect(low.json()).toMatchObject({ sharing_allowed: false, sharing_refusal: { rule: 'R-13.3' } });
      // Raising the declared level is a claim; the coordinator's decision makes it count (test/registry/security-levels.test.ts).
      const raised = await send('PATCH', '/api/v1/systems/VPCP-BAOCAO', vpcp, { security_level: 3 });
      expect(raised.json()).toMatchObject({ sharing_allowed: false, security_level_pending: true, version: 2 });
      await env.approveSecurityLevel('VPCP-BAOCAO', 3);
      expect((await get('/api/v1/systems/VPCP-BAOCAO', vpcp)).json()).toMatchObject({ sharing_allowed: true, sharing_refusal: null, version: 3 });
    });

    it("an agency's admins act only on their own agency's systems; coordinators and auditors see all", async () => {
      const other = await send('POST', '/api/v1/systems', btctw, {
        code: 'VPCP-GIA',
        agency_code: 'VPCP',
        name_vi: 'Giả mạo',
        name_en: 'Forged',
        security_level: 3,
        zone: 'internet',
      });
      expect(other.statusCode).toBe(403);
      const own = await send('POST', '/api/v1/systems', btctw, {
        code: 'BTCTW-QLDV',
        agency_code: 'BTCTW',
        name_vi: 'Quản lý đảng viên',
        name_en: 'Party member management',
        security_level: 4,
        zone: 'tslcd',
      });
      expect(own.statusCode).toBe(201);
      expect((await send('PATCH', '/api/v1/systems/BTCTW-QLDV', vpcp, { security_level: 1 })).statusCode).toBe(404);
      expect((await get('/api/v1/systems/BTCTW-QLDV', vpcp)).statusCode).toBe(404);
      const mine = (await get('/api/v1/systems', vpcp)).json();
      expect(mine.items.every((s: { agency_code: string }) => s.agency_code === 'VPCP')).toBe(true);
      const all = (await get('/api/v1/systems', auditor)).json();
      expect(all.total).toBeGreaterThanOrEqual(2);
      expect((await send('PATCH', '/api/v1/systems/BTCTW-QLDV', auditor, { security_level: 5 })).statusCode).toBe(403);
      expect((await send('PATCH', '/api/v1/systems/BTCTW-QLDV', admin, { security_level: 5 })).statusCode).toBe(200);
    });

    it('rejects bad system input with every violation listed, and stores nothing', async () => {
      const res = await send('POST', '/api/v1/systems', vpcp, {
        code: 'bad code',
        agency_code: 'VPCP',
        name_vi: '',
        name_en: 'x',
        security_level: 9,
        zone: 'moon',
        surprise: 1,
      });
      expect(res.statusCode).toBe(400);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['/body/code', '/body/name_vi', '/body/security_level', '/body/zone', '/body/surprise']));
      expect(res.json().errors[0].message).toMatch(/[ạ-ỹ]|Giá trị|Trường|Độ dài/);
      const unknownAgency = await send('POST', '/api/v1/systems', admin, {
        code: 'XX-1',
        agency_code: 'KHONGCO',
        name_vi: 'x',
        name_en: 'x',
        security_level: 3,
        zone: 'internet',
      });
      expect(unknownAgency.statusCode).toBe(422);
      expect((await get('/api/v1/systems/XX-1', admin)).statusCode).toBe(404);
    });

    it('users: coordinator creates, roles are checked; the answer is an enrolment link, never a password or TOTP secret', async () => {
      const payload = { username: 'pd.btctw', full_name: 'Người phê duyệt', agency_code: 'BTCTW', roles: ['approver'] };
      expect((await send('POST', '/api/v1/users', btctw, payload)).statusCode).toBe(403);
      const res = await send('POST', '/api/v1/users', admin, payload);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['enrolment', 'user']);
      expect(body.enrolment.url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/enrol\/lte_[A-Za-z0-9_-]{43}$/);
      expect(body.user).toMatchObject({ status: 'pending', mfa_enabled: false, roles: ['approver'] });
      expect(JSON.stringify(body)).not.toMatch(/password|totp|otpauth/);
      // An administrator may not choose another official's password or TOTP secret either.
      const chosen = await send('POST', '/api/v1/users', admin, {
        ...payload,
        username: 'pd.chon',
        password: 'mat-khau-chon-san-1',
        totp_secret: 'JBSWY3DPEHPK3PXP',
      });
      expect(chosen.statusCode).toBe(400);

      const coordinatorElsewhere = await send('POST', '/api/v1/users', admin, { ...payload, username: 'dp.sai', roles: ['coordinator'] });
      expect(coordinatorElsewhere.statusCode).toBe(400);
      const listed = (await get('/api/v1/users', btctw)).json();
      expect(listed.items.every((u: { agency_code: string }) => u.agency_code === 'BTCTW')).toBe(true);
      expect((await get('/api/v1/users/qt.vpcp', btctw)).statusCode).toBe(404);
    });
  });
}
