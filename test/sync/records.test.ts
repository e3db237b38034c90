import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vietnamDate } from '../../src/core/time.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const member = (n: number, extra: object = {}) => ({
  member_number: `01.00000${n}`,
  full_name: `Đảng viên ${n}`,
  date_of_birth: '1985-01-0' + n,
  gender: '1',
  admission_date: '2010-05-19',
  party_organisation_code: 'DB-01',
  ...extra,
});

for (const driver of DRIVERS) {
  describe(`[${driver}] hosted records and R-4.7 quality figures`, () => {
    let env: TestEnv;
    let custodian: string;
    let other: string;
    let admin: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      custodian = await env.userAuth('cn.btctw', 'BTCTW', ['custodian_admin']);
      other = await env.userAuth('cn.vpcp', 'VPCP', ['custodian_admin']);
      admin = await env.adminAuth();
    });
    afterAll(() => env.close());

    const write = (records: object[], authorization = custodian, code = 'can-bo-dang-vien') =>
      env.app.inject({ method: 'POST', url: `/api/v1/datasets/${code}/records`, headers: { authorization }, payload: { records } });
    const get = (url: string, authorization = custodian) => env.app.inject({ method: 'GET', url, headers: { authorization } });

    it('R-4.1: only the custodian writes and reads its hosted records — not other agencies, not the coordinator', async () => {
      for (const who of [other, admin]) {
        const res = await write([{ key: 'x', data: member(1) }], who);
        expect(res.statusCode).toBe(403);
        expect(res.json().rule).toBe('R-4.1');
      }
      expect((await get('/api/v1/datasets/can-bo-dang-vien/records', admin)).statusCode).toBe(403);
    });

    it('writes a valid batch as version 1 of each record', async () => {
      const res = await write([
        { key: 'dv-1', data: member(1, { ethnic_group: '54' }) },
        { key: 'dv-2', data: member(2) },
        { key: 'dv-3', data: member(3, { citizen_id: '001085000003' }) },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        written: 3,
        versions: [
          { key: 'dv-1', version: 1, deleted: false },
          { key: 'dv-2', version: 1, deleted: false },
          { key: 'dv-3', version: 1, deleted: false },
        ],
      });
    });

    it('a batch with one invalid record is refused whole, every violation listed, nothing written', async () => {
      const res = await write([
        { key: 'dv-1', data: member(1, { full_name: 'Đổi tên' }) },
        { key: 'dv-9', data: member(9, { citizen_id: '123', gender: 'X' }) },
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['/records/1/data/citizen_id', '/records/1/data/gender']);
      expect((await get('/api/v1/datasets/can-bo-dang-vien/records/dv-1')).json()).toMatchObject({ version: 1, data: { full_name: 'Đảng viên 1' } });
      expect((await get('/api/v1/datasets/can-bo-dang-vien/records/dv-9')).statusCode).toBe(404);
      expect(
        (
          await write([
            { key: 'a', data: member(1) },
            { key: 'a', data: member(1) },
          ])
        ).statusCode,
      ).toBe(400);
    });

    it('updates make new versions and deletes leave tombstones; history is kept with content hashes', async () => {
      expect((await write([{ key: 'dv-2', data: member(2, { full_name: 'Tên mới' }) }])).json().versions[0].version).toBe(2);
      expect((await write([{ key: 'dv-2', delete: true }])).json().versions).toEqual([{ key: 'dv-2', version: 3, deleted: true }]);
      expect((await write([{ key: 'dv-2', delete: true }])).statusCode).toBe(400);
      const current = (await get('/api/v1/datasets/can-bo-dang-vien/records/dv-2')).json();
      expect(current).toMatchObject({ version: 3, deleted: true, data: null });
      const versions = (await get('/api/v1/datasets/can-bo-dang-vien/records/dv-2/versions')).json();
      expect(versions.map((v: { version: number; written_by: string }) => [v.version, v.written_by])).toEqual([
        [1, 'cn.btctw'],
        [2, 'cn.btctw'],
        [3, 'cn.btctw'],
      ]);
      expect(versions[0].content_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(versions[0].content_hash).not.toBe(versions[1].content_hash);
      await expect(env.platform.db.query("UPDATE record_versions SET data = '{}' WHERE record_key = 'dv-2'")).rejects.toThrow(/refused/);
    });

    it("the gateway's batched read returns the live records asked for; deleted and missing ones have no row", async () => {
      const rows = await env.platform.sync.records.readLiveMany([
        { dataset: 'can-bo-dang-vien', key: 'dv-1' },
        { dataset: 'can-bo-dang-vien', key: 'dv-2' },
        { dataset: 'can-bo-dang-vien', key: 'dv-404' },
        { dataset: 'to-chuc-dang', key: 'dv-1' },
      ]);
      expect(rows.map((r) => [r.dataset, r.key, r.version, r.deleted])).toEqual([['can-bo-dang-vien', 'dv-1', 1, false]]);
      expect(rows[0]!.data).toMatchObject({ member_number: '01.000001' });
    });

    it('lists live records with keyset pagination', async () => {
      const first = (await get('/api/v1/datasets/can-bo-dang-vien/records?limit=1')).json();
      expect(first.items.map((r: { key: string }) => r.key)).toEqual(['dv-1']);
      const second = (await get(`/api/v1/datasets/can-bo-dang-vien/records?limit=1&after=${first.next_after}`)).json();
      expect(second.items.map((r: { key: string }) => r.key)).toEqual(['dv-3']);
    });

    it('R-4.7: completeness, validity and freshness are computed from the stored records', async () => {
      // the custodian and the coordinator see the figures; another agency does not.
      expect((await get('/api/v1/datasets/can-bo-dang-vien/quality', other)).statusCode).toBe(403);
      expect((await get('/api/v1/quality?custodian=BTCTW', other)).json()).toEqual([]);
      const q = (await get('/api/v1/datasets/can-bo-dang-vien/quality')).json();
      expect(q.records).toEqual({ live: 2, deleted: 1 });
      const fields = q.completeness.fields.length;
      // dv-1: 7 of the fields filled (6 base + ethnic_group); dv-3: 7 (6 base + citizen_id).
      expect(q.completeness.ratio).toBeCloseTo(14 / (2 * fields), 4);
      expect(q.completeness.required_ratio).toBe(1);
      expect(q.completeness.fields.find((f: { name: string }) => f.name === 'citizen_id').filled_ratio).toBe(0.5);
      expect(q.validity).toEqual({ ratio: 1, checked: 2, invalid_records: 0 });
      // On-change data promises no interval: freshness is reported, not judged.
      expect(q.freshness).toMatchObject({ age_seconds: 0, expected_interval_seconds: null, fresh: null });
      const dataset = (await get('/api/v1/datasets/can-bo-dang-vien')).json();
      const daily = await env.app.inject({
        method: 'PATCH',
        url: '/api/v1/datasets/can-bo-dang-vien',
        headers: { authorization: custodian },
        payload: { sharing_spec: { ...dataset.sharing_spec, frequency: 'daily' } },
      });
      expect(daily.statusCode).toBe(200);
      expect((await get('/api/v1/datasets/can-bo-dang-vien/quality')).json().freshness).toMatchObject({ expected_interval_seconds: 86400, fresh: true });

      // A new version of the ethnic-group list retires code 54 from today: dv-1 is no longer clean.
      const today = vietnamDate(env.clock.now());
      const items = [...(await env.platform.codeLists.lookup('dan-toc', today))!.values()].filter((i) => i.code !== '54');
      const published = await env.app.inject({
        method: 'POST',
        url: '/api/v1/code-lists/dan-toc/versions',
        headers: { authorization: admin },
        payload: { effective_from: today, items: items.map(({ code, name_vi, name_en }) => ({ code, name_vi, name_en })) },
      });
      expect(published.statusCode).toBe(201);
      env.clock.advance(3 * 24 * 3600_000);
      custodian = await env.login('cn.btctw', 'mat-khau-cn.btctw-2025'); // sessions last 8 hours
      const later = (await get('/api/v1/datasets/can-bo-dang-vien/quality')).json();
      expect(later.validity).toEqual({ ratio: 0.5, checked: 2, invalid_records: 1 });
      expect(later.freshness.age_seconds).toBeGreaterThanOrEqual(3 * 24 * 3600);
      expect(later.freshness.fresh).toBe(false);

      const report = (
        await get('/api/v1/quality?custodian=BTCTW', await env.login('admin', 'mat-khau-quan-tri-2025', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'))
      ).json();
      expect(report.map((r: { dataset: string }) => r.dataset)).toContain('can-bo-dang-vien');
      expect(report.every((r: { custodian: string }) => r.custodian === 'BTCTW')).toBe(true);
      const empty = report.find((r: { dataset: string }) => r.dataset === 'the-dang-vien');
      expect(empty).toMatchObject({ records: { live: 0, deleted: 0 }, completeness: { ratio: null }, validity: { ratio: null }, freshness: { fresh: null } });
    });
  });
}
