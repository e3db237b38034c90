import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';
import { settleLogs } from './helpers.ts';

interface Finding {
  id: string;
  rule: string;
  owner_agency: string;
  subject_type: string;
  subject_id: string;
  status: string;
  closed_by: string | null;
  close_reason: string | null;
  closed_automatically: boolean | null;
  acknowledged_by: string | null;
  evidence: { href: string }[];
}

for (const driver of DRIVERS) {
  describe(`[${driver}] reports: compliance findings raised by real situations and closed when fixed (R-18.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());
    const as = (username: string) => w.env.login(username, `mat-khau-${username}-2025`);
    const run = async () => {
      const res = await w.call('POST', '/api/v1/reports/findings/run', await w.env.adminAuth());
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { opened: number; closed: number };
    };
    const findings = async (auth: string, query = '') =>
      ((await w.call('GET', `/api/v1/reports/findings?limit=200${query}`, auth)).json() as { items: Finding[] }).items;
    const of = (items: Finding[], rule: string, subject: string) => items.filter((f) => f.rule === rule && f.subject_id === subject);

    it('nothing is found on a platform that keeps the rules; only the coordinator runs the checks on demand', async () => {
      await run();
      expect(await findings(await w.env.adminAuth(), '&status=open')).toEqual([]);
      const refused = await w.call('POST', '/api/v1/reports/findings/run', await as('kt.vpcp'));
      expect(refused.statusCode).toBe(403);
      expect(refused.json().rule).toBe('R-18.2');
    });

    it('R-13.3: a system lowered below level 3 while holding grants is a finding of its agency; raised back, the finding closes itself with a record', async () => {
      const consumer = await as('kt.vpcp');
      const patch = async (level: number) => {
        const s = await w.call('GET', '/api/v1/systems/VPCP-TK', consumer);
        const res = await w.call('PATCH', '/api/v1/systems/VPCP-TK', consumer, { security_level: level }, { 'if-match': String(s.headers.etag) });
        expect(res.statusCode, res.body).toBe(200);
      };
      await patch(2);
      expect((await run()).opened).toBe(1);
      const [f] = of(await findings(consumer), 'R-13.3', 'VPCP-TK');
      expect(f).toMatchObject({ owner_agency: 'VPCP', subject_type: 'system', status: 'open' });
      expect(f!.evidence.map((e) => e.href)).toContain('/api/v1/systems/VPCP-TK');
      // The owner sees it; another agency does not.
      expect(of(await findings(await as('cq.bnctw')), 'R-13.3', 'VPCP-TK')).toEqual([]);
      // Run again: the same finding, not a second one.
      expect((await run()).opened).toBe(0);

      await patch(3); // back at the approved level 3
      expect((await run()).closed).toBe(1);
      const closed = (await w.call('GET', `/api/v1/reports/findings/${f!.id}`, consumer)).json() as Finding;
      expect(closed).toMatchObject({ status: 'resolved', closed_by: 'system', closed_automatically: true });
      expect(closed.close_reason).toMatch(/Nguyên nhân không còn/);
    });

    it('R-15.4: a force-majeure stop with no notice 24 hours on is a finding of the custodian; the owner acknowledges it; publishing the notice closes it', async () => {
      const custodian = await as('cq.btctw');
      const startedAt = new Date(w.env.clock.now().getTime() - 25 * 3600_000);
      const stop = await w.call('POST', '/api/v1/service-suspensions', custodian, {
        kind: 'force_majeure',
        dataset: 'can-bo-dang-vien',
        starts_at: startedAt.toISOString(),
        reason: 'Mất điện tại trung tâm dữ liệu',
      });
      expect(stop.statusCode, stop.body).toBe(201);
      const id = stop.json().id as string;
      await run();
      const [f] = of(await findings(custodian), 'R-15.4', id);
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'service_suspension', status: 'open' });

      const ack = await w.call('POST', `/api/v1/reports/findings/${f!.id}/acknowledge`, custodian, { reason: 'Đang soạn thông báo' });
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledged_by: 'cq.btctw' });
      const twice = await w.call('POST', `/api/v1/reports/findings/${f!.id}/acknowledge`, custodian, {});
      expect(twice.statusCode).toBe(409);
      // Another agency can neither see nor act on it.
      expect((await w.call('POST', `/api/v1/reports/findings/${f!.id}/acknowledge`, await as('kt.vpcp'), {})).statusCode).toBe(404);

      const notice = await w.call('POST', `/api/v1/service-suspensions/${id}/notice`, custodian, {
        body_vi: 'Dịch vụ sẽ sớm được khôi phục.',
        body_en: 'The service will be restored soon.',
      });
      expect(notice.statusCode, notice.body).toBe(200);
      expect((await run()).closed).toBe(1);
      expect((await w.call('GET', `/api/v1/reports/findings/${f!.id}`, custodian)).json()).toMatchObject({ status: 'resolved', closed_automatically: true });
      await w.call('POST', `/api/v1/service-suspensions/${id}/end`, custodian, { reason: 'Đã khôi phục' });
    });

    it('R-14.1: connection accounts unused for 90 days are findings; one used again, or revoked, closes; the coordinator resolves one saying why', async () => {
      const accounts = w.accounts;
      await w
        .client('VPCP-QLCB', { purpose: 'to-chuc-can-bo' })
        .getRecord('can-bo-dang-vien', 'dv-1')
        .catch(() => undefined);
      await settleLogs(w);
      w.env.clock.advance(91 * 86_400_000);
      await run();
      const open = (await findings(await w.env.adminAuth(), '&rule=R-14.1&status=open')).map((f) => f.subject_id).sort();
      expect(open).toEqual(
        Object.values(accounts)
          .map((a) => a.client_id)
          .sort(),
      );

      // Used again today (counted from the sharing log), its finding closes.
      await w.client('BTCTW-CSDL').putRecord('can-bo-dang-vien', 'dv-1', member(1));
      await settleLogs(w);
      // Revoked, it is no credential any more.
      const revoke = await w.call('POST', `/api/v1/accounts/${accounts['BNCTW-CSDL'].client_id}/revoke`, await as('cq.bnctw'), { reason: 'Không còn sử dụng' });
      expect(revoke.statusCode, revoke.body).toBe(200);
      expect((await run()).closed).toBe(2);
      const still = (await findings(await w.env.adminAuth(), '&rule=R-14.1&status=open')).map((f) => f.subject_id);
      expect(still).not.toContain(accounts['BTCTW-CSDL'].client_id);
      expect(still).not.toContain(accounts['BNCTW-CSDL'].client_id);
      expect(still).toContain(accounts['VPCP-MAT'].client_id);

      // Resolved by a person: who and why are kept.
      const mat = (await findings(await w.env.adminAuth(), '&rule=R-14.1&status=open')).find((f) => f.subject_id === accounts['VPCP-MAT'].client_id)!;
      const empty = await w.call('POST', `/api/v1/reports/findings/${mat.id}/resolve`, await w.env.adminAuth(), {});
      expect(empty.statusCode).toBe(400);
      const resolved = await w.call('POST', `/api/v1/reports/findings/${mat.id}/resolve`, await w.env.adminAuth(), {
        reason: 'Hệ thống dự phòng, chỉ dùng khi có sự cố',
      });
      expect(resolved.json()).toMatchObject({
        status: 'resolved',
        closed_by: 'admin',
        closed_automatically: false,
        close_reason: 'Hệ thống dự phòng, chỉ dùng khi có sự cố',
      });
    });
  });
}
