import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

for (const driver of DRIVERS) {
  describe(`[${driver}] R-3.4: shared code lists`, () => {
    let env: TestEnv;
    let admin: string;
    let reader: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      reader = await env.userAuth('doc.danh.muc', 'TU79', ['consumer_admin']);
    });
    afterAll(() => env.close());

    const get = (url: string, authorization = reader) => env.app.inject({ method: 'GET', url, headers: { authorization } });
    const post = (url: string, payload: unknown, headers: Record<string, string> = {}, authorization = admin) =>
      env.app.inject({ method: 'POST', url, headers: { authorization, ...headers }, payload: payload as string });

    it('ships 34 provinces and 3,321 communes in force since 1/7/2025, province as parent of commune', async () => {
      const units = (await env.platform.codeLists.lookup('don-vi-hanh-chinh', '2025-07-01'))!;
      const all = [...units.values()];
      const provinces = all.filter((u) => u.parent_code === null);
      const communes = all.filter((u) => u.parent_code !== null);
      expect(provinces).toHaveLength(34);
      expect(communes).toHaveLength(3321);
      expect(provinces.every((p) => /^\d{2}$/.test(p.code) && p.attributes.level === 'province')).toBe(true);
      expect(communes.every((c) => /^\d{5}$/.test(c.code) && units.get(c.parent_code!)?.parent_code === null)).toBe(true);
      expect(units.get('01')).toMatchObject({ name_vi: 'Hà Nội', attributes: { type: 'Thành phố' } });
      expect(units.get('00004')).toMatchObject({ name_vi: 'Ba Đình', parent_code: '01', attributes: { type: 'Phường' } });
      expect(await env.platform.codeLists.lookup('don-vi-hanh-chinh', '2025-06-30')).toBeNull();

      const hanoi = (await get('/api/v1/code-lists/don-vi-hanh-chinh/items?parent=01&limit=200&on=2026-01-15')).json();
      expect(hanoi.total).toBe(all.filter((u) => u.parent_code === '01').length);
      expect(hanoi.version.version_no).toBe(1);
    });

    it('ships the 54 ethnic groups with the codes of QĐ 121-TCTK/PPCĐ', async () => {
      const groups = (await env.platform.codeLists.lookup('dan-toc', '2026-01-01'))!;
      expect([...groups.keys()]).toEqual(Array.from({ length: 54 }, (_, i) => String(i + 1).padStart(2, '0')));
      const names = Object.fromEntries([...groups.values()].map((g) => [g.code, g.name_vi]));
      expect(names).toMatchObject({
        '01': 'Kinh',
        '02': 'Tày',
        '03': 'Thái',
        '04': 'Hoa',
        '05': 'Khơ-me',
        '06': 'Mường',
        '07': 'Nùng',
        '08': 'Hmông',
        '09': 'Dao',
        '11': 'Ngái',
        '17': 'Chăm',
        '23': 'Bru-Vân Kiều',
        '44': 'Chứt',
        '53': 'Ơ Đu',
        '54': 'Rơ-măm',
      });
    });

    it('ships countries (ISO 3166-1) with Vietnamese names, religions, gender and the platform lists', async () => {
      const countries = (await env.platform.codeLists.lookup('quoc-gia', '2026-01-01'))!;
      expect(countries.size).toBeGreaterThanOrEqual(249);
      expect(countries.get('VN')).toMatchObject({ name_vi: 'Việt Nam', attributes: { alpha3: 'VNM', numeric: '704' } });
      expect(countries.get('LA')!.name_vi).toMatch(/Lào/);
      expect(countries.get('FR')!.name_vi).toMatch(/Pháp/);
      expect((await env.platform.codeLists.lookup('ton-giao', '2026-01-01'))!.get('01')!.name_vi).toBe('Phật giáo');
      expect((await env.platform.codeLists.lookup('gioi-tinh', '2026-01-01'))!.get('2')!.name_vi).toBe('Nữ');
      const lists = (await get('/api/v1/code-lists?limit=50')).json();
      expect(lists.items.map((l: { code: string }) => l.code)).toEqual(
        expect.arrayContaining(['don-vi-hanh-chinh', 'dan-toc', 'ton-giao', 'quoc-gia', 'gioi-tinh', 'muc-do-phan-loai', 'cap-do-attt', 'loai-co-quan']),
      );
      expect(lists.items.every((l: { legal_basis: string; issuer: string }) => l.legal_basis && l.issuer)).toBe(true);
    });

    it('item search ignores diacritics', async () => {
      const r = (await get('/api/v1/code-lists/don-vi-hanh-chinh/items?q=ba%20dinh')).json();
      expect(r.items.map((i: { name_vi: string }) => i.name_vi)).toContain('Ba Đình');
    });

    it('answers a lookup from the version in force on the date; an old version never changes', async () => {
      expect(
        (
          await post('/api/v1/code-lists', {
            code: 'thu-nghiem',
            name_vi: 'Danh mục thử nghiệm',
            name_en: 'Test list',
            issuer: 'VPTW',
            legal_basis: 'Thử nghiệm',
          })
        ).statusCode,
      ).toBe(201);
      const v1 = await post('/api/v1/code-lists/thu-nghiem/versions', {
        effective_from: '2025-01-01',
        items: [
          { code: 'A', name_vi: 'Mục A' },
          { code: 'B', name_vi: 'Mục B' },
        ],
      });
      expect(v1.statusCode).toBe(201);
      const before = (await get('/api/v1/code-lists/thu-nghiem/items?on=2025-06-01')).json();

      const v2 = await post('/api/v1/code-lists/thu-nghiem/versions', {
        effective_from: '2026-06-01',
        items: [
          { code: 'B', name_vi: 'Mục B mới' },
          { code: 'C', name_vi: 'Mục C' },
        ],
      });
      expect(v2.statusCode).toBe(201);
      expect(v2.json()).toMatchObject({ version_no: 2, item_count: 2 });

      const lastDayOld = (await get('/api/v1/code-lists/thu-nghiem/items?on=2026-05-31')).json();
      expect(lastDayOld.version.version_no).toBe(1);
      expect(lastDayOld.items.map((i: { code: string; name_vi: string }) => `${i.code}:${i.name_vi}`)).toEqual(['A:Mục A', 'B:Mục B']);
      const firstDayNew = (await get('/api/v1/code-lists/thu-nghiem/items?on=2026-06-01')).json();
      expect(firstDayNew.items.map((i: { code: string; name_vi: string }) => `${i.code}:${i.name_vi}`)).toEqual(['B:Mục B mới', 'C:Mục C']);

      const after = (await get('/api/v1/code-lists/thu-nghiem/items?on=2025-06-01')).json();
      expect(after).toEqual(before);
      expect((await get('/api/v1/code-lists/thu-nghiem/items?on=2024-12-31')).statusCode).toBe(404);
      await expect(env.platform.db.query("UPDATE code_list_items SET name_vi = 'sửa lén' WHERE code = 'A'")).rejects.toThrow(/refused/);

      // The past is not rewritten: not before the latest version, not on the same day, not before today.
      for (const date of ['2025-06-01', '2026-06-01']) {
        const backdated = await post('/api/v1/code-lists/thu-nghiem/versions', { effective_from: date, items: [{ code: 'Z', name_vi: 'Z' }] });
        expect(backdated.statusCode).toBe(422);
        expect(backdated.json().earliest_effective_from).toBe('2026-06-02');
      }
      const beforeToday = await post('/api/v1/code-lists/gioi-tinh/versions', { effective_from: '2023-01-01', items: [{ code: 'X', name_vi: 'X' }] });
      expect(beforeToday.statusCode).toBe(422);
      const orphan = await post('/api/v1/code-lists/thu-nghiem/versions', {
        effective_from: '2026-07-01',
        items: [{ code: 'X', name_vi: 'X', parent_code: 'KHONG' }],
      });
      expect(orphan.statusCode).toBe(400);
      expect(orphan.json().errors[0].path).toBe('/items/0/parent_code');
      expect((await get('/api/v1/code-lists/thu-nghiem/versions')).json()).toHaveLength(2);
    });

    it('R-18.2: only the coordinator issues code lists', async () => {
      const res = await post('/api/v1/code-lists/dan-toc/versions', { effective_from: '2027-01-01', items: [{ code: '01', name_vi: 'X' }] }, {}, reader);
      expect(res.statusCode).toBe(403);
      expect(res.json().rule).toBe('R-18.2');
      expect((await post('/api/v1/code-lists/dan-toc/imports', 'code,name_vi\n01,Kinh\n', { 'content-type': 'text/csv' }, reader)).statusCode).toBe(403);
    });

    it('R-18.2: the coordinator renames a code list or changes its issuer, with If-Match and a history entry', async () => {
      const patch = (url: string, payload: unknown, headers: Record<string, string> = {}, authorization = admin) =>
        env.app.inject({ method: 'PATCH', url, headers: { authorization, ...headers }, payload: payload as string });
      expect(
        (await post('/api/v1/code-lists', { code: 'doi-ten', name_vi: 'Danh mục cũ', name_en: 'Old list', issuer: 'VPTW', legal_basis: 'Thử nghiệm' }))
          .statusCode,
      ).toBe(201);
      const got = await get('/api/v1/code-lists/doi-ten');
      expect(got.headers.etag).toBe('"1"');

      const denied = await patch('/api/v1/code-lists/doi-ten', { name_vi: 'Không được' }, { 'if-match': '"1"' }, reader);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().rule).toBe('R-18.2');

      const res = await patch('/api/v1/code-lists/doi-ten', { name_vi: 'Danh mục mới', issuer: 'Ban Tổ chức Trung ương' }, { 'if-match': '"1"' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ code: 'doi-ten', name_vi: 'Danh mục mới', name_en: 'Old list', issuer: 'Ban Tổ chức Trung ương', version: 2 });
      expect((await get('/api/v1/code-lists?q=danh%20muc%20moi')).json().items.map((l: { code: string }) => l.code)).toContain('doi-ten');

      const stale = await patch('/api/v1/code-lists/doi-ten', { name_en: 'Stale' }, { 'if-match': '"1"' });
      expect(stale.statusCode).toBe(412);
      expect(stale.json().current_version).toBe(2);
      expect((await patch('/api/v1/code-lists/doi-ten', { code: 'khac' })).statusCode).toBe(400);
      expect((await patch('/api/v1/code-lists/doi-ten', {})).statusCode).toBe(400);
      expect((await patch('/api/v1/code-lists/khong-co', { name_vi: 'X' })).statusCode).toBe(404);

      const history = (await get('/api/v1/code-lists/doi-ten/history')).json();
      expect(history.at(-1)).toMatchObject({
        action: 'update',
        actor: expect.any(String),
        changes: { name_vi: { from: 'Danh mục cũ', to: 'Danh mục mới' }, issuer: { from: 'VPTW', to: 'Ban Tổ chức Trung ương' } },
      });
      expect(Object.keys(history.at(-1).changes).sort()).toEqual(['issuer', 'name_vi']);
    });

    it('an import of a modified CSV returns the diff and publishes only on confirmation', async () => {
      const exported = await get('/api/v1/code-lists/dan-toc/export?format=csv&on=2026-01-01');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^text\/csv/);
      const lines = exported.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(lines[0]).toBe('code,name_vi,name_en,parent_code,attr.aliases');
      expect(lines).toHaveLength(55);
      const modified = [
        ...lines.filter((l) => !l.startsWith('54,')).map((l) => (l.startsWith('01,') ? l.replace('01,Kinh,', '01,Kinh (Việt),') : l)),
        '55,Dân tộc thử nghiệm,Test group,,',
      ].join('\n');

      const imported = await post('/api/v1/code-lists/dan-toc/imports', modified, { 'content-type': 'text/csv' });
      expect(imported.statusCode).toBe(201);
      const { id, diff } = imported.json();
      expect(diff.added.map((i: { code: string }) => i.code)).toEqual(['55']);
      expect(diff.retired.map((i: { code: string }) => i.code)).toEqual(['54']);
      expect(diff.renamed).toEqual([{ code: '01', from: { name_vi: 'Kinh', name_en: 'Kinh (Viet)' }, to: { name_vi: 'Kinh (Việt)', name_en: 'Kinh (Viet)' } }]);
      expect(diff.unchanged).toBe(52);
      // Nothing is published until confirmed.
      expect((await get('/api/v1/code-lists/dan-toc/versions')).json()).toHaveLength(1);

      const published = await post(`/api/v1/code-lists/dan-toc/imports/${id}/publish`, { effective_from: '2027-01-01', legal_basis: 'Quyết định thử nghiệm' });
      expect(published.statusCode).toBe(201);
      expect(published.json()).toMatchObject({ version_no: 2, effective_from: '2027-01-01', item_count: 54 });
      expect((await post(`/api/v1/code-lists/dan-toc/imports/${id}/publish`, { effective_from: '2027-01-01' })).statusCode).toBe(409);
      const lookup = (await env.platform.codeLists.lookup('dan-toc', '2027-01-01'))!;
      expect(lookup.get('01')!.name_vi).toBe('Kinh (Việt)');
      expect(lookup.has('54')).toBe(false);
      expect((await env.platform.codeLists.lookup('dan-toc', '2026-12-31'))!.has('54')).toBe(true);
    });

    it('XLSX round trip: exporting then importing the commune list changes nothing', async () => {
      const xlsx = await get('/api/v1/code-lists/don-vi-hanh-chinh/export?format=xlsx');
      expect(xlsx.statusCode).toBe(200);
      expect(xlsx.headers['content-type']).toBe(XLSX);
      expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK'); // a real zip container
      const res = await post('/api/v1/code-lists/don-vi-hanh-chinh/imports', xlsx.rawPayload, { 'content-type': XLSX });
      expect(res.statusCode).toBe(201);
      const { diff, item_count } = res.json();
      expect(item_count).toBe(3355);
      expect(diff).toMatchObject({ base_version: 1, added: [], retired: [], renamed: [], reparented: [], attributes_changed: [], unchanged: 3355 });
      const json = await get('/api/v1/code-lists/gioi-tinh/export?format=json');
      const again = await post('/api/v1/code-lists/gioi-tinh/imports', json.body, { 'content-type': 'application/json' });
      expect(again.json().diff.unchanged).toBe(4);
    });

    it('nothing half-written: a version whose items the database refuses leaves no version behind', async () => {
      const before = (await get('/api/v1/code-lists/ton-giao/versions')).json().length;
      const res = await post('/api/v1/code-lists/ton-giao/versions', { effective_from: '2031-01-01', items: [{ code: '01', name_vi: 'Phật\u0000giáo' }] });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect((await get('/api/v1/code-lists/ton-giao/versions')).json()).toHaveLength(before);
    });

    it('an import confirmed after a newer version appeared is refused (its diff is stale)', async () => {
      const a = (await post('/api/v1/code-lists/gioi-tinh/imports', 'code,name_vi\n1,Nam\n2,Nữ\n', { 'content-type': 'text/csv' })).json();
      const b = (await post('/api/v1/code-lists/gioi-tinh/imports', 'code,name_vi\n1,Nam\n', { 'content-type': 'text/csv' })).json();
      expect((await post(`/api/v1/code-lists/gioi-tinh/imports/${a.id}/publish`, { effective_from: '2032-01-01' })).statusCode).toBe(201);
      expect((await post(`/api/v1/code-lists/gioi-tinh/imports/${b.id}/publish`, { effective_from: '2033-01-01' })).statusCode).toBe(409);
    });

    it('bad files: every row error named, unknown media type 415, nothing stored', async () => {
      const bad = await post('/api/v1/code-lists/dan-toc/imports', 'code,name_vi\n01,Kinh\n01,Trùng\n,Không mã\n02,\n', { 'content-type': 'text/csv' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(['/rows/3/code', '/rows/4/code', '/rows/5/name_vi']);
      const noColumn = await post('/api/v1/code-lists/dan-toc/imports', 'ma,ten\n01,Kinh\n', { 'content-type': 'text/csv' });
      expect(noColumn.json().errors.map((e: { path: string }) => e.path)).toEqual(['/header/code', '/header/name_vi']);
      const garbage = await post('/api/v1/code-lists/dan-toc/imports', Buffer.from('not a zip'), { 'content-type': XLSX });
      expect(garbage.statusCode).toBe(400);
      expect((await post('/api/v1/code-lists/dan-toc/imports', 'x', { 'content-type': 'text/plain' })).statusCode).toBe(415);
      expect((await post('/api/v1/code-lists/dan-toc/imports', '"abc"', { 'content-type': 'application/json' })).statusCode).toBe(400);
      const pending = await env.platform.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM code_list_imports WHERE list_code = 'dan-toc' AND status = 'pending'",
      );
      expect(pending.rows[0]!.n).toBe(0);
    });
  });
}
