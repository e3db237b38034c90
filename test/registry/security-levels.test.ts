import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

// Test clock starts on 2026-03-02 (Viet Nam date).
const DECISION = {
  security_level: 3,
  decision_number: '45/QĐ-VPTW',
  decided_on: '2026-02-20',
  issuer: 'Văn phòng Trung ương Đảng',
  document_reference: 'Hồ sơ đề xuất cấp độ số 12/HS-VPCP',
};
const request = (system_code: string) => ({
  dataset_code: 'can-bo-dang-vien',
  system_code,
  purpose_code: 'to-chuc-can-bo',
  purpose_text: 'Tra cứu thông tin cán bộ phục vụ công tác tổ chức',
  legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
  requested_fields: ['member_number', 'full_name'],
  forms: ['api'],
  frequency: 'theo yêu cầu',
  valid_from: '2026-03-02',
  valid_to: '2026-12-31',
});

for (const driver of DRIVERS) {
  describe(`[${driver}] R-13.3: a security level is evidence (a coordinator's decision), not a claim`, () => {
    let env: TestEnv;
    let admin: string;
    let vpcp: string; // consumer admin of Văn phòng Chính phủ, owner of the systems
    let btctw: string; // custodian admin of the dataset asked for
    let vptwApprover: string; // an approver of the Central Party Office: the coordinator's delegate
    let btctwApprover: string; // an approver elsewhere: not a delegate

    beforeAll(async () => {
      env = await startEnv(driver);
      admin = await env.adminAuth();
      vpcp = await env.userAuth('qt.vpcp', 'VPCP', ['consumer_admin']);
      btctw = await env.userAuth('qt.btctw', 'BTCTW', ['custodian_admin']);
      vptwApprover = await env.userAuth('pd.vptw', 'VPTW', ['approver']);
      btctwApprover = await env.userAuth('pd.btctw', 'BTCTW', ['approver']);
      for (const code of ['VPCP-TANG', 'VPCP-DUYET', 'VPCP-CHO']) {
        const r = await call('POST', '/api/v1/systems', vpcp, {
          code,
          agency_code: 'VPCP',
          name_vi: `Hệ thống ${code}`,
          name_en: code,
          security_level: 2,
          zone: 'internet',
        });
        expect(r.statusCode).toBe(201);
      }
    });
    afterAll(() => env.close());

    function call(method: 'GET' | 'POST' | 'PATCH', url: string, authorization: string, payload?: unknown, headers: Record<string, string> = {}) {
      return env.app.inject({ method, url, headers: { authorization, ...headers }, ...(payload !== undefined && { payload: payload as object }) });
    }
    const decide = (code: string, who: string, body: object = DECISION, headers: Record<string, string> = {}) =>
      call('POST', `/api/v1/systems/${code}/security-level-decisions`, who, body, headers);

    it('R-13.3: the owner raising the declared level to 3 does not take effect; it waits for a decision', async () => {
      const raised = await call('PATCH', '/api/v1/systems/VPCP-TANG', vpcp, { security_level: 3 });
      expect(raised.statusCode).toBe(200);
      expect(raised.json()).toMatchObject({
        security_level: 3,
        approved_security_level: null,
        effective_security_level: null,
        security_level_pending: true,
        security_level_decision: null,
        sharing_allowed: false,
        sharing_refusal: { rule: 'R-13.3' },
      });
      expect(raised.json().sharing_refusal.reason).toContain('chưa có quyết định phê duyệt');
      // A new system declared at level 4 is no different.
      const created = await call('POST', '/api/v1/systems', vpcp, {
        code: 'VPCP-MOI',
        agency_code: 'VPCP',
        name_vi: 'Hệ thống mới',
        name_en: 'New system',
        security_level: 4,
        zone: 'internet',
      });
      expect(created.json()).toMatchObject({ effective_security_level: null, security_level_pending: true, sharing_allowed: false });
    });

    it('R-13.3: only the coordinator or an approver of the Central Party Office records the decision', async () => {
      for (const who of [vpcp, btctw, btctwApprover]) {
        const r = await decide('VPCP-TANG', who);
        expect(r.statusCode).toBe(403);
        expect(r.json().rule).toBe('R-13.3');
      }
      const future = await decide('VPCP-TANG', admin, { ...DECISION, decided_on: '2026-03-03' });
      expect(future.statusCode).toBe(400);
      expect(future.json().errors[0].path).toBe('/decided_on');
      const missing = await decide('VPCP-TANG', admin, { security_level: 3 });
      expect(missing.statusCode).toBe(400);
      expect((await decide('KHONG-CO', admin)).statusCode).toBe(404);
      expect((await call('GET', '/api/v1/systems/VPCP-TANG', vpcp)).json().security_level_pending).toBe(true);
    });

    it("R-13.3: the coordinator's decision makes the level effective, and the system may share", async () => {
      const stale = await decide('VPCP-TANG', admin, DECISION, { 'if-match': '"1"' });
      expect(stale.statusCode).toBe(412);
      const approved = await decide('VPCP-TANG', admin);
      expect(approved.statusCode).toBe(201);
      expect(approved.json()).toMatchObject({
        security_level: 3,
        approved_security_level: 3,
        effective_security_level: 3,
        security_level_pending: false,
        sharing_allowed: true,
        sharing_refusal: null,
        security_level_decision: { ...DECISION, system_code: 'VPCP-TANG', recorded_by: 'admin' },
      });
      expect((await call('POST', '/api/v1/agreements', vpcp, request('VPCP-TANG'))).statusCode).toBe(201);

      // The delegate records one too; raising the declared level above the approved one keeps the approved one in effect.
      await call('PATCH', '/api/v1/systems/VPCP-DUYET', vpcp, { security_level: 4 });
      expect((await decide('VPCP-DUYET', vptwApprover, { ...DECISION, decision_number: '46/QĐ-VPTW' })).json()).toMatchObject({
        approved_security_level: 3,
        effective_security_level: 3,
        security_level_pending: true,
        sharing_allowed: true,
      });
      // Lowering the declared level is believed at once.
      expect((await call('PATCH', '/api/v1/systems/VPCP-DUYET', vpcp, { security_level: 2 })).json()).toMatchObject({
        effective_security_level: 2,
        sharing_allowed: false,
      });
    });

    it('R-13.3: a grant to a system whose level 3 has no approving decision is refused, at request and at approval', async () => {
      await call('PATCH', '/api/v1/systems/VPCP-CHO', vpcp, { security_level: 3 });
      const refused = await call('POST', '/api/v1/agreements', vpcp, request('VPCP-CHO'));
      expect(refused.statusCode).toBe(422);
      expect(refused.json().rule).toBe('R-13.3');

      // Asked for while approved; the approval is lowered by a new decision before the custodian grants.
      await decide('VPCP-CHO', admin);
      const asked = await call('POST', '/api/v1/agreements', vpcp, { ...request('VPCP-CHO'), purpose_code: 'kiem-tra-giam-sat' });
      expect(asked.statusCode).toBe(201);
      await decide('VPCP-CHO', admin, { ...DECISION, security_level: 2, decision_number: '47/QĐ-VPTW' });
      const atApproval = await call('POST', `/api/v1/agreements/${asked.json().id}/approve`, btctw, {});
      expect(atApproval.statusCode).toBe(422);
      expect(atApproval.json().rule).toBe('R-13.3');
    });

    it("R-13.3: the system's history records each decision with its number, date, issuer and document", async () => {
      const history = (await call('GET', '/api/v1/systems/VPCP-TANG/history', vpcp)).json();
      const entry = history.find((h: { action: string }) => h.action === 'security_level_decision');
      expect(entry).toMatchObject({
        actor: 'admin',
        reason: '45/QĐ-VPTW',
        changes: {
          approved_security_level: { from: null, to: 3 },
          decision_number: { from: null, to: '45/QĐ-VPTW' },
          decided_on: { from: null, to: '2026-02-20' },
          issuer: { from: null, to: 'Văn phòng Trung ương Đảng' },
          document_reference: { from: null, to: DECISION.document_reference },
        },
      });
      const decisions = (await call('GET', '/api/v1/systems/VPCP-CHO/security-level-decisions', vpcp)).json();
      expect(decisions.map((d: { decision_number: string; security_level: number }) => [d.decision_number, d.security_level])).toEqual([
        ['47/QĐ-VPTW', 2],
        ['45/QĐ-VPTW', 3],
      ]);
      expect((await call('GET', '/api/v1/systems/VPCP-CHO/security-level-decisions', btctw)).statusCode).toBe(404);
    });
  });
}
