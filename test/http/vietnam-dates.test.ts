import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

/**
 * Every date-only field (YYYY-MM-DD) is a calendar date in Viet Nam (UTC+7): at 20:00 UTC on
 * 2 March it is already 3 March there, and that is "today" for validity, effective dates and
 * defaults alike. The OpenAPI document and the refusals say so.
 */
const EVENING = Date.parse('2026-03-02T20:00:00Z'); // 03:00 on 3/3/2026 in Viet Nam

interface SchemaNode {
  [k: string]: unknown;
}

/** Every object in the document, with its JSON path and its parent (a parameter holds its schema's description). */
function schemas(node: unknown, at = '#', parent: SchemaNode | null = null, out: { at: string; s: SchemaNode; parent: SchemaNode | null }[] = []) {
  if (Array.isArray(node)) node.forEach((n, i) => schemas(n, `${at}/${i}`, parent, out));
  else if (node && typeof node === 'object') {
    out.push({ at, s: node as SchemaNode, parent });
    for (const [k, v] of Object.entries(node)) schemas(v, `${at}/${k}`, node as SchemaNode, out);
  }
  return out;
}

for (const driver of DRIVERS) {
  describe(`[${driver}] date-only fields are judged on the Viet Nam date (UTC+7), and the API says so (R-4.2, R-3.4, R-16.1)`, () => {
    let env: TestEnv;
    let admin: string;
    let consumer: string;
    let custodian: string;
    let expiring = ''; // valid_to 2026-03-02
    let starting = ''; // valid_from 2026-03-03
    const request = (over: object) => ({
      dataset_code: 'can-bo-dang-vien',
      system_code: 'VPCP-NGAY',
      purpose_code: 'to-chuc-can-bo',
      purpose_text: 'Tra cứu thông tin cán bộ phục vụ công tác tổ chức',
      legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
      requested_fields: ['member_number', 'full_name'],
      forms: ['api'],
      frequency: 'theo yêu cầu',
      ...over,
    });
    const call = (method: 'GET' | 'POST', url: string, authorization: string, payload?: unknown) =>
      env.app.inject({ method, url, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    const decide = async () =>
      (await call('POST', '/api/v1/decisions', admin, { system: 'VPCP-NGAY', dataset: 'can-bo-dang-vien', purpose: 'to-chuc-can-bo' })).json();

    beforeAll(async () => {
      env = await startEnv(driver, { LIENTHONG_SESSION_TTL_SECONDS: String(2 * 24 * 3600) });
      admin = await env.adminAuth();
      consumer = await env.userAuth('kt.ngay', 'VPCP', ['consumer_admin']);
      custodian = await env.userAuth('cq.ngay', 'BTCTW', ['custodian_admin']);
      expect(
        (
          await call('POST', '/api/v1/systems', consumer, {
            code: 'VPCP-NGAY',
            agency_code: 'VPCP',
            name_vi: 'Hệ thống thử ngày',
            name_en: 'Date test system',
            security_level: 3,
            zone: 'internet',
          })
        ).statusCode,
      ).toBe(201);
      await env.approveSecurityLevel('VPCP-NGAY', 3);
      // Morning of 2/3/2026 in Viet Nam: one agreement ends today, one starts tomorrow.
      for (const [over, set] of [
        [{ valid_from: '2026-03-02', valid_to: '2026-03-02', purpose_code: 'to-chuc-can-bo' }, (id: string) => (expiring = id)],
        [{ valid_from: '2026-03-03', valid_to: '2026-12-31', purpose_code: 'to-chuc-can-bo' }, (id: string) => (starting = id)],
      ] as const) {
        const a = await call('POST', '/api/v1/agreements', consumer, request(over));
        expect(a.statusCode).toBe(201);
        expect((await call('POST', `/api/v1/agreements/${a.json().id}/approve`, custodian, {})).json().status).toBe('active');
        set(a.json().id);
      }
      expect((await call('GET', `/api/v1/agreements/${expiring}`, consumer)).json().effective_status).toBe('active');
      expect((await call('GET', `/api/v1/agreements/${starting}`, consumer)).json().effective_status).toBe('scheduled');
      env.clock.advance(EVENING - env.clock.now().getTime());
    });
    afterAll(() => env.close());

    it('the OpenAPI document states the rule on every date-only field', async () => {
      const doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const dateOnly = schemas(doc).filter(({ s }) => s.format === 'date');
      expect(dateOnly.length).toBeGreaterThan(8);
      const silent = dateOnly
        .filter(({ s, parent }) => !`${String(s.description ?? '')} ${String(parent?.description ?? '')}`.includes('UTC+7'))
        .map(({ at }) => at);
      expect(silent).toEqual([]);
      // Date-only response fields (plain strings as stored) say it too.
      const body = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema;
      const agreement = body('/api/v1/agreements/{id}', 'get', '200');
      const props = (s: { properties?: Record<string, SchemaNode>; allOf?: { properties?: Record<string, SchemaNode> }[] }) => ({
        ...s.properties,
        ...Object.assign({}, ...(s.allOf ?? []).map((x) => x.properties)),
      });
      for (const f of ['valid_from', 'valid_to', 'effective_status']) expect(String(props(agreement)[f]!.description)).toContain('UTC+7');
      const version = body('/api/v1/code-lists/{code}/versions', 'get', '200').items;
      for (const f of ['effective_from']) expect(String(version.properties[f].description)).toContain('UTC+7');
      const day = doc.paths['/api/v1/calendar/days/{date}'].get.parameters[0];
      expect(`${day.description} ${day.schema.description}`).toContain('UTC+7');
    });

    it('R-4.2: at 20:00 UTC an agreement valid to 2/3 has expired and one valid from 3/3 is in force', async () => {
      expect((await call('GET', `/api/v1/agreements/${expiring}`, consumer)).json().effective_status).toBe('expired');
      expect((await call('GET', `/api/v1/agreements/${starting}`, consumer)).json().effective_status).toBe('active');
      const d = await decide();
      expect(d).toMatchObject({ allow: true, agreement_ids: [starting] });
      expect(await env.platform.agreements.datasetsFor('VPCP-NGAY')).toEqual(['can-bo-dang-vien']);
      // An instant given explicitly is judged the same way: 16:59 UTC is still 2/3 there.
      const earlier = (
        await call('POST', '/api/v1/decisions', admin, {
          system: 'VPCP-NGAY',
          dataset: 'can-bo-dang-vien',
          purpose: 'to-chuc-can-bo',
          at: '2026-03-02T16:59:00Z',
        })
      ).json();
      expect(earlier).toMatchObject({ allow: true, agreement_ids: [expiring] });
      expect(await env.platform.agreements.service.sweepExpiries()).toMatchObject({ expired: 1 });
    });

    it('R-4.2: valid_from 2/3 is refused at 20:00 UTC, and the refusal names the Viet Nam date', async () => {
      const past = await call(
        'POST',
        '/api/v1/agreements',
        consumer,
        request({ valid_from: '2026-03-02', valid_to: '2026-06-30', purpose_code: 'bao-cao-thong-ke' }),
      );
      expect(past.statusCode).toBe(400);
      const p = past.json();
      expect(p.errors[0].path).toBe('/valid_from');
      expect(p.detail).toContain('03/03/2026');
      expect(p.detail).toContain('lịch Việt Nam (UTC+7)');
      expect(p.detail_en).toContain('2026-03-03 in Viet Nam (UTC+7)');
      const today = await call(
        'POST',
        '/api/v1/agreements',
        consumer,
        request({ valid_from: '2026-03-03', valid_to: '2026-06-30', purpose_code: 'bao-cao-thong-ke' }),
      );
      expect(today.statusCode).toBe(201);
      // Shortening the validity at approval to a day already past is refused the same way.
      const shortened = await call('POST', `/api/v1/agreements/${today.json().id}/approve`, custodian, { valid_to: '2026-03-02' });
      expect(shortened.statusCode).toBe(400);
      const cut = await call('POST', `/api/v1/agreements/${today.json().id}/approve`, custodian, { valid_to: '2026-03-03' });
      expect(cut.json()).toMatchObject({ status: 'active', valid_to: '2026-03-03', effective_status: 'active' });
    });

    it('R-3.4: a code-list version may start on 3/3 but not 2/3 at 20:00 UTC; lookups default to the Viet Nam date', async () => {
      expect(
        (
          await call('POST', '/api/v1/code-lists', admin, {
            code: 'thu-ngay',
            name_vi: 'Danh mục thử ngày',
            name_en: 'Date test list',
            issuer: 'Văn phòng Trung ương Đảng',
            legal_basis: 'Thử nghiệm',
          })
        ).statusCode,
      ).toBe(201);
      expect(
        (await call('POST', '/api/v1/code-lists/thu-ngay/versions', admin, { effective_from: '2026-01-01', items: [{ code: 'A', name_vi: 'Mục A' }] }))
          .statusCode,
      ).toBe(201);
      const yesterday = await call('POST', '/api/v1/code-lists/thu-ngay/versions', admin, {
        effective_from: '2026-03-02',
        items: [{ code: 'B', name_vi: 'Mục B' }],
      });
      expect(yesterday.statusCode).toBe(422);
      expect(yesterday.json()).toMatchObject({ earliest_effective_from: '2026-03-03', today: '2026-03-03' });
      expect(yesterday.json().detail).toContain('lịch Việt Nam (UTC+7)');
      expect(yesterday.json().detail_en).toContain('Viet Nam (UTC+7)');
      expect(
        (await call('POST', '/api/v1/code-lists/thu-ngay/versions', admin, { effective_from: '2026-03-03', items: [{ code: 'B', name_vi: 'Mục B' }] }))
          .statusCode,
      ).toBe(201);
      const items = (await call('GET', '/api/v1/code-lists/thu-ngay/items', admin)).json();
      expect(items).toMatchObject({ on: '2026-03-03', version: { version_no: 2 }, items: [{ code: 'B' }] });
      const exported = await call('GET', '/api/v1/code-lists/thu-ngay/export?format=json', admin);
      expect(exported.headers['x-code-list-version']).toBe('2');
    });

    it('R-4.7: record validation checks code lists on the Viet Nam date by default', async () => {
      const v = await call('POST', '/api/v1/datasets/can-bo-dang-vien/validate', custodian, { record: {} });
      expect(v.json().on).toBe('2026-03-03');
    });

    it('R-16.1: termination eligibility reports today as the Viet Nam date', async () => {
      const e = await call('GET', `/api/v1/agreements/${starting}/termination`, custodian);
      expect(e.statusCode).toBe(200);
      expect(e.json().today).toBe('2026-03-03');
    });
  });
}
