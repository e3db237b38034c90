import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LienThongClient } from 'lienthong/client';
import { type World, member, refused, startWorld } from '../gateway/world.ts';
import { DRIVERS } from '../helpers/platform.ts';

const DS = 'can-bo-dang-vien';
const SECRET = 'ho-so-mat-tinh';
type Version = { version: number; written_by: string; producer_agency_code: string; data: { province_code?: string } | null };

for (const driver of DRIVERS) {
  describe(`[${driver}] producers update the central store (R-4.1)`, () => {
    let w: World;
    let hanoi: LienThongClient;
    let hcm: LienThongClient;
    let tu01: string;
    let a01: { client_id: string; client_secret: string };
    let grantId: string;
    const versions = async (key: string, ds = DS): Promise<Version[]> =>
      (await w.call('GET', `/api/v1/datasets/${ds}/records/${key}/versions`, w.auth.custodian)).json();
    const grant = (body: object, ds = DS, who = w.auth.custodian) => w.call('POST', `/api/v1/datasets/${ds}/producers`, who, body);
    const accountFor = async (admin: string, system: string, agency: string, zone = 'internet') => {
      const s = await w.call('POST', '/api/v1/systems', admin, {
        code: system,
        agency_code: agency,
        name_vi: `Hệ thống ${system}`,
        name_en: system,
        security_level: 3,
        zone,
      });
      expect(s.statusCode, s.body).toBe(201);
      await w.env.approveSecurityLevel(system, 3);
      const a = await w.call('POST', '/api/v1/accounts', admin, { system_code: system, name: `Tài khoản ${system}`, auth_method: 'client_secret' });
      expect(a.statusCode, a.body).toBe(201);
      return { client_id: a.json().account.client_id as string, client_secret: a.json().client_secret as string };
    };

    beforeAll(async () => {
      w = await startWorld(driver);
      tu01 = await w.env.userAuth('qt.tu01', 'TU01', ['custodian_admin', 'consumer_admin']);
      const tu79 = await w.env.userAuth('qt.tu79', 'TU79', ['custodian_admin', 'consumer_admin']);
      a01 = await accountFor(tu01, 'TU01-QLDV', 'TU01');
      const a79 = await accountFor(tu79, 'TU79-QLDV', 'TU79');
      hanoi = w.client('BTCTW-CSDL', { clientId: a01.client_id, clientSecret: a01.client_secret });
      hcm = w.client('BTCTW-CSDL', { clientId: a79.client_id, clientSecret: a79.client_secret });
      // The custodian's own records: one of Hà Nội (01), one of Hồ Chí Minh City (79).
      await w.clients['BTCTW-CSDL'].writeBatch(DS, [
        { key: 'hn-1', data: member(1, { province_code: '01' }) },
        { key: 'hcm-1', data: member(2, { province_code: '79' }) },
      ]);
    });
    afterAll(() => w.env.close());

    it("R-4.1: before any authorisation, a provincial committee's system is refused as any other agency's", async () => {
      const err = await refused(hanoi.putRecord(DS, 'hn-2', member(3, { province_code: '01' })));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-4.1']);
    });

    it("R-4.1: the scope names a field of the dataset and codes of its code list; only the custodian's administrators authorise", async () => {
      const noField = await grant({ agency_code: 'TU01', scope: { field: 'tinh', values: ['01'] } });
      expect([noField.statusCode, noField.json().errors[0].path]).toEqual([400, '/scope/field']);
      const noCode = await grant({ agency_code: 'TU01', scope: { field: 'province_code', values: ['01', 'XX'] } });
      expect([noCode.statusCode, noCode.json().errors[0].path]).toEqual([400, '/scope/values']);
      expect(noCode.json().errors[0].message_en).toContain('XX');
      const otherSystem = await grant({ agency_code: 'TU01', system_code: 'TU79-QLDV' });
      expect([otherSystem.statusCode, otherSystem.json().errors[0].path]).toEqual([400, '/system_code']);
      const byProducer = await grant({ agency_code: 'TU01' }, DS, tu01);
      expect([byProducer.statusCode, byProducer.json().rule]).toEqual([403, 'R-4.1']);
      const byCoordinator = await grant({ agency_code: 'TU01' }, DS, await w.env.adminAuth());
      expect([byCoordinator.statusCode, byCoordinator.json().rule]).toEqual([403, 'R-4.1']);
    });

    it("R-4.1: a provincial committee's system authorised for its province writes records of its province (200); the version and the log entry name its agency", async () => {
      const g = await grant({ agency_code: 'TU01', system_code: 'TU01-QLDV', scope: { field: 'province_code', values: ['01'] } });
      expect(g.statusCode, g.body).toBe(201);
      expect(g.json()).toMatchObject({
        producer_agency_code: 'TU01',
        system_code: 'TU01-QLDV',
        scope: { field: 'province_code', values: ['01'] },
        status: 'active',
        granted_by: 'cq.btctw',
      });
      grantId = g.json().id;
      const inbox = (await w.call('GET', '/api/v1/inbox', tu01)).json();
      expect(inbox.items.map((n: { kind: string }) => n.kind)).toContain('producer_authorised');
      const read = await w.call('GET', `/api/v1/datasets/${DS}/producers`, await w.env.adminAuth());
      expect(read.json().map((a: { id: string }) => a.id)).toEqual([grantId]); // the coordinator reads

      const res = await hanoi.writeBatch(DS, [
        { key: 'hn-2', data: member(3, { province_code: '01' }) },
        { key: 'hn-1', data: member(1, { province_code: '01', full_name: 'Nguyễn Văn Một' }) },
      ]);
      expect(res.status).toBe(200);
      const hn2 = await versions('hn-2');
      expect(hn2.map((v) => [v.version, v.written_by, v.producer_agency_code])).toEqual([[1, 'system:TU01-QLDV', 'TU01']]);
      expect((await versions('hn-1')).map((v) => v.producer_agency_code)).toEqual(['BTCTW', 'TU01']);
      await w.env.platform.ledger.integrateAll();
      const logged = (await w.call('GET', `/api/v1/ledger/receipts/${res.receipt.id}`, w.auth.admin)).json();
      expect(logged.entry).toMatchObject({
        form: 'sync',
        producer_agency: 'TU01',
        requester: { agency: 'TU01', system: 'TU01-QLDV' },
        record_keys: ['hn-2', 'hn-1'],
      });
    });

    it("R-4.1: writing another province's record, or turning a record of another province into its own, refuses the whole batch", async () => {
      const other = await refused(
        hanoi.writeBatch(DS, [
          { key: 'hn-3', data: member(4, { province_code: '01' }) },
          { key: 'hcm-2', data: member(5, { province_code: '79' }) },
        ]),
      );
      expect([other.status, other.problem.rule]).toEqual([403, 'R-4.1']);
      expect((other.problem.errors as { path: string }[]).map((e) => e.path)).toEqual(['/records/1/data/province_code']);
      expect((await w.call('GET', `/api/v1/datasets/${DS}/records/hn-3`, w.auth.custodian)).statusCode).toBe(404); // nothing written

      const takeOver = await refused(hanoi.putRecord(DS, 'hcm-1', member(2, { province_code: '01' })));
      expect([takeOver.status, takeOver.problem.rule]).toEqual([403, 'R-4.1']);
      expect((takeOver.problem.errors as { path: string }[]).map((e) => e.path)).toEqual(['/records/0/key']);
      const del = await refused(hanoi.deleteRecord(DS, 'hcm-1'));
      expect([del.status, del.problem.rule]).toEqual([403, 'R-4.1']);
      expect((await versions('hcm-1')).map((v) => [v.version, v.data?.province_code])).toEqual([[1, '79']]);
      // Nor may it move one of its own records out of its province.
      const out = await refused(hanoi.putRecord(DS, 'hn-2', member(3, { province_code: '79' })));
      expect([out.status, out.problem.rule]).toEqual([403, 'R-4.1']);
    });

    it('R-4.1: an agency without an authorisation is refused as before', async () => {
      const err = await refused(hcm.putRecord(DS, 'hcm-3', member(6, { province_code: '79' })));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-4.1']);
    });

    it('R-4.1: the custodian still writes everything, and its versions name the custodian', async () => {
      const res = await w.clients['BTCTW-CSDL'].writeBatch(DS, [
        { key: 'hn-2', data: member(3, { province_code: '79' }) },
        { key: 'hcm-1', data: member(2, { province_code: '01' }) },
      ]);
      expect(res.status).toBe(200);
      expect((await versions('hn-2')).map((v) => v.producer_agency_code)).toEqual(['TU01', 'BTCTW']);
      await w.env.platform.ledger.integrateAll();
      const logged = (await w.call('GET', `/api/v1/ledger/receipts/${res.receipt.id}`, w.auth.admin)).json();
      expect(logged.entry.producer_agency).toBe('BTCTW');
    });

    it('R-4.1: secret data: the scope is checked on the sealed current content, opened by the sync module', async () => {
      const spec = {
        fields: [
          { name: 'ho_so', type: 'string', label_vi: 'Hồ sơ', label_en: 'File', personal: 'none', required: true },
          { name: 'province_code', type: 'code', code_list: 'don-vi-hanh-chinh', label_vi: 'Tỉnh', label_en: 'Province', personal: 'none', required: true },
        ],
        frequency: 'daily',
        format: 'application/json',
      };
      const created = await w.call('POST', '/api/v1/datasets', w.auth.custodian, {
        code: SECRET,
        name_vi: 'Hồ sơ mật theo tỉnh',
        name_en: 'Secret files by province',
        domain_code: 'to-chuc-xay-dung-dang',
        custodian_code: 'BTCTW',
        classification: 'secret',
        personal_data: false,
        status: 'published',
        sharing_spec: spec,
      });
      expect(created.statusCode, created.body).toBe(201);
      const custodian = w.client('BTCTW-CSDL', { baseUrl: w.tslcd });
      await custodian.writeBatch(SECRET, [{ key: 'm-79', data: { ho_so: 'Hồ sơ 79', province_code: '79' } }]);
      const stored = await w.env.platform.db.query<{ data: unknown }>(`SELECT data FROM records WHERE dataset_code = $1`, [SECRET]);
      expect(stored.rows).toEqual([{ data: null }]); // sealed at rest
      expect((await grant({ agency_code: 'TU01', scope: { field: 'province_code', values: ['01'] } }, SECRET)).statusCode).toBe(201);

      const producer = w.client('BTCTW-CSDL', { baseUrl: w.tslcd, clientId: a01.client_id, clientSecret: a01.client_secret });
      const takeOver = await refused(producer.putRecord(SECRET, 'm-79', { ho_so: 'Hồ sơ 79', province_code: '01' }));
      expect([takeOver.status, takeOver.problem.rule]).toEqual([403, 'R-4.1']);
      expect((takeOver.problem.errors as { message_en: string }[])[0]!.message_en).toContain('province_code = 79');
      const own = await producer.writeBatch(SECRET, [{ key: 'm-01', data: { ho_so: 'Hồ sơ 01', province_code: '01' } }]);
      expect(own.status).toBe(200);
      expect((await versions('m-01', SECRET)).map((v) => [v.producer_agency_code, v.data?.province_code])).toEqual([['TU01', '01']]);
      const again = await producer.putRecord(SECRET, 'm-01', { ho_so: 'Hồ sơ 01 (sửa)', province_code: '01' });
      expect(again.status).toBe(200);
    });

    it('R-4.1: a revoked authorisation is refused; the list keeps it, with who revoked it and why', async () => {
      const revoked = await w.call('POST', `/api/v1/datasets/${DS}/producers/${grantId}/revoke`, w.auth.custodian, { reason: 'Hết nhiệm vụ cập nhật' });
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect(revoked.json()).toMatchObject({ status: 'revoked', revoked_by: 'cq.btctw', revoke_reason: 'Hết nhiệm vụ cập nhật' });
      const err = await refused(hanoi.putRecord(DS, 'hn-4', member(7, { province_code: '01' })));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-4.1']);
      const list = (await w.call('GET', `/api/v1/datasets/${DS}/producers`, w.auth.custodian)).json();
      expect(list.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([[grantId, 'revoked']]);
      const twice = await w.call('POST', `/api/v1/datasets/${DS}/producers/${grantId}/revoke`, w.auth.custodian, { reason: 'Lần nữa' });
      expect(twice.statusCode).toBe(409);
      const inbox = (await w.call('GET', '/api/v1/inbox', tu01)).json();
      expect(inbox.items.map((n: { kind: string }) => n.kind)).toContain('producer_revoked');
    });

    it('R-4.1: an authorisation past its last day is refused', async () => {
      const today = '2026-03-02'; // the test clock's date in Viet Nam (world.ts)
      const g = await grant({ agency_code: 'TU01', scope: { field: 'province_code', values: ['01'] }, valid_until: today });
      expect(g.statusCode, g.body).toBe(201);
      expect((await hanoi.putRecord(DS, 'hn-5', member(8, { province_code: '01' }))).status).toBe(200);
      w.env.clock.advance(2 * 86_400_000);
      const later = w.client('BTCTW-CSDL', { clientId: a01.client_id, clientSecret: a01.client_secret }); // (a token of the new day)
      const err = await refused(later.putRecord(DS, 'hn-6', member(9, { province_code: '01' })));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-4.1']);
      const list = (await w.call('GET', `/api/v1/datasets/${DS}/producers`, await w.env.adminAuth())).json(); // (the custodian's session has ended by now)
      expect(list.find((a: { id: string }) => a.id === g.json().id).status).toBe('expired');
    });
  });
}
