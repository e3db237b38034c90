import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/core/errors.ts';
import { validateRecords } from '../../src/catalog/validation.ts';
import type { ResolvedField } from '../../src/catalog/types.ts';
import type { CodeItem } from '../../src/codelists/types.ts';
import { toProblem } from '../../src/http/problems.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { englishIn, mixed, mixedUnknown, vietnameseIn } from '../helpers/wording.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every string literal of the source (template holes kept as ${…}), with where it is. */
function literals(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) {
        if (name !== 'migrations') walk(p);
      } else if (p.endsWith('.ts')) {
        const src = fs.readFileSync(p, 'utf8');
        for (const m of src.matchAll(/(['`"])((?:\\.|(?!\1)[^\\\n])*)\1/g)) {
          out.push({ where: `${path.relative(SRC, p)}:${src.slice(0, m.index).split('\n').length}`, text: m[2]! });
        }
      }
    }
  };
  walk(SRC);
  return out;
}

describe('one language per message: no English words in Vietnamese text, no Vietnamese in English text', () => {
  it('the heuristic itself: catches sentences that mix the languages and passes codes, quotes, acronyms and pairs', () => {
    expect(englishIn('Mã "00004" không có trong danh mục "don-vi-hanh-chinh" (cấp commune).')).toEqual(['commune']);
    expect(vietnameseIn('Cannot phê duyệt / approve an agreement in status "active".')).toEqual(['phê', 'duyệt']);
    expect(vietnameseIn('Late payment. Cách xử lý: tạm ngừng.')).toEqual(['xử', 'lý', 'tạm', 'ngừng']);
    expect(englishIn('Cần đăng nhập: gửi tiêu đề Authorization: Bearer <token>.')).toEqual([]);
    expect(englishIn('Tham số "scope" không đúng dạng (JSON, API, TOTP, client_secret_basic, R-13.3).')).toEqual([]);
    expect(vietnameseIn('Ground (đ) applies from 2026-03-03; Hùng Kings\' Commemoration Day; "Hà Nội".')).toEqual([]);
    expect(mixedUnknown('Từ chối / Reject with a reason')).toEqual([]);
    expect(mixedUnknown('Không thể phê duyệt / approve đề nghị')).toHaveLength(1);
  });

  it('the problem catalogue: Vietnamese titles and English titles', () => {
    const bad = Object.values(PROBLEMS).flatMap((p) => mixed(p.title, p.title_en));
    expect(bad).toEqual([]);
  });

  it('request-validation messages, one per JSON-schema keyword', () => {
    const keywords: [string, Record<string, unknown>, string][] = [
      ['required', { missingProperty: 'name_vi' }, "must have required property 'name_vi'"],
      ['additionalProperties', { additionalProperty: 'x' }, 'must NOT have additional properties'],
      ['type', { type: 'integer' }, 'must be integer'],
      ['type', { type: 'string,null' }, 'must be string,null'],
      ['type', { type: 'boolean' }, 'must be boolean'],
      ['type', { type: 'object' }, 'must be object'],
      ['type', { type: 'array' }, 'must be array'],
      ['enum', { allowedValues: ['internet', 'tslcd'] }, 'must be equal to one of the allowed values'],
      ['minLength', { limit: 3 }, 'must NOT have fewer than 3 characters'],
      ['maxLength', { limit: 3 }, 'must NOT have more than 3 characters'],
      ['minimum', { limit: 1 }, 'must be >= 1'],
      ['maximum', { limit: 5 }, 'must be <= 5'],
      ['pattern', { pattern: '^a$' }, 'must match pattern "^a$"'],
      ['format', { format: 'date' }, 'must match format "date"'],
      ['format', { format: 'date-time' }, 'must match format "date-time"'],
      ['format', { format: 'uuid' }, 'must match format "uuid"'],
      ['format', { format: 'email' }, 'must match format "email"'],
      ['format', { format: 'made-up' }, 'must match format "made-up"'],
      ['minItems', { limit: 1 }, 'must NOT have fewer than 1 items'],
      ['maxItems', { limit: 9 }, 'must NOT have more than 9 items'],
      ['uniqueItems', {}, 'must NOT have duplicate items'],
      ['minProperties', { limit: 1 }, 'must NOT have fewer than 1 properties'],
      ['const', {}, 'must be equal to constant'],
    ];
    const bad: string[] = [];
    for (const [keyword, params, message] of keywords) {
      const err = Object.assign(new Error('x'), { validation: [{ instancePath: '/a', keyword, params, message }], validationContext: 'body' });
      for (const e of toProblem(err).options.errors ?? []) bad.push(...mixed(e.message, e.message_en));
    }
    expect(bad).toEqual([]);
    const date = Object.assign(new Error('x'), {
      validation: [{ instancePath: '/valid_from', keyword: 'format', params: { format: 'date' }, message: 'must match format "date"' }],
    });
    expect(toProblem(date).options.errors![0]).toMatchObject({
      message: expect.stringContaining('lịch Việt Nam'),
      message_en: expect.stringContaining('Viet Nam, UTC+7'),
    });
  });

  it('R-4.7, R-3.4: record-validation messages, one for every rule', async () => {
    const field = (over: Partial<ResolvedField>): ResolvedField => ({
      name: 'f',
      source: 'dataset',
      dictionary: null,
      type: 'string',
      label_vi: 'Trường thử',
      label_en: 'Test field',
      personal: 'none',
      required: false,
      format: null,
      max_length: null,
      code_list: null,
      code_list_level: null,
      parent_field: null,
      mask: null,
      ...over,
    });
    const fields = [
      field({ name: 'ho_ten', required: true }),
      ...(['integer', 'number', 'boolean', 'date', 'datetime', 'code', 'string'] as const).map((type) => field({ name: `t_${type}`, type })),
      field({ name: 'ngan', max_length: 2 }),
      field({ name: 'cccd', format: 'cccd' }),
      field({ name: 'dien_thoai', format: 'phone_vn' }),
      field({ name: 'thu', format: 'email' }),
      field({ name: 'web', format: 'url' }),
      field({ name: 'tinh', type: 'code', code_list: 'don-vi-hanh-chinh', code_list_level: 'province' }),
      field({ name: 'xa', type: 'code', code_list: 'don-vi-hanh-chinh', code_list_level: 'commune', parent_field: 'tinh' }),
      field({ name: 'cap_khac', type: 'code', code_list: 'don-vi-hanh-chinh', code_list_level: 'special_zone' }),
      field({ name: 'mat', type: 'code', code_list: 'khong-co' }),
    ];
    const items = new Map<string, CodeItem>([
      ['01', { code: '01', name_vi: 'Hà Nội', name_en: 'Ha Noi', parent_code: null, attributes: { level: 'province' } }],
      ['79', { code: '79', name_vi: 'Hồ Chí Minh', name_en: 'Ho Chi Minh City', parent_code: null, attributes: { level: 'province' } }],
      ['00004', { code: '00004', name_vi: 'Ba Đình', name_en: null, parent_code: '01', attributes: { level: 'commune' } }],
    ]);
    const lookup = async (list: string) => (list === 'don-vi-hanh-chinh' ? items : null);
    const records = [
      'không phải đối tượng',
      {
        la: 1,
        t_integer: 1.5,
        t_number: 'x',
        t_boolean: 'x',
        t_date: '2026-02-30',
        t_datetime: '2026-03-02',
        t_code: 1,
        t_string: 2,
        ngan: 'abc',
        cccd: '1',
        dien_thoai: '1',
        thu: 'x',
        web: 'x',
        tinh: '00004',
        xa: '01',
        cap_khac: '01',
        mat: 'A',
      },
      { ho_ten: 'A', tinh: '79', xa: '00004' },
    ];
    const violations = await validateRecords(fields, records, { on: '2026-03-03' }, lookup);
    const rules = new Set(violations.map((v) => v.rule));
    expect([...rules].sort()).toEqual([
      'code_list',
      'code_list_unavailable',
      'code_parent',
      'format',
      'max_length',
      'not_object',
      'required',
      'type',
      'unknown_field',
    ]);
    expect(violations.flatMap((v) => mixed(v.message, v.message_en))).toEqual([]);
    expect(violations.find((v) => v.field === 'xa' && v.rule === 'code_list')!.message).toContain('(cấp xã)');
  });

  it('every string literal in src/ keeps to one language (a "vi / en" pair is two texts)', () => {
    const bad = literals().flatMap(({ where, text }) => mixedUnknown(text).map((m) => `${where}: ${m}`));
    expect(bad).toEqual([]);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] agreement refusals in one language each (R-4.2, R-8.2, R-15.2)`, () => {
    let env: TestEnv;
    let consumer: string;
    let custodian: string;
    let admin: string;
    const call = (method: 'GET' | 'POST', url: string, authorization: string, payload?: unknown) =>
      env.app.inject({ method, url, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    const request = (purpose_code: string) => ({
      dataset_code: 'can-bo-dang-vien',
      system_code: 'VPCP-LOI',
      purpose_code,
      purpose_text: 'Tra cứu thông tin cán bộ phục vụ công tác tổ chức',
      legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
      requested_fields: ['member_number', 'full_name'],
      forms: ['api'],
      frequency: 'theo yêu cầu',
      valid_from: '2026-03-02',
      valid_to: '2026-12-31',
    });
    /** The refusal's texts, checked for a mix; returned for further checks. */
    const refusal = async (res: Awaited<ReturnType<typeof call>>, status: number) => {
      expect(res.statusCode, res.body).toBe(status);
      const p = res.json();
      expect(mixed(p.detail ?? '', p.detail_en ?? '')).toEqual([]);
      for (const e of p.errors ?? []) expect(mixed(e.message, e.message_en)).toEqual([]);
      return p as { detail: string; detail_en: string };
    };

    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      consumer = await env.userAuth('kt.loi', 'VPCP', ['consumer_admin']);
      custodian = await env.userAuth('cq.loi', 'BTCTW', ['custodian_admin']);
      expect(
        (
          await call('POST', '/api/v1/systems', consumer, {
            code: 'VPCP-LOI',
            agency_code: 'VPCP',
            name_vi: 'Hệ thống thử lời văn',
            name_en: 'Wording test system',
            security_level: 3,
            zone: 'internet',
          })
        ).statusCode,
      ).toBe(201);
      await env.approveSecurityLevel('VPCP-LOI', 3);
    });
    afterAll(() => env.close());

    it('a step refused in the wrong state names the action in the sentence\'s own language ("Không thể phê duyệt", "Cannot approve")', async () => {
      const a = (await call('POST', '/api/v1/agreements', consumer, request('to-chuc-can-bo'))).json();
      await refusal(await call('POST', '/api/v1/agreements', consumer, { ...request('bao-cao-thong-ke'), valid_from: '2026-03-01' }), 400);
      await refusal(await call('POST', '/api/v1/agreements', consumer, { ...request('bao-cao-thong-ke'), requested_fields: ['khong_co'] }), 400);
      await refusal(await call('POST', `/api/v1/agreements/${a.id}/approve`, consumer, {}), 403);
      expect((await call('POST', `/api/v1/agreements/${a.id}/reject`, custodian, { reason: 'Chưa đủ căn cứ' })).json().status).toBe('rejected');
      const approve = await refusal(await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, {}), 409);
      expect(approve.detail).toContain('Không thể phê duyệt đề nghị');
      expect(approve.detail_en).toContain('Cannot approve an agreement');
      for (const step of ['reject', 'request-changes', 'revoke', 'withdraw']) {
        await refusal(await call('POST', `/api/v1/agreements/${a.id}/${step}`, step === 'withdraw' ? consumer : custodian, { reason: 'Thử lại' }), 409);
      }
      await refusal(await call('POST', `/api/v1/agreements/${a.id}/resubmit`, consumer, { frequency: 'hằng tháng' }), 409);
    });

    it('R-15.2: a suspended consumer is refused in English with English framing ("Handling:"), not "Cách xử lý:"', async () => {
      const a = (await call('POST', '/api/v1/agreements', consumer, request('kiem-tra-giam-sat'))).json();
      expect((await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, {})).json().status).toBe('active');
      const s = await call('POST', '/api/v1/consumer-suspensions', custodian, {
        agreement_id: a.id,
        ground: 'purpose_violation',
        violation: 'Used for marketing',
        handling: 'Connection suspended',
        requirements: 'A written explanation',
        found_at: env.clock.now().toISOString(),
      });
      expect(s.statusCode, s.body).toBe(201);
      const d = (await call('POST', '/api/v1/decisions', admin, { system: 'VPCP-LOI', dataset: 'can-bo-dang-vien', purpose: 'kiem-tra-giam-sat' })).json();
      expect(d).toMatchObject({ allow: false, rule: 'R-15.2' });
      expect(d.reason).toContain('Cách xử lý: Connection suspended');
      expect(d.reason_en).toContain('Handling: Connection suspended');
      expect(vietnameseIn(d.reason_en)).toEqual([]);
      const again = await refusal(
        await call('POST', '/api/v1/consumer-suspensions', custodian, {
          agreement_id: a.id,
          ground: 'purpose_violation',
          violation: 'Again',
          handling: 'Again',
          requirements: 'Again',
          found_at: env.clock.now().toISOString(),
        }),
        409,
      );
      expect(again.detail).toContain('Không thể tạm ngừng');
    });
  });
}
