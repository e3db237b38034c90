import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const spec = {
  fields: [{ name: 'so_quyet_dinh', type: 'string', label_vi: 'Số quyết định', label_en: 'Decision number', personal: 'none', required: true }],
  frequency: 'daily',
  format: 'application/json',
};
const newDataset = {
  code: 'thi-dua-khen-thuong-moi',
  name_vi: 'Dữ liệu thi đua mới',
  name_en: 'New emulation data',
  domain_code: 'to-chuc-xay-dung-dang',
  custodian_code: 'BTCTW',
  classification: 'normal',
  personal_data: false,
  sharing_spec: spec,
};

for (const driver of DRIVERS) {
  describe(`[${driver}] catalog: search, filters, pagination, custodian edits`, () => {
    let env: TestEnv;
    let reader: string;
    let btctw: string;
    let admin: string;
    beforeAll(async () => {
      env = await startEnv(driver, { LIENTHONG_BODY_LIMIT_BYTES: '65536' });
      reader = await env.userAuth('nguoi.doc', 'TU01', ['consumer_admin']);
      btctw = await env.userAuth('chu.quan', 'BTCTW', ['custodian_admin']);
      admin = await env.adminAuth();
    });
    afterAll(() => env.close());

    const get = (url: string, authorization = reader) => env.app.inject({ method: 'GET', url, headers: { authorization } });
    const codes = async (url: string) => (await get(url)).json().items.map((d: { code: string }) => d.code);

    it('catalog reads need an authenticated user', async () => {
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/datasets' })).statusCode).toBe(401);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/datasets/to-chuc-dang' })).statusCode).toBe(401);
      expect((await env.app.inject({ method: 'GET', url: '/api/v1/domains' })).statusCode).toBe(401);
    });

    it('search ignores Vietnamese diacritics, đ/Đ included', async () => {
      const plain = await codes('/api/v1/datasets?q=dang%20vien');
      const accented = await codes(`/api/v1/datasets?q=${encodeURIComponent('đảng viên')}`);
      const upper = await codes(`/api/v1/datasets?q=${encodeURIComponent('ĐẢNG VIÊN')}`);
      expect(plain).toEqual(expect.arrayContaining(['can-bo-dang-vien', 'the-dang-vien']));
      expect(accented).toEqual(plain);
      expect(upper).toEqual(plain);
      expect(await codes(`/api/v1/datasets?q=${encodeURIComponent('khiếu nại tố cáo')}`)).toEqual(await codes('/api/v1/datasets?q=khieu%20nai%20to%20cao'));
      expect(await codes('/api/v1/datasets?q=%25')).toEqual([]); // LIKE wildcards are literal
    });

    it('filters by domain, custodian, classification and status', async () => {
      const byCustodian = (await get('/api/v1/datasets?custodian=UBKTTW')).json();
      expect(byCustodian.total).toBe(3);
      expect(byCustodian.items.every((d: { custodian_code: string }) => d.custodian_code === 'UBKTTW')).toBe(true);
      const secret = (await get('/api/v1/datasets?classification=secret&limit=200')).json();
      expect(secret.total).toBeGreaterThan(0);
      expect(secret.items.every((d: { classification: string }) => d.classification === 'secret')).toBe(true);
      const combined = (await get('/api/v1/datasets?domain=van-phong&custodian=VPTW&status=published&limit=200')).json();
      expect(combined.total).toBe(16);
      expect((await get('/api/v1/datasets?status=draft')).json().total).toBe(0);
      expect((await get('/api/v1/datasets?classification=unknown')).statusCode).toBe(400);
    });

    it('paginates without gaps or overlaps', async () => {
      const all = await codes('/api/v1/datasets?limit=200');
      const pages: string[] = [];
      for (let offset = 0; offset < all.length; offset += 7) pages.push(...(await codes(`/api/v1/datasets?limit=7&offset=${offset}`)));
      expect(pages).toEqual(all);
      expect((await get('/api/v1/datasets?limit=0')).statusCode).toBe(400);
      expect((await get('/api/v1/datasets?limit=201')).statusCode).toBe(400);
    });

    it('R-8.2: a custodian edits its own datasets only; every change keeps who, when and what', async () => {
      const other = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/datasets/quyet-dinh-thi-hanh-ky-luat',
        headers: { authorization: btctw },
        payload: { classification: 'normal' },
      });
      expect(other.statusCode).toBe(403);
      expect(other.json().rule).toBe('R-8.2');
      const consumer = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/datasets/to-chuc-dang',
        headers: { authorization: reader },
        payload: { classification: 'sensitive' },
      });
      expect(consumer.statusCode).toBe(403);

      const own = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/datasets/to-chuc-dang',
        headers: { authorization: btctw, 'if-match': '"1"' },
        payload: { classification: 'sensitive', last_reviewed_on: '2026-12-01' },
      });
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({ classification: 'sensitive', last_reviewed_on: '2026-12-01', version: 2 });
      const takeover = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/datasets/to-chuc-dang',
        headers: { authorization: btctw },
        payload: { custodian_code: 'VPTW' },
      });
      expect(takeover.statusCode).toBe(403);

      const history = (await get('/api/v1/datasets/to-chuc-dang/history')).json();
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        action: 'update',
        actor: 'chu.quan',
        changes: { classification: { from: 'normal', to: 'sensitive' }, last_reviewed_on: { from: '2025-11-19', to: '2026-12-01' } },
      });
      expect(new Date(history[0].at).toISOString()).toBe(env.clock.now().toISOString());
    });

    it('a custodian creates a dataset for itself, not for another agency', async () => {
      const forOther = await env.app.inject({
        method: 'POST',
        url: '/api/v1/datasets',
        headers: { authorization: btctw },
        payload: { ...newDataset, custodian_code: 'VPTW' },
      });
      expect(forOther.statusCode).toBe(403);
      const created = await env.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: { authorization: btctw }, payload: newDataset });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ status: 'draft', auth_required: true, mode: 'hosted' });
      expect((await env.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: { authorization: btctw }, payload: newDataset })).statusCode).toBe(409);
    });

    it('malformed bodies, unknown fields, oversized payloads and bad codes → 4xx problem+json; nothing half-written', async () => {
      const count = async () => (await get('/api/v1/datasets?limit=1')).json().total;
      const before = await count();
      const post = (payload: string | object, headers: Record<string, string> = {}) =>
        env.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: { authorization: admin, 'content-type': 'application/json', ...headers }, payload });

      const malformed = await post('{"code": "x",');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().type).toBe('/problems/malformed-json');

      const unknown = await post({ ...newDataset, code: 'co-truong-la', colour: 'red' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().errors).toEqual([expect.objectContaining({ path: '/body/colour' })]);

      const huge = await post({ ...newDataset, code: 'qua-lon', description_vi: 'x'.repeat(70_000) });
      expect(huge.statusCode).toBe(413);
      expect(huge.headers['content-type']).toMatch(/problem\+json/);

      const wrongType = await post('code=x', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(wrongType.statusCode).toBe(415);

      const badCode = await post({ ...newDataset, code: 'Mã Sai' });
      expect(badCode.statusCode).toBe(400);
      const unknownDomain = await post({ ...newDataset, code: 'linh-vuc-la', domain_code: 'khong-co' });
      expect(unknownDomain.statusCode).toBe(422);
      const unknownCustodian = await post({ ...newDataset, code: 'chu-quan-la', custodian_code: 'KHONGCO' });
      expect(unknownCustodian.statusCode).toBe(422);
      expect(unknownCustodian.json().rule).toBe('R-4.1');
      const dupField = await post({ ...newDataset, code: 'truong-trung', sharing_spec: { ...spec, fields: [spec.fields[0], spec.fields[0]] } });
      expect(dupField.statusCode).toBe(400);
      expect(dupField.json().errors[0].path).toBe('/sharing_spec/fields/1/name');

      const emptyPatch = await env.app.inject({ method: 'PATCH', url: '/api/v1/datasets/to-chuc-dang', headers: { authorization: admin }, payload: {} });
      expect(emptyPatch.statusCode).toBe(400);
      expect((await get('/api/v1/datasets/khong-ton-tai')).statusCode).toBe(404);
      expect(await count()).toBe(before);
    });

    it('keeps Vietnamese text in NFC whatever the client sends', async () => {
      const decomposed = 'Dữ liệu thử nghiệm tổ hợp'.normalize('NFD');
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/datasets',
        headers: { authorization: admin },
        payload: { ...newDataset, code: 'nfc-kiem-tra', name_vi: decomposed },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().name_vi).toBe(decomposed.normalize('NFC'));
      expect(await codes('/api/v1/datasets?q=to%20hop')).toContain('nfc-kiem-tra');
    });
  });
}
