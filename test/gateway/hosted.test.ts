import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL_MS } from '../../src/agreements/decision.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, refused, startWorld } from './world.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] gateway: hosted data written by the custodian's systems, read by consumers (R-6.1a, R-4.2, R-5.2, R-8.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());

    it('R-4.1: the custodian system writes one record, a batch, a tombstone — versioned, history kept', async () => {
      const custodian = w.clients['BTCTW-CSDL'];
      const put = await custodian.putRecord('can-bo-dang-vien', 'dv-1', member(1));
      expect(put.status).toBe(200);
      expect(put.data).toEqual({ written: 1, versions: [{ key: 'dv-1', version: 1, deleted: false }] });
      const batch = await custodian.writeBatch(
        'can-bo-dang-vien',
        [1, 2, 3, 4].map((n) => ({ key: `dv-${n}`, data: member(n, { province_code: n < 3 ? '01' : '79' }) })),
      );
      expect((batch.data as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([2, 1, 1, 1]);
      const del = await custodian.deleteRecord('can-bo-dang-vien', 'dv-4');
      expect(del.data).toEqual({ written: 1, versions: [{ key: 'dv-4', version: 2, deleted: true }] });
      const history = await w.call('GET', '/api/v1/datasets/can-bo-dang-vien/records/dv-4/versions', w.auth.custodian);
      expect(history.json().map((v: { version: number; deleted: boolean; written_by: string }) => [v.version, v.deleted, v.written_by])).toEqual([
        [1, false, 'system:BTCTW-CSDL'],
        [2, true, 'system:BTCTW-CSDL'],
      ]);
    });

    it('R-4.7: an invalid record is refused with every violation listed, and a batch is all-or-nothing', async () => {
      const custodian = w.clients['BTCTW-CSDL'];
      const err = await refused(
        custodian.writeBatch('can-bo-dang-vien', [
          { key: 'dv-5', data: member(5) },
          { key: 'dv-6', data: member(6, { citizen_id: '12', gender: 'X' }) },
        ]),
      );
      expect(err.status).toBe(400);
      expect((err.problem.errors as { path: string }[]).map((e) => e.path)).toEqual(['/records/1/data/citizen_id', '/records/1/data/gender']);
      expect(err.receipt).not.toBeNull(); // a refusal is logged and signed too
      const missing = await w.call('GET', '/api/v1/datasets/can-bo-dang-vien/records/dv-5', w.auth.custodian);
      expect(missing.statusCode).toBe(404);
    });

    it("R-4.1: a consumer system cannot write the custodian's dataset", async () => {
      const err = await refused(w.clients['VPCP-QLCB'].putRecord('can-bo-dang-vien', 'dv-9', member(9)));
      expect(err.status).toBe(403);
      expect(err.problem.rule).toBe('R-4.1');
    });

    it('R-8.2: a consumer gets only its granted fields; citizen ID leaves masked to its last 4 digits, other personal fields not at all', async () => {
      const res = await w.clients['VPCP-QLCB'].getRecord('can-bo-dang-vien', 'dv-1');
      expect(res.data).toMatchObject({ dataset: 'can-bo-dang-vien', key: 'dv-1', version: 2 });
      expect(res.data.data).toEqual({
        member_number: '01.000001',
        full_name: 'Nguyễn Văn 1',
        date_of_birth: '1985-01-01',
        province_code: '01',
        citizen_id: '********0001',
      });
      const tk = await w.clients['VPCP-TK'].getRecord('can-bo-dang-vien', 'dv-2');
      expect(tk.data.data).toEqual({ member_number: '01.000002', gender: '2', citizen_id: '********0002' });
    });

    it('lists with granted-field filters and an opaque cursor; a filter on a field not granted is refused (R-8.2)', async () => {
      const c = w.clients['VPCP-QLCB'];
      const page1 = await c.listRecords('can-bo-dang-vien', { limit: 2 });
      expect(page1.data.items.map((i) => i.key)).toEqual(['dv-1', 'dv-2']);
      const page2 = await c.listRecords('can-bo-dang-vien', { limit: 2, cursor: page1.data.next_cursor! });
      expect(page2.data.items.map((i) => i.key)).toEqual(['dv-3']); // dv-4 is deleted
      expect(page2.data.next_cursor).toBeNull();
      const all = [];
      for await (const r of c.allRecords('can-bo-dang-vien', { limit: 1 })) all.push(r.key);
      expect(all).toEqual(['dv-1', 'dv-2', 'dv-3']);
      const hn = await c.listRecords('can-bo-dang-vien', { filters: { province_code: '01' } });
      expect(hn.data.items.map((i) => i.key)).toEqual(['dv-1', 'dv-2']);
      const hidden = await refused(c.listRecords('can-bo-dang-vien', { filters: { gender: '1' } }));
      expect([hidden.status, hidden.problem.rule]).toEqual([403, 'R-8.2']);
      const asked = await c.getRecord('can-bo-dang-vien', 'dv-1', { fields: ['full_name'] });
      expect(asked.data.data).toEqual({ full_name: 'Nguyễn Văn 1', citizen_id: '********0001' });
    });

    it("R-5.2: no purpose, or a purpose other than the agreement's, is refused; R-8.2: asking for a field not granted is refused", async () => {
      const c = w.clients['VPCP-QLCB'];
      const none = await refused(c.getRecord('can-bo-dang-vien', 'dv-1', { purpose: '' }));
      expect([none.status, none.problem.rule]).toEqual([403, 'R-5.2']);
      const other = await refused(c.getRecord('can-bo-dang-vien', 'dv-1', { purpose: 'bao-cao-thong-ke' }));
      expect([other.status, other.problem.rule]).toEqual([403, 'R-5.2']);
      const field = await refused(c.getRecord('can-bo-dang-vien', 'dv-1', { fields: ['ethnic_group'] }));
      expect([field.status, field.problem.rule]).toEqual([403, 'R-8.2']);
      const noGrant = await refused(w.clients['VPCP-TK'].getRecord('khen-thuong', 'x'));
      expect([noGrant.status, noGrant.problem.rule]).toEqual([403, 'R-4.2']);
    });

    it('answers are JSON: a client that accepts neither JSON nor anything gets 406, logged', async () => {
      const token = await w.clients['VPCP-QLCB'].accessToken();
      const get = (accept: string) =>
        fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-1`, {
          headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': 'to-chuc-can-bo', accept },
        });
      const xml = await get('application/xml');
      expect(xml.status).toBe(406);
      expect(xml.headers.get('lienthong-receipt')).toBeTruthy();
      expect(await xml.text()).not.toContain('01.000001');
      for (const ok of ['application/json', '*/*', 'text/html, application/json;q=0.9']) expect((await get(ok)).status).toBe(200);
    });

    it('R-14.1: no token, or a bad one, is 401 — logged and signed like any other answer', async () => {
      const anon = await fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-1`, { headers: { 'lienthong-purpose': 'to-chuc-can-bo' } });
      expect(anon.status).toBe(401);
      expect(anon.headers.get('x-jws-signature')).toMatch(/^[\w-]+\.\.[\w-]+$/);
      expect(anon.headers.get('lienthong-receipt')).toMatch(/^[0-9a-f-]{36}$/);
      const forged = await fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-1`, { headers: { authorization: 'Bearer e30.e30.AAAA' } });
      expect(forged.status).toBe(401);
      expect((await forged.json()).rule).toBeUndefined();
    });

    it('R-14.1: open data (normal, no personal data) is read without a token — still signed and logged, requester unknown', async () => {
      const spec = {
        fields: [{ name: 'so_van_ban', type: 'string', label_vi: 'Số văn bản', label_en: 'Document number', personal: 'none', required: true }],
        frequency: 'daily',
        format: 'application/json',
      };
      const created = await w.call('POST', '/api/v1/datasets', w.auth.custodian, {
        code: 'van-ban-cong-khai',
        name_vi: 'Văn bản công khai',
        name_en: 'Public documents',
        domain_code: 'to-chuc-xay-dung-dang',
        custodian_code: 'BTCTW',
        classification: 'normal',
        personal_data: false,
        auth_required: false,
        status: 'published',
        sharing_spec: spec,
      });
      expect(created.statusCode, created.body).toBe(201);
      await w.clients['BTCTW-CSDL'].putRecord('van-ban-cong-khai', 'vb-1', { so_van_ban: '01-QĐ/TW' });
      await new Promise((r) => setTimeout(r, POLL_MS + 50)); // decisions see a new dataset within POLL_MS
      const res = await fetch(`${w.internet}/data/v1/van-ban-cong-khai/records/vb-1`);
      expect(res.status).toBe(200);
      expect((await res.json()).data).toEqual({ so_van_ban: '01-QĐ/TW' });
      const receipt = res.headers.get('lienthong-receipt')!;
      await w.env.platform.ledger.integrateAll();
      const logged = (await w.call('GET', `/api/v1/ledger/receipts/${receipt}`, w.auth.admin)).json();
      expect(logged.entry).toMatchObject({ requester: { agency: null, system: null, account: null }, dataset: 'van-ban-cong-khai', response: { status: 200 } });
    });

    it('a missing record is 404; a malformed body or key is a logged 400', async () => {
      const nf = await refused(w.clients['VPCP-QLCB'].getRecord('can-bo-dang-vien', 'dv-404'));
      expect(nf.status).toBe(404);
      const token = await w.clients['BTCTW-CSDL'].accessToken();
      const bad = await fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-1`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"member_number":',
      });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('lienthong-log')).toBe('BTCTW');
      expect(bad.headers.get('lienthong-receipt')).toBeTruthy();
      const unknown = await fetch(`${w.internet}/data/v1/khong-co/records/x`, { headers: { authorization: `Bearer ${token}` } });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('lienthong-log')).toBe('VPTW');
    });
  });
}
