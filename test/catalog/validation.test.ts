import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const member = {
  member_number: '01.234567',
  full_name: 'Nguyễn Thị Hoa',
  citizen_id: '001190012345',
  date_of_birth: '1990-05-17',
  gender: '2',
  ethnic_group: '01',
  province_code: '01',
  commune_code: '00004', // Ba Đình, Hà Nội
  admission_date: '2015-02-03',
  party_organisation_code: 'DB-0001',
};

for (const driver of DRIVERS) {
  describe(`[${driver}] data dictionary and R-4.7 validation of shared data`, () => {
    let env: TestEnv;
    let reader: string;
    let admin: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      reader = await env.userAuth('kiem.tra.du.lieu', 'BTCTW', ['custodian_admin']);
      admin = await env.adminAuth();
    });
    afterAll(() => env.close());

    const validate = async (body: object, code = 'can-bo-dang-vien') => {
      const res = await env.app.inject({ method: 'POST', url: `/api/v1/datasets/${code}/validate`, headers: { authorization: reader }, payload: body });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const rules = (v: { violations: { field: string; rule: string }[] }) => v.violations.map((x) => `${x.field}:${x.rule}`);

    it('the party-member dataset resolves its fields through the dictionary, marking personal and sensitive fields', async () => {
      const fields = (await env.app.inject({ method: 'GET', url: '/api/v1/datasets/can-bo-dang-vien/fields', headers: { authorization: reader } })).json();
      const byName = Object.fromEntries(fields.map((f: { name: string }) => [f.name, f]));
      expect(Object.keys(byName)).toEqual(
        expect.arrayContaining([
          'member_number',
          'full_name',
          'citizen_id',
          'date_of_birth',
          'gender',
          'ethnic_group',
          'province_code',
          'commune_code',
          'admission_date',
          'party_organisation_code',
        ]),
      );
      expect(byName.commune_code).toMatchObject({
        source: 'dictionary',
        code_list: 'don-vi-hanh-chinh',
        code_list_level: 'commune',
        parent_field: 'province_code',
      });
      expect(byName.ethnic_group).toMatchObject({ personal: 'sensitive', code_list: 'dan-toc' });
      expect(byName.citizen_id).toMatchObject({ format: 'cccd', personal: 'basic' });
      expect(byName.admission_date).toMatchObject({ source: 'dataset', type: 'date' });
      const dict = (await env.app.inject({ method: 'GET', url: '/api/v1/dictionary?personal=sensitive', headers: { authorization: reader } })).json();
      expect(dict.items.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['ethnic_group', 'religion', 'member_number']));
    });

    it('a valid record passes', async () => {
      const r = await validate({ record: member });
      expect(r).toMatchObject({ checked: 1, valid: 1, invalid: 0, violations: [] });
    });

    it('detects each kind of violation, with field path and vi/en message', async () => {
      const r = await validate({
        records: [
          { ...member, full_name: undefined, surname: 'x' }, // required, unknown field
          { ...member, date_of_birth: '1990-02-30', gender: 2 }, // bad date, wrong type
          { ...member, citizen_id: '12345' }, // format (12 digits)
          { ...member, ethnic_group: '99' }, // not in the code list
          { ...member, province_code: '00004' }, // a commune code where a province is expected
          { ...member, member_number: 'x'.repeat(31) }, // too long
          'not an object',
        ],
      });
      expect(r).toMatchObject({ checked: 7, valid: 0, invalid: 7 });
      expect(rules(r)).toEqual([
        'surname:unknown_field',
        'full_name:required',
        'date_of_birth:type',
        'gender:type',
        'citizen_id:format',
        'ethnic_group:code_list',
        'province_code:code_list',
        'commune_code:code_parent',
        'member_number:max_length',
        'null:not_object',
      ]);
      const cccd = r.violations.find((v: { rule: string }) => v.rule === 'format');
      expect(cccd).toMatchObject({
        record: 2,
        path: '/records/2/citizen_id',
        message: expect.stringContaining('12 chữ số'),
        message_en: expect.stringContaining('12 digits'),
      });
    });

    it('R-3.4: a commune code that does not belong to the given province is rejected', async () => {
      const r = await validate({ record: { ...member, province_code: '79' } }); // Ba Đình is in Hà Nội, not Hồ Chí Minh City
      expect(r.violations).toEqual([expect.objectContaining({ field: 'commune_code', rule: 'code_parent', message: expect.stringContaining('Ba Đình') })]);
    });

    it('checks codes against the code-list version in force on the record date', async () => {
      // The 34-province list takes effect on 1/7/2025; before it, there is no version of it in force.
      const before = await validate({ record: member, on: '2025-06-30' });
      expect(rules(before)).toEqual(['province_code:code_list_unavailable', 'commune_code:code_list_unavailable']);
      const after = await validate({ record: member, on: '2025-07-01' });
      expect(after.valid).toBe(1);
    });

    it('refuses a request with neither or both of record/records, and unknown datasets', async () => {
      const both = await env.app.inject({
        method: 'POST',
        url: '/api/v1/datasets/can-bo-dang-vien/validate',
        headers: { authorization: reader },
        payload: { record: member, records: [member] },
      });
      expect(both.statusCode).toBe(400);
      const none = await env.app.inject({
        method: 'POST',
        url: '/api/v1/datasets/khong-co/validate',
        headers: { authorization: reader },
        payload: { record: member },
      });
      expect(none.statusCode).toBe(404);
    });

    it('R-18.2: only the coordinator edits the dictionary; datasets must reference entries that exist', async () => {
      const entry = {
        name: 'so_the_bhyt',
        label_vi: 'Số thẻ bảo hiểm y tế',
        label_en: 'Health insurance card number',
        type: 'string',
        personal: 'basic',
        max_length: 15,
      };
      const denied = await env.app.inject({ method: 'POST', url: '/api/v1/dictionary', headers: { authorization: reader }, payload: entry });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().rule).toBe('R-18.2');
      expect((await env.app.inject({ method: 'POST', url: '/api/v1/dictionary', headers: { authorization: admin }, payload: entry })).statusCode).toBe(201);
      const badCode = await env.app.inject({
        method: 'POST',
        url: '/api/v1/dictionary',
        headers: { authorization: admin },
        payload: { ...entry, name: 'ma_la', type: 'code', code_list: 'khong-co' },
      });
      expect(badCode.statusCode).toBe(422);

      const spec = (fields: object[]) => ({ sharing_spec: { fields, frequency: 'daily', format: 'application/json' } });
      const patch = (body: object) =>
        env.app.inject({ method: 'PATCH', url: '/api/v1/datasets/suc-khoe-can-bo-dang-vien', headers: { authorization: admin }, payload: body });
      const unknown = await patch(spec([{ name: 'x', dictionary: 'khong_co', required: true }]));
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().errors[0].path).toBe('/sharing_spec/fields/0/dictionary');
      const incomplete = await patch(spec([{ name: 'y', required: true }]));
      expect(incomplete.json().errors.map((e: { path: string }) => e.path)).toEqual([
        '/sharing_spec/fields/0/type',
        '/sharing_spec/fields/0/label_vi',
        '/sharing_spec/fields/0/label_en',
        '/sharing_spec/fields/0/personal',
      ]);
      const ok = await patch(
        spec([
          { name: 'full_name', dictionary: 'full_name', required: true },
          { name: 'bhyt', dictionary: 'so_the_bhyt', required: false },
        ]),
      );
      expect(ok.statusCode).toBe(200);
      const v = await validate({ record: { full_name: 'A', bhyt: 'x'.repeat(16) } }, 'suc-khoe-can-bo-dang-vien');
      expect(rules(v)).toEqual(['bhyt:max_length']);
    });
  });
}
