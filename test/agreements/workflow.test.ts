import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSubset } from '../../src/agreements/rules.ts';
import type { Problem } from '../../src/core/errors.ts';
import { signWebhook } from '../../src/notifications/service.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

// Test clock starts on 2026-03-02 (Viet Nam date).
const EC_KEY = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', use: 'enc' };
const request = (over: object = {}) => ({
  dataset_code: 'can-bo-dang-vien',
  system_code: 'VPCP-QLCB',
  purpose_code: 'to-chuc-can-bo',
  purpose_text: 'Tra cứu thông tin cán bộ phục vụ công tác tổ chức',
  legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
  requested_fields: ['member_number', 'full_name', 'date_of_birth', 'citizen_id'],
  forms: ['api'],
  frequency: 'theo yêu cầu',
  valid_from: '2026-03-02',
  valid_to: '2026-12-31',
  ...over,
});

for (const driver of DRIVERS) {
  describe(`[${driver}] agreements: request, review, grant (R-4.2, R-5.2, R-8.2, R-9.2, R-11, R-12.2, R-13.3)`, () => {
    let env: TestEnv;
    let consumer: string; // VPCP consumer admin
    let custodian: string; // BTCTW custodian admin
    let approver: string; // BTCTW approver (competent person, R-11)
    let bnctw: string; // BNCTW custodian admin (top-secret cases)
    let bnctwApprover: string;
    let outsider: string; // TU01 consumer admin
    let admin: string;

    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      consumer = await env.userAuth('kt.vpcp', 'VPCP', ['consumer_admin']);
      custodian = await env.userAuth('cq.btctw', 'BTCTW', ['custodian_admin']);
      approver = await env.userAuth('pd.btctw', 'BTCTW', ['approver']);
      bnctw = await env.userAuth('cq.bnctw', 'BNCTW', ['custodian_admin']);
      bnctwApprover = await env.userAuth('pd.bnctw', 'BNCTW', ['approver']);
      outsider = await env.userAuth('kt.tu01', 'TU01', ['consumer_admin']);
      const sys = async (code: string, level: number, zone: string, extra: object = {}) => {
        const r = await call('POST', '/api/v1/systems', consumer, {
          code,
          agency_code: 'VPCP',
          name_vi: `Hệ thống ${code}`,
          name_en: code,
          security_level: level,
          zone,
          ...extra,
        });
        if (level >= 3) await env.approveSecurityLevel(code, level); // a decision makes the level count
        return r;
      };
      expect((await sys('VPCP-QLCB', 3, 'internet')).statusCode).toBe(201);
      expect((await sys('VPCP-CU', 2, 'internet')).statusCode).toBe(201);
      expect((await sys('VPCP-MAT', 4, 'tslcd', { encryption_key: EC_KEY })).statusCode).toBe(201);
      expect((await sys('VPCP-MAT-NOKEY', 4, 'tslcd')).statusCode).toBe(201);
    });
    afterAll(() => env.close());

    function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, authorization: string, payload?: unknown) {
      return env.app.inject({ method, url, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    }
    const inbox = async (who: string) => (await call('GET', '/api/v1/inbox?limit=200', who)).json().items.map((n: { kind: string }) => n.kind);
    const decide = async (body: object) => (await call('POST', '/api/v1/decisions', admin, body)).json();

    let approvedId = '';

    it('full workflow: request → changes asked → resubmitted → approved with fewer fields and a shorter validity → active', async () => {
      const created = await call('POST', '/api/v1/agreements', consumer, request());
      expect(created.statusCode).toBe(201);
      const a = created.json();
      expect(a).toMatchObject({ status: 'submitted', consumer_code: 'VPCP', custodian_code: 'BTCTW', second_approval_required: false, kind: 'standard' });
      expect(await inbox(custodian)).toContain('agreement.requested');

      expect((await call('POST', `/api/v1/agreements/${a.id}/request-changes`, custodian, { reason: 'Nêu rõ văn bản giao nhiệm vụ' })).json().status).toBe(
        'changes_requested',
      );
      expect(await inbox(consumer)).toContain('agreement.changes_requested');
      const resubmitted = await call('POST', `/api/v1/agreements/${a.id}/resubmit`, consumer, {
        legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a; Công văn số 12/VPCP',
      });
      expect(resubmitted.json()).toMatchObject({ status: 'submitted', legal_basis: expect.stringContaining('Công văn') });

      const approved = await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, {
        granted_fields: ['member_number', 'full_name'],
        valid_to: '2026-09-30',
        reason: 'Đủ căn cứ',
      });
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({
        status: 'active',
        effective_status: 'active',
        granted_fields: ['member_number', 'full_name'],
        valid_to: '2026-09-30',
      });
      expect(await inbox(consumer)).toContain('agreement.approved');
      approvedId = a.id;

      const detail = (await call('GET', `/api/v1/agreements/${a.id}`, consumer)).json();
      expect(detail.events.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`)).toEqual([
        'submit:kt.vpcp',
        'request_changes:cq.btctw',
        'resubmit:kt.vpcp',
        'approve:cq.btctw',
      ]);
      expect(detail.events[1].reason).toBe('Nêu rõ văn bản giao nhiệm vụ');
    });

    it("R-8.2: only the custodian decides; fields must be the dataset's and granted ones a subset of the asked ones", async () => {
      const a = (await call('POST', '/api/v1/agreements', consumer, request({ purpose_code: 'bao-cao-thong-ke' }))).json();
      for (const who of [consumer, admin, approver]) expect((await call('POST', `/api/v1/agreements/${a.id}/approve`, who, {})).statusCode).toBe(403);
      const wider = await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, { granted_fields: ['ethnic_group'] });
      expect(wider.statusCode).toBe(400);
      expect(wider.json().rule).toBe('R-8.2');
      const longer = await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, { valid_to: '2027-06-30' });
      expect(longer.statusCode).toBe(400);
      const unknownField = await call('POST', '/api/v1/agreements', consumer, request({ requested_fields: ['so_tai_khoan'] }));
      expect(unknownField.statusCode).toBe(400);
      expect(unknownField.json().errors[0].path).toBe('/requested_fields/0');
      expect((await call('POST', `/api/v1/agreements/${a.id}/reject`, custodian, { reason: 'Không phù hợp chức năng' })).json().status).toBe('rejected');
      expect((await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, {})).statusCode).toBe(409);
    });

    it('R-13.3: a level-2 system is refused at request, and at approval if its level dropped meanwhile', async () => {
      const low = await call('POST', '/api/v1/agreements', consumer, request({ system_code: 'VPCP-CU' }));
      expect(low.statusCode).toBe(422);
      expect(low.json().rule).toBe('R-13.3');
      // Every refusal is named with its rule, in both languages, and listed for programs.
      expect(low.json().detail).toMatch(/^R-13\.3: \S/);
      expect(low.json().detail_en).toMatch(/^R-13\.3: \S/);
      expect(low.json().refusals).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'R-13.3' })]));
      const a = (await call('POST', '/api/v1/agreements', consumer, request({ purpose_code: 'kiem-tra-giam-sat' }))).json();
      expect((await call('PATCH', '/api/v1/systems/VPCP-QLCB', consumer, { security_level: 2 })).statusCode).toBe(200);
      const atApproval = await call('POST', `/api/v1/agreements/${a.id}/approve`, custodian, {});
      expect(atApproval.statusCode).toBe(422);
      expect(atApproval.json().rule).toBe('R-13.3');
      expect((await call('PATCH', '/api/v1/systems/VPCP-QLCB', consumer, { security_level: 3 })).statusCode).toBe(200);
    });

    it('R-11, R-12.2: top-secret data needs zone tslcd, a registered encryption key and a second approval by a different competent person', async () => {
      const secret = { dataset_code: 'vu-an', requested_fields: ['case_code', 'case_name'], purpose_code: 'kiem-tra-giam-sat' };
      const internet = await call('POST', '/api/v1/agreements', consumer, request({ ...secret, system_code: 'VPCP-QLCB' }));
      expect(internet.statusCode).toBe(422);
      expect(internet.json().rule).toBe('R-12.2');
      const noKey = await call('POST', '/api/v1/agreements', consumer, request({ ...secret, system_code: 'VPCP-MAT-NOKEY' }));
      expect(noKey.statusCode).toBe(422);
      expect(noKey.json().rule).toBe('R-11');

      const a = (await call('POST', '/api/v1/agreements', consumer, request({ ...secret, system_code: 'VPCP-MAT' }))).json();
      expect(a.second_approval_required).toBe(true);
      const first = await call('POST', `/api/v1/agreements/${a.id}/approve`, bnctw, {});
      expect(first.json().status).toBe('custodian_approved');
      expect(await inbox(bnctw)).toContain('agreement.approval_needed');
      expect((await decide({ system: 'VPCP-MAT', dataset: 'vu-an', purpose: 'kiem-tra-giam-sat', zone: 'tslcd' })).allow).toBe(false);
      const notApprover = await call('POST', `/api/v1/agreements/${a.id}/approve`, bnctw, {});
      expect(notApprover.statusCode).toBe(403);
      expect(notApprover.json().rule).toBe('R-11');
      const otherAgency = await call('POST', `/api/v1/agreements/${a.id}/approve`, approver, {});
      expect(otherAgency.statusCode).toBe(404);
      const second = await call('POST', `/api/v1/agreements/${a.id}/approve`, bnctwApprover, { reason: 'Đồng ý' });
      expect(second.json()).toMatchObject({ status: 'active', granted_fields: ['case_code', 'case_name'] });
      expect((await decide({ system: 'VPCP-MAT', dataset: 'vu-an', purpose: 'kiem-tra-giam-sat', zone: 'tslcd' })).allow).toBe(true);
      expect((await decide({ system: 'VPCP-MAT', dataset: 'vu-an', purpose: 'kiem-tra-giam-sat', zone: 'internet' })).rule).toBe('R-12.2');
    });

    it('R-9.2 / R-10: data of the 4 Central Offices needs an Art. 9.2 request from other agencies', async () => {
      const tuSys = await call('POST', '/api/v1/systems', outsider, {
        code: 'TU01-DH',
        agency_code: 'TU01',
        name_vi: 'Điều hành',
        name_en: 'Operations',
        security_level: 3,
        zone: 'internet',
      });
      expect(tuSys.statusCode).toBe(201);
      await env.approveSecurityLevel('TU01-DH', 3);
      const body = request({
        dataset_code: 'van-ban-co-quan-dang-nha-nuoc',
        system_code: 'TU01-DH',
        requested_fields: ['document_id', 'subject'],
        purpose_code: 'lanh-dao-chi-dao',
      });
      const standard = await call('POST', '/api/v1/agreements', outsider, body);
      expect(standard.statusCode).toBe(422);
      expect(standard.json().rule).toBe('R-9.2');
      const art92 = await call('POST', '/api/v1/agreements', outsider, { ...body, kind: 'art_9_2' });
      expect(art92.statusCode).toBe(201);
      expect(art92.json().kind).toBe('art_9_2');
      // A Central Office asks with a standard request.
      expect(
        (
          await call(
            'POST',
            '/api/v1/agreements',
            consumer,
            request({ dataset_code: 'van-ban-co-quan-dang-nha-nuoc', requested_fields: ['document_id'], purpose_code: 'phoi-hop-4-van-phong' }),
          )
        ).statusCode,
      ).toBe(201);
    });

    it('R-14.1: open datasets need no agreement', async () => {
      const res = await call('POST', '/api/v1/agreements', consumer, request({ dataset_code: 'tac-pham', requested_fields: ['title'] }));
      expect(res.statusCode).toBe(422);
      expect(res.json().rule).toBe('R-14.1');
      expect(await decide({ system: 'VPCP-CU', dataset: 'tac-pham' })).toMatchObject({ allow: true, rule: 'R-14.1' });
      // Only what was asked is released, and the decision rests on no agreement.
      expect(await decide({ system: 'VPCP-CU', dataset: 'tac-pham', fields: ['title'] })).toMatchObject({ allow: true, agreement_ids: [], fields: ['title'] });
    });

    it('R-8.2: a field named twice is refused — by the request schema over HTTP, and by the rule itself for every other caller', async () => {
      const res = await call('POST', '/api/v1/agreements', consumer, request({ requested_fields: ['full_name', 'member_number', 'full_name'] }));
      expect(res.statusCode).toBe(400);
      let refusal: Record<string, unknown> = {};
      try {
        checkSubset(['full_name', 'member_number', 'full_name'], ['full_name', 'member_number'], '/requested_fields', 'bộ dữ liệu', 'the dataset');
      } catch (err) {
        refusal = (err as Problem).body('/', 'test');
      }
      expect(refusal).toMatchObject({ rule: 'R-8.2', errors: [expect.objectContaining({ path: '/requested_fields', message_en: 'Fields must not repeat.' })] });
    });

    it("an agency cannot read or act on another agency's agreements (every route)", async () => {
      const id = approvedId;
      expect((await call('GET', `/api/v1/agreements/${id}`, outsider)).statusCode).toBe(404);
      for (const action of ['approve', 'reject', 'request-changes', 'revoke', 'withdraw']) {
        expect(
          (await call('POST', `/api/v1/agreements/${id}/${action}`, outsider, action === 'approve' ? {} : { reason: 'không liên quan' })).statusCode,
          action,
        ).toBe(404);
      }
      expect((await call('POST', `/api/v1/agreements/${id}/resubmit`, outsider, { frequency: 'x' })).statusCode).toBe(404);
      const listed = (await call('GET', '/api/v1/agreements?limit=200', outsider)).json();
      expect(listed.items.every((a: { consumer_code: string; custodian_code: string }) => a.consumer_code === 'TU01' || a.custodian_code === 'TU01')).toBe(
        true,
      );
      expect((await call('POST', '/api/v1/decisions', outsider, { system: 'VPCP-QLCB', dataset: 'can-bo-dang-vien' })).statusCode).toBe(404);
      expect((await call('POST', '/api/v1/agreements', outsider, request())).statusCode).toBe(403);
      const all = (await call('GET', '/api/v1/agreements?limit=200', await env.userAuth('kt.vien', 'VPTW', ['auditor']))).json();
      expect(all.total).toBeGreaterThan(listed.total);
    });

    it('R-16.1: an agreement in force is not revoked without a ground — it is terminated on one, with its evidence, at once; the consumer is told', async () => {
      const q = { system: 'VPCP-QLCB', dataset: 'can-bo-dang-vien', purpose: 'to-chuc-can-bo', fields: ['full_name'] };
      expect((await decide(q)).allow).toBe(true);
      expect((await call('POST', `/api/v1/agreements/${approvedId}/revoke`, consumer, { reason: 'x x x' })).statusCode).toBe(403);
      const revoke = await call('POST', `/api/v1/agreements/${approvedId}/revoke`, custodian, { reason: 'Vi phạm mục đích' });
      expect(revoke.statusCode).toBe(422);
      expect(revoke.json().rule).toBe('R-16.1');
      const noEvidence = await call('POST', `/api/v1/agreements/${approvedId}/terminate`, custodian, { ground: 'a', reason: 'Vi phạm mục đích' });
      expect([noEvidence.statusCode, noEvidence.json().rule]).toEqual([400, 'R-16.1']);
      const ended = await call('POST', `/api/v1/agreements/${approvedId}/terminate`, custodian, {
        ground: 'a',
        reason: 'Vi phạm mục đích',
        evidence: 'Biên bản kiểm tra số 12/BB-BTCTW ngày 02/3/2026',
      });
      expect(ended.json()).toMatchObject({ status: 'terminated', ground: 'a', evidence: 'Biên bản kiểm tra số 12/BB-BTCTW ngày 02/3/2026' });
      expect(await decide(q)).toMatchObject({ allow: false, rule: 'R-4.2' });
      expect(await inbox(consumer)).toContain('agreement.terminated');
    });
  });

  describe(`[${driver}] the decision function and notifications`, () => {
    let env: TestEnv;
    let consumer: string;
    let custodian: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      env = await startEnv(driver);
      consumer = await env.userAuth('kt.vpqh', 'VPQH', ['consumer_admin']);
      custodian = await env.userAuth('cq.btctw2', 'BTCTW', ['custodian_admin']);
      for (const [code, level] of [
        ['VPQH-A', 3],
        ['VPQH-B', 4],
        ['VPQH-LOW', 2],
      ] as const) {
        await env.app.inject({
          method: 'POST',
          url: '/api/v1/systems',
          headers: { authorization: consumer },
          payload: { code, agency_code: 'VPQH', name_vi: code, name_en: code, security_level: level, zone: 'internet' },
        });
        if (level >= 3) await env.approveSecurityLevel(code, level);
      }
      // VPQH-A: member data for personnel work, Mar–Jun 2026; VPQH-B: party organisations for reporting, from 1 Apr 2026.
      const grant = async (key: string, body: object, approveBody: object = {}) => {
        const a = (await env.app.inject({ method: 'POST', url: '/api/v1/agreements', headers: { authorization: consumer }, payload: request(body) })).json();
        const ok = await env.app.inject({
          method: 'POST',
          url: `/api/v1/agreements/${a.id}/approve`,
          headers: { authorization: custodian },
          payload: approveBody,
        });
        expect(ok.statusCode).toBe(200);
        ids[key] = a.id;
      };
      await grant('A', { system_code: 'VPQH-A', valid_to: '2026-06-30' }, { granted_fields: ['member_number', 'full_name'] });
      await grant('B', {
        system_code: 'VPQH-B',
        dataset_code: 'to-chuc-dang',
        purpose_code: 'bao-cao-thong-ke',
        requested_fields: ['organisation_code', 'name', 'member_count'],
        valid_from: '2026-04-01',
      });
    });
    afterAll(() => env.close());

    it('answers a matrix of systems × datasets × fields × purposes × dates', async () => {
      const d = (system: string, dataset: string, purpose: string | undefined, fields: string[] | undefined, date: string) =>
        env.platform.agreements.decide({ system, dataset, purpose, fields, at: new Date(`${date}T03:00:00Z`) });
      const cases: [string, string, string | undefined, string[] | undefined, string, boolean | string][] = [
        ['VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', ['full_name'], '2026-03-02', true],
        ['VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', undefined, '2026-06-30', true], // last day of validity
        ['VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', ['full_name'], '2026-07-01', 'R-4.2'], // expired by itself
        ['VPQH-A', 'can-bo-dang-vien', 'bao-cao-thong-ke', ['full_name'], '2026-03-02', 'R-5.2'], // other purpose
        ['VPQH-A', 'can-bo-dang-vien', undefined, ['full_name'], '2026-03-02', 'R-5.2'], // no purpose
        ['VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', ['citizen_id'], '2026-03-02', 'R-8.2'], // asked, not granted
        ['VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', ['so_tai_khoan'], '2026-03-02', 'R-8.2'], // not a field at all
        ['VPQH-A', 'to-chuc-dang', 'bao-cao-thong-ke', ['name'], '2026-04-02', 'R-4.2'], // grant is B's, not A's
        ['VPQH-B', 'to-chuc-dang', 'bao-cao-thong-ke', ['name', 'member_count'], '2026-04-01', true], // first day
        ['VPQH-B', 'to-chuc-dang', 'bao-cao-thong-ke', ['name'], '2026-03-31', 'R-4.2'], // not yet in force
        ['VPQH-LOW', 'to-chuc-dang', 'bao-cao-thong-ke', ['name'], '2026-04-02', 'R-13.3'],
        ['VPQH-X', 'to-chuc-dang', 'bao-cao-thong-ke', ['name'], '2026-04-02', 'R-14.1'], // unknown system
        ['VPQH-LOW', 'tac-pham', undefined, ['title'], '2026-04-02', true], // open data
        ['VPQH-A', 'khong-co', 'to-chuc-can-bo', undefined, '2026-03-02', 'R-4.2'],
      ];
      for (const [system, dataset, purpose, fields, date, expected] of cases) {
        const r = await d(system, dataset, purpose, fields, date);
        const label = `${system} ${dataset} ${purpose} ${fields} ${date}`;
        if (expected === true) expect(r.allow, label).toBe(true);
        else expect(r.allow ? 'allowed' : r.rule, label).toBe(expected);
      }
      const all = await d('VPQH-A', 'can-bo-dang-vien', 'to-chuc-can-bo', undefined, '2026-03-02');
      expect(all).toMatchObject({ allow: true, fields: ['member_number', 'full_name'], agreement_ids: [ids.A] });
    });

    it('R-14.1: an access token carries exactly the datasets the system holds a grant for today', async () => {
      const created = await env.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        headers: { authorization: consumer },
        payload: { system_code: 'VPQH-A', name: 'Tài khoản kết nối A', auth_method: 'client_secret' },
      });
      expect(created.statusCode).toBe(201);
      const { account, client_secret } = created.json();
      const token = await env.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${account.client_id}&client_secret=${encodeURIComponent(client_secret)}`,
      });
      expect(token.statusCode).toBe(200);
      const claims = JSON.parse(Buffer.from(token.json().access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ scope: 'can-bo-dang-vien', system: 'VPQH-A', agency: 'VPQH' });
    });

    it('a change made elsewhere (another instance) reaches the decision cache within a second', async () => {
      const q = { system: 'VPQH-B', dataset: 'to-chuc-dang', purpose: 'bao-cao-thong-ke', at: new Date('2026-04-02T03:00:00Z') };
      expect((await env.platform.agreements.decide(q)).allow).toBe(true);
      // Written straight to the database, as another server would: only the generation trigger tells this one.
      await env.platform.db.query("UPDATE agreements SET status = 'revoked' WHERE id = $1", [ids.B]);
      const start = Date.now();
      let allowed = true;
      while (allowed && Date.now() - start < 1000) {
        allowed = (await env.platform.agreements.decide(q)).allow;
        if (allowed) await new Promise((r) => setTimeout(r, 20));
      }
      expect(allowed).toBe(false);
    });

    it('expiries are recorded and both parties told; a week before, both are warned', async () => {
      env.clock.advance(100 * 24 * 3600_000); // → 10/6/2026: A (to 30/6) is within its last week? no: 20 days left
      expect((await env.platform.agreements.service.sweepExpiries()).warned).toBe(0);
      env.clock.advance(15 * 24 * 3600_000); // → 25/6/2026
      expect((await env.platform.agreements.service.sweepExpiries()).warned).toBe(1);
      expect((await env.platform.agreements.service.sweepExpiries()).warned).toBe(0); // once only
      env.clock.advance(6 * 24 * 3600_000); // → 1/7/2026
      expect((await env.platform.agreements.service.sweepExpiries()).expired).toBe(1);
      consumer = await env.login('kt.vpqh', 'mat-khau-kt.vpqh-2025');
      const a = (await env.app.inject({ method: 'GET', url: `/api/v1/agreements/${ids.A}`, headers: { authorization: consumer } })).json();
      expect(a.status).toBe('expired');
      expect(a.events.at(-1)).toMatchObject({ action: 'expire', actor: 'system' });
      const kinds = (await env.app.inject({ method: 'GET', url: '/api/v1/inbox?unread=true&limit=200', headers: { authorization: consumer } }))
        .json()
        .items.map((n: { kind: string }) => n.kind);
      expect(kinds).toEqual(expect.arrayContaining(['agreement.expiring', 'agreement.expired', 'agreement.approved']));
    });

    it('the webhook receives signed notifications and is retried until it answers 2xx', async () => {
      const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
      let failFirst = true;
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.statusCode = failFirst ? 503 : 204;
          failFirst = false;
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        custodian = await env.login('cq.btctw2', 'mat-khau-cq.btctw2-2025');
        const set = await env.app.inject({ method: 'PUT', url: '/api/v1/inbox/webhook', headers: { authorization: custodian }, payload: { url } });
        expect(set.statusCode).toBe(200);
        const { secret } = set.json();
        expect(secret).toMatch(/^whsec_/);
        const a = (
          await env.app.inject({
            method: 'POST',
            url: '/api/v1/agreements',
            headers: { authorization: consumer },
            payload: request({ system_code: 'VPQH-A', valid_from: '2026-07-02', purpose_code: 'quan-ly-nghiep-vu' }),
          })
        ).json();
        expect(a.status).toBe('submitted');

        expect(await env.platform.notifications.deliverDue()).toBe(1);
        expect(received).toHaveLength(1); // answered 503: retried later
        expect(await env.platform.notifications.deliverDue()).toBe(0); // not due yet
        env.clock.advance(11_000);
        expect(await env.platform.notifications.deliverDue()).toBe(1);
        expect(received).toHaveLength(2);
        const last = received[1]!;
        const expected = signWebhook(secret, String(last.headers['webhook-id']), Number(last.headers['webhook-timestamp']), last.body);
        expect(last.headers['webhook-signature']).toBe(expected);
        expect(JSON.parse(last.body)).toMatchObject({ type: 'agreement.requested', notification: { agency_code: 'BTCTW', ref_id: a.id } });
        const status = (await env.app.inject({ method: 'GET', url: '/api/v1/inbox/webhook', headers: { authorization: custodian } })).json();
        expect(status.deliveries).toEqual({ delivered: 1 });
      } finally {
        server.close();
      }
    });
  });
}
