import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] hardening: odd input and authority edges`, () => {
    let env: TestEnv;
    let admin: string;
    let custodian: string;
    let consumer: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      custodian = await env.userAuth('cq.bntw', 'BNCTW', ['custodian_admin']);
      consumer = await env.userAuth('kt.tu01', 'TU01', ['consumer_admin']);
    });
    afterAll(() => env.close());

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, authorization: string, payload?: unknown) =>
      env.app.inject({ method, url, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    const isProblem = (res: { statusCode: number; headers: Record<string, unknown> }, status: number) => {
      expect(res.statusCode).toBe(status);
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    };

    it('JSON bodies are not type-coerced: a number where text is expected is refused', async () => {
      const res = await call('POST', '/api/v1/users', admin, { username: 'ep.kieu', full_name: 123, agency_code: 'VPTW', roles: 'consumer_admin' });
      isProblem(res, 400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/body/full_name', '/body/roles']));
      expect((await call('GET', '/api/v1/datasets?limit=5', consumer)).json().limit).toBe(5); // query strings still are
    });

    it('NUL characters and year 0 are 400 problems, never 500', async () => {
      isProblem(await call('GET', '/api/v1/datasets?q=a%00b', consumer), 400);
      isProblem(await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a\u0000b', password: 'x' } }), 400);
      isProblem(await call('GET', '/api/v1/code-lists/dan-toc/items?on=0000-01-01', consumer), 400);
      isProblem(await call('POST', '/api/v1/datasets/can-bo-dang-vien/validate', consumer, { record: { gender: '1' }, on: '0000-01-01' }), 400);
    });

    it('a malformed URL is a problem+json with a request id', async () => {
      const res = await env.app.inject({ method: 'GET', url: '/api/v1/datasets/%E0%A4%A' });
      isProblem(res, 400);
      expect(res.json().request_id).toBeTruthy();
    });

    it('R-18.2: the auditor role, which sees everything, belongs to the Central Party Office only', async () => {
      isProblem(await call('POST', '/api/v1/users', admin, { username: 'kt.tu01b', full_name: 'X', agency_code: 'TU01', roles: ['auditor'] }), 400);
    });

    it("R-13.3: an owner cannot lift its own system's suspension; the coordinator can", async () => {
      expect(
        (
          await call('POST', '/api/v1/systems', consumer, {
            code: 'TU01-HS',
            agency_code: 'TU01',
            name_vi: 'Hồ sơ',
            name_en: 'Records',
            security_level: 3,
            zone: 'internet',
          })
        ).statusCode,
      ).toBe(201);
      await env.approveSecurityLevel('TU01-HS', 3);
      expect((await call('PATCH', '/api/v1/systems/TU01-HS', admin, { status: 'suspended' })).statusCode).toBe(200);
      const lift = await call('PATCH', '/api/v1/systems/TU01-HS', consumer, { status: 'active' });
      isProblem(lift, 403);
      expect(lift.json().rule).toBe('R-13.3');
      expect((await call('PATCH', '/api/v1/systems/TU01-HS', admin, { status: 'active' })).json().sharing_allowed).toBe(true);
    });

    it('R-14.1: only normal, non-personal data may be opened without authentication', async () => {
      const res = await call('PATCH', '/api/v1/datasets/vu-an', custodian, { auth_required: false });
      isProblem(res, 422);
      expect(res.json().rule).toBe('R-14.1');
    });

    it("a user is visible to their agency's administrators and to themselves, not to other roles", async () => {
      const approver = await env.userAuth('pd.tu01', 'TU01', ['approver']);
      expect((await call('GET', '/api/v1/users/kt.tu01', approver)).statusCode).toBe(404);
      expect((await call('GET', '/api/v1/users/pd.tu01', approver)).statusCode).toBe(200);
      expect((await call('GET', '/api/v1/users/pd.tu01', consumer)).statusCode).toBe(200);
      expect((await call('GET', '/api/v1/users/pd.tu01/history', consumer)).json()[0]).toMatchObject({ action: 'create' });
    });

    it('XLSX export works whatever characters the list name holds', async () => {
      expect(
        (
          await call('POST', '/api/v1/code-lists', admin, {
            code: 'ky-tu-la',
            name_vi: 'Danh mục A/B [thử]: *?',
            name_en: 'Odd',
            issuer: 'VPTW',
            legal_basis: 'Thử',
          })
        ).statusCode,
      ).toBe(201);
      expect(
        (await call('POST', '/api/v1/code-lists/ky-tu-la/versions', admin, { effective_from: '2026-01-01', items: [{ code: '1', name_vi: 'Một' }] }))
          .statusCode,
      ).toBe(201);
      const x = await call('GET', '/api/v1/code-lists/ky-tu-la/export?format=xlsx&on=2026-02-01', consumer);
      expect(x.statusCode).toBe(200);
    });

    it('R-3.4: the commune-in-province rule follows the dictionary, whatever the dataset names its fields', async () => {
      const spec = {
        fields: [
          { name: 'tinh', dictionary: 'province_code', required: true },
          { name: 'xa', dictionary: 'commune_code', required: true },
          { name: 'constructor', type: 'string', label_vi: 'Lạ', label_en: 'Odd', personal: 'none', required: false },
          { name: 'ngay', type: 'date', label_vi: 'Ngày', label_en: 'Date', personal: 'none', required: false },
        ],
        frequency: 'daily',
        format: 'application/json',
        effective_date_field: 'ngay',
      };
      expect((await call('PATCH', '/api/v1/datasets/vu-viec', custodian, { sharing_spec: spec })).statusCode).toBe(200);
      const fields = (await call('GET', '/api/v1/datasets/vu-viec/fields', consumer)).json();
      expect(fields.find((f: { name: string }) => f.name === 'xa').parent_field).toBe('tinh');
      const v = (
        await call('POST', '/api/v1/datasets/vu-viec/validate', consumer, {
          records: [
            { tinh: '79', xa: '00004' },
            { tinh: '01', xa: '00004' },
            { tinh: '01', xa: '00004', ngay: '2025-06-30' },
          ],
        })
      ).json();
      // Record 0: Ba Đình is not in Hồ Chí Minh City. Record 2: its own date precedes the 34-province list.
      expect(v.violations.map((x: { record: number; rule: string }) => `${x.record}:${x.rule}`)).toEqual([
        '0:code_parent',
        '2:code_list_unavailable',
        '2:code_list_unavailable',
      ]);
    });

    it('R-18.2: what a dictionary entry is cannot change under the datasets using it', async () => {
      const res = await call('PATCH', '/api/v1/dictionary/citizen_id', admin, { type: 'integer' });
      isProblem(res, 422);
      expect((await call('PATCH', '/api/v1/dictionary/citizen_id', admin, { label_en: 'Personal ID number' })).statusCode).toBe(200);
    });
  });
}
