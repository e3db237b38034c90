import { describe, expect, it } from 'vitest';
import { calendarReader } from '../../src/calendar/service.ts';
import { Problem } from '../../src/core/errors.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { Database, Queryable } from '../../src/db/database.ts';
import type { Agreements } from '../../src/agreements/index.ts';
import type { NotificationService } from '../../src/notifications/index.ts';
import type { Principal, Role } from '../../src/registry/index.ts';
import {
  type ConsumerSuspension,
  type ConsumerSuspensionView,
  consumerNoticeDueAt,
  createConsumerSuspensions,
  remedyEligibleFrom,
} from '../../src/lifecycle/consumer-suspensions.ts';
import { createServiceSuspensions, inForce } from '../../src/lifecycle/service-suspensions.ts';
import type { Catalog } from '../../src/catalog/index.ts';
import { createTerminations } from '../../src/lifecycle/termination.ts';

/**
 * The lifecycle's rules on their own, over the computed calendar and stand-ins for the database and
 * the other modules: the deadlines (R-15.3, R-15.4, R-15.5, R-16.1(đ)), who may act, and which
 * ground of termination is open. The end-to-end tests beside this one prove the same through the
 * API; these run in milliseconds, so every mutant of the rules is tried against them (docs/MUTATION.md).
 */
const calendar = calendarReader(async () => new Map());
const vn = (local: string) => new Date(`${local}+07:00`);

const principal = (agencyCode: string, ...roles: Role[]): Principal => ({
  userId: agencyCode,
  username: `qt.${agencyCode.toLowerCase()}`,
  fullName: agencyCode,
  agencyCode,
  roles,
  sessionId: 's',
  sessionExpiresAt: new Date('2100-01-01T00:00:00Z'),
});

/** A database answering every SELECT with `row`, every UPDATE with `row` changed by `update`. */
function fakeDb(row: ConsumerSuspension, update: (r: ConsumerSuspension) => ConsumerSuspension = (r) => r) {
  const writes: string[] = [];
  const params: unknown[][] = [];
  const q: Queryable = {
    async query<T>(sql: string, values: unknown[] = []) {
      const verb = sql.trim().split(/\s/)[0]!;
      if (verb === 'SELECT') return { rows: [row] as T[], rowCount: 1 };
      writes.push(verb);
      params.push(values);
      if (verb === 'UPDATE') return { rows: [update(row)] as T[], rowCount: 1 };
      return { rows: [] as T[], rowCount: 1 };
    },
  };
  const db = { ...q, transaction: (fn: (tx: Queryable) => Promise<unknown>) => fn(q) } as unknown as Database;
  return { db, writes, params };
}

function suspension(over: Partial<ConsumerSuspension> = {}): ConsumerSuspension {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    reference: 'TN-2025-00001',
    agreement_id: '00000000-0000-4000-8000-0000000000a1',
    dataset_code: 'ds',
    system_code: 'BNCTW-QL',
    consumer_code: 'BNCTW',
    custodian_code: 'BTCTW',
    ground: 'purpose_violation',
    violation: 'v',
    handling: 'h',
    requirements: 'r',
    found_at: vn('2025-04-04T10:00:00'),
    notice_due_at: vn('2025-04-09T00:00:00'),
    notified_at: vn('2025-04-04T11:00:00'),
    restored_at: null,
    restore_reason: null,
    remedied_at: null,
    remedied_by: null,
    remedied_by_agency: null,
    remedy_evidence: null,
    created_by: 'qt.btctw',
    created_at: vn('2025-04-04T11:00:00'),
    version: 1,
    ...over,
  };
}

function consumerSuspensions(row: ConsumerSuspension, now: Date, received: Date | null) {
  const notified: string[] = [];
  const payloads: unknown[] = [];
  const { db, writes, params } = fakeDb(row, (r) => ({ ...r, remedied_at: now, remedied_by: 'x' }));
  const notifications = {
    async receivedAt(_kind: string, ids: string[]) {
      return new Map(received ? ids.map((id) => [id, received]) : []);
    },
    async notify(_tx: Queryable, n: { agency: string; payload: unknown }) {
      notified.push(n.agency);
      payloads.push(n.payload);
    },
  } as unknown as NotificationService;
  const agreements = { invalidate() {} } as unknown as Agreements;
  const service = createConsumerSuspensions(db, new ManualClock(now), { agreements, notifications, calendar });
  return { service, notified, writes, params, payloads };
}

const coordinator = principal('VPTW', 'coordinator');

/** The refusal `p` ends in, as the API would answer it. */
async function refusal(p: Promise<unknown>): Promise<Record<string, unknown>> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof Problem)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e.body('/', 'test');
}

describe('lifecycle rules without a database', () => {
  it('R-15.5: the consumer notice is due by 24:00 of the day after the violation is determined (Vietnam date), moved past days off', async () => {
    // Monday 14/4/2025: due at the end of Tuesday.
    expect((await consumerNoticeDueAt(calendar, vn('2025-04-14T10:00:00'))).toISOString()).toBe(vn('2025-04-16T00:00:00').toISOString());
    // 23:30 on Monday in Viet Nam is still Monday there (16:30 UTC).
    expect((await consumerNoticeDueAt(calendar, vn('2025-04-14T23:30:00'))).toISOString()).toBe(vn('2025-04-16T00:00:00').toISOString());
    // 00:30 on Tuesday in Viet Nam is Monday in UTC: Tuesday counts.
    expect((await consumerNoticeDueAt(calendar, vn('2025-04-15T00:30:00'))).toISOString()).toBe(vn('2025-04-17T00:00:00').toISOString());
    // Friday 4/4/2025: Saturday, Sunday and the Hùng Kings holiday (Monday 7/4) are skipped.
    expect((await consumerNoticeDueAt(calendar, vn('2025-04-04T10:00:00'))).toISOString()).toBe(vn('2025-04-09T00:00:00').toISOString());
  });

  it('R-16.1(đ): termination on ground (đ) opens the day after the 30 days from receipt end, the end moved past days off', async () => {
    // Received 3/3/2025: the 30th day is Wednesday 2/4.
    expect(await remedyEligibleFrom(calendar, vn('2025-03-03T10:00:00'))).toBe('2025-04-03');
    // Received 23:00 on 3/3 in Viet Nam (16:00 UTC): still 3/3.
    expect(await remedyEligibleFrom(calendar, vn('2025-03-03T23:00:00'))).toBe('2025-04-03');
    // Received 1/4/2025: the 30th day is 1/5, a holiday; the period ends on Friday 2/5.
    expect(await remedyEligibleFrom(calendar, vn('2025-04-01T10:00:00'))).toBe('2025-05-03');
  });

  it('R-15.3, R-15.4: a planned window is in force from its start until its announced restoration; a force-majeure stop until it is ended', () => {
    const planned = { kind: 'planned' as const, starts_at: vn('2025-05-10T08:00:00'), expected_restore_at: vn('2025-05-10T12:00:00'), ended_at: null };
    expect(inForce(planned, vn('2025-05-10T07:59:59'))).toBe(false);
    expect(inForce(planned, vn('2025-05-10T08:00:00'))).toBe(true);
    expect(inForce(planned, vn('2025-05-10T11:59:59'))).toBe(true);
    expect(inForce(planned, vn('2025-05-10T12:00:00'))).toBe(false);
    expect(inForce({ ...planned, ended_at: vn('2025-05-10T09:00:00') }, vn('2025-05-10T08:59:59'))).toBe(true);
    expect(inForce({ ...planned, ended_at: vn('2025-05-10T09:00:00') }, vn('2025-05-10T09:00:00'))).toBe(false);
    const stop = { ...planned, kind: 'force_majeure' as const };
    expect(inForce(stop, vn('2025-05-11T00:00:00'))).toBe(true);
    expect(inForce({ ...stop, expected_restore_at: null }, vn('2025-05-11T00:00:00'))).toBe(true);
    expect(inForce({ ...stop, ended_at: vn('2025-05-11T00:00:00') }, vn('2025-05-11T00:00:00'))).toBe(false);
    expect(inForce({ ...planned, expected_restore_at: null }, vn('2025-05-11T00:00:00'))).toBe(true);
  });

  it('R-16.1(đ): where the 30 days stand — not received, running to the eve of eligibility, expired on the day, closed by a remedy or a restoration', async () => {
    const received = vn('2025-03-03T10:00:00');
    const status = async (row: ConsumerSuspension, now: Date, r: Date | null) => {
      const v = await consumerSuspensions(row, now, r).service.get(coordinator, row.id);
      return [v.remedy_status, v.termination_eligible_from, v.received_at];
    };
    const row = suspension({ found_at: vn('2025-02-28T10:00:00'), notice_due_at: vn('2025-03-04T00:00:00'), notified_at: vn('2025-02-28T11:00:00') });
    expect(await status(row, vn('2025-04-10T10:00:00'), null)).toEqual(['not_received', null, null]);
    expect(await status(row, vn('2025-04-02T23:59:59'), received)).toEqual(['running', '2025-04-03', received]);
    expect(await status(row, vn('2025-04-03T00:00:00'), received)).toEqual(['expired', '2025-04-03', received]);
    expect(await status({ ...row, remedied_at: vn('2025-03-20T00:00:00') }, vn('2025-04-10T00:00:00'), received)).toEqual(['remedied', null, received]);
    const restored = { ...row, remedied_at: vn('2025-03-20T00:00:00'), restored_at: vn('2025-03-21T00:00:00') };
    expect(await status(restored, vn('2025-04-10T00:00:00'), received)).toEqual(['restored', null, received]);
    expect(await status({ ...row, restored_at: vn('2025-03-21T00:00:00') }, vn('2025-04-10T00:00:00'), received)).toEqual(['restored', null, received]);
  });

  it('R-15.5, R-15.3: a notice is late only after its due time; each deadline says which computed days it rests on', async () => {
    const row = suspension();
    const view = (r: ConsumerSuspension, received: Date | null) => consumerSuspensions(r, vn('2025-04-10T00:00:00'), received).service.get(coordinator, r.id);
    expect((await view(row, null)).notice_late).toBe(false);
    expect((await view({ ...row, notified_at: row.notice_due_at }, null)).notice_late).toBe(false);
    expect((await view({ ...row, notified_at: new Date(row.notice_due_at.getTime() + 1) }, null)).notice_late).toBe(true);
    const v = await view(row, vn('2025-03-08T10:00:00'));
    // Found Friday 4/4, due at the end of Tuesday 8/4: the Hùng Kings day is computed, not announced.
    expect(v.deadline_calendar.notice_due_at).toEqual({ depends_on_computed_days: true, computed_days: ['2025-04-07'], unannounced_years: [] });
    expect(v.deadline_basis.notice_due_at.requirement).toBe('R-15.5');
    expect(v.deadline_basis.termination_eligible_from.requirement).toBe('R-16.1(đ)');
    // Received 8/3: the 30th day, 7/4, is the (computed) Hùng Kings day and the period runs to 8/4.
    expect(v.termination_eligible_from).toBe('2025-04-09');
    expect(v.deadline_calendar.termination_eligible_from?.computed_days).toEqual(['2025-04-07']);
    expect((await view(row, null)).deadline_calendar.termination_eligible_from).toBeNull();
    // Found on Sunday 6/4/2025: the computed holiday the day after the finding is in the notice's basis.
    const sunday = suspension({ found_at: vn('2025-04-06T10:00:00'), notice_due_at: vn('2025-04-09T00:00:00') });
    expect((await view(sunday, null)).deadline_calendar.notice_due_at.computed_days).toEqual(['2025-04-07']);
    // Found Wednesday 14/4/2027, due at the end of Thursday: the (computed) Hùng Kings day 16/4 is after the period.
    const y2027 = suspension({ found_at: vn('2027-04-14T10:00:00'), notice_due_at: vn('2027-04-16T00:00:00') });
    const v27 = await view(y2027, vn('2027-03-16T10:00:00'));
    expect(v27.deadline_calendar.notice_due_at).toEqual({ depends_on_computed_days: true, computed_days: [], unannounced_years: [2027] });
    // Received 16/3/2027: the 30 days end on Thursday 15/4; the holiday on the 16th, the first day of ground (đ), is not in the period.
    expect(v27.termination_eligible_from).toBe('2027-04-16');
    expect(v27.deadline_calendar.termination_eligible_from).toEqual({ depends_on_computed_days: true, computed_days: [], unannounced_years: [2027] });
    expect((await view({ ...row, remedied_at: vn('2025-04-05T00:00:00') }, vn('2025-04-01T10:00:00'))).deadline_calendar.termination_eligible_from).toBeNull();
  });

  it('R-16.1(đ): only the consumer or the custodian sees a suspension and records its remedy, with evidence, once; the other side is told', async () => {
    const row = suspension();
    const now = vn('2025-04-10T00:00:00');
    const other = principal('VPCP', 'consumer_admin');
    expect(await refusal(consumerSuspensions(row, now, null).service.get(other, row.id))).toMatchObject({ status: 404 });
    expect(await refusal(consumerSuspensions(row, now, null).service.remedied(other, row.id, 'Đã sửa'))).toMatchObject({ status: 404 });
    for (const who of [principal('BNCTW', 'approver'), principal('BNCTW', 'custodian_admin'), principal('BTCTW', 'consumer_admin')]) {
      expect(await refusal(consumerSuspensions(row, now, null).service.remedied(who, row.id, 'Đã sửa'))).toMatchObject({ status: 403, rule: 'R-16.1' });
    }
    expect(await refusal(consumerSuspensions(row, now, null).service.remedied(principal('BNCTW', 'consumer_admin'), row.id, '  '))).toMatchObject({
      status: 400,
      rule: 'R-16.1',
    });
    for (const [who, told] of [
      [principal('BNCTW', 'consumer_admin'), ['BTCTW']],
      [principal('BTCTW', 'custodian_admin'), ['BNCTW']],
      [coordinator, ['BTCTW', 'BNCTW']],
    ] as const) {
      const s = consumerSuspensions(row, now, null);
      const v = await s.service.remedied(who, row.id, ' Đã sửa ');
      expect(v.remedy_status).toBe('remedied');
      expect(s.notified).toEqual(told);
      expect(s.writes).toEqual(['UPDATE', 'INSERT']);
      // The evidence is recorded trimmed, and the other side is told what was remedied and by whom.
      expect(s.params[0]!.slice(2)).toEqual([who.username, who.agencyCode, 'Đã sửa']);
      expect(s.params[1]).toContain('Đã sửa');
      expect(JSON.stringify(s.params[1])).toContain('TN-2025-00001');
      expect(s.payloads[0]).toEqual({ reference: 'TN-2025-00001', evidence: 'Đã sửa', remedied_by: who.username });
    }
    for (const done of [{ remedied_at: now }, { restored_at: now }]) {
      expect(
        await refusal(consumerSuspensions(suspension(done), now, null).service.remedied(principal('BNCTW', 'consumer_admin'), row.id, 'Đã sửa')),
      ).toMatchObject({ status: 409 });
    }
    // Not yet restored: restoration goes on to the agreement (absent here), it is not refused.
    expect(
      await consumerSuspensions(row, now, null)
        .service.restore(coordinator, row.id, 'x')
        .catch((e: unknown) => e),
    ).toBeInstanceOf(TypeError);
    expect(await refusal(consumerSuspensions(suspension({ restored_at: now }), now, null).service.restore(coordinator, row.id, 'x'))).toMatchObject({
      status: 409,
    });
  });

  describe('R-16.1: the grounds of termination', () => {
    const agreementId = '00000000-0000-4000-8000-0000000000a1';
    function terminations(open: Partial<ConsumerSuspensionView> | null, stop: string | null) {
      const told: string[] = [];
      const payloads: unknown[] = [];
      const lifecycle: unknown[][] = [];
      const { db } = fakeDb(suspension());
      const agreements = {
        invalidate() {},
        service: {
          async get() {
            return { id: agreementId, dataset_code: 'ds', status: 'active' };
          },
          async lifecycle(...args: unknown[]) {
            lifecycle.push(args);
            return { id: agreementId, dataset_code: 'ds', system_code: 'BNCTW-QL', consumer_code: 'BNCTW', custodian_code: 'BTCTW', status: 'terminated' };
          },
        },
      } as unknown as Agreements;
      const notifications = {
        async notify(_tx: Queryable, n: { agency: string; payload: unknown }) {
          told.push(n.agency);
          payloads.push(n.payload);
        },
      } as unknown as NotificationService;
      const t = createTerminations(db, new ManualClock(vn('2025-04-10T10:00:00')), {
        agreements,
        notifications,
        openSuspension: async () => (open ? ({ reference: 'TN-2025-00001', ...open } as ConsumerSuspensionView) : null),
        forceMajeureStop: async () => stop,
      });
      return { t, told, lifecycle, payloads };
    }
    const eligible = async (open: Partial<ConsumerSuspensionView> | null, stop: string | null) =>
      Object.fromEntries((await terminations(open, stop).t.eligibility(coordinator, agreementId)).grounds.map((g) => [g.ground, g.eligible]));

    it('R-16.1(b), (đ): (b) only during a force-majeure stop, (đ) only once the 30 days expired; (a), (c), (d) need their evidence', async () => {
      expect(await eligible(null, null)).toEqual({ a: true, b: false, c: true, d: true, đ: false });
      expect(await eligible({ remedy_status: 'expired' }, 'SC-2025-00001')).toEqual({ a: true, b: true, c: true, d: true, đ: true });
      for (const s of ['running', 'not_received', 'remedied', 'restored'] as const) expect((await eligible({ remedy_status: s }, null)).đ).toBe(false);
      const e = await terminations(
        { remedy_status: 'running', termination_eligible_from: '2025-04-20', received_at: vn('2025-03-21T00:00:00') },
        'SC-1',
      ).t.eligibility(coordinator, agreementId);
      expect(e.today).toBe('2025-04-10');
      expect(e.grounds.find((g) => g.ground === 'b')).toMatchObject({ rests_on: 'SC-1', evidence_required: false });
      expect(e.grounds.find((g) => g.ground === 'đ')).toMatchObject({
        received_at: vn('2025-03-21T00:00:00'),
        remedied_at: null,
        eligible_from: '2025-04-20',
        suspension: 'TN-2025-00001',
        remedy_status: 'running',
        rests_on: 'TN-2025-00001',
        evidence_required: false,
      });
      for (const g of ['a', 'c', 'd']) expect(e.grounds.find((x) => x.ground === g)).toMatchObject({ evidence_required: true, rests_on: null });
      expect(e.grounds.find((g) => g.ground === 'a')).not.toHaveProperty('suspension');
    });

    it('R-16.1: a ground that does not apply is refused with its reason and the date it opens; nothing is terminated', async () => {
      const refused = async (open: Partial<ConsumerSuspensionView> | null, ground: 'a' | 'b' | 'đ', evidence?: string) => {
        const x = terminations(open, null);
        const err = await refusal(x.t.terminate(coordinator, agreementId, ground, 'Lý do', evidence));
        expect(x.lifecycle).toEqual([]);
        return err as { status: number; rule: string; detail: string; eligible_from: string | null; remedy_status: string | null };
      };
      expect(await refused(null, 'a')).toMatchObject({ status: 400, rule: 'R-16.1' });
      expect(await refused(null, 'a', '  ')).toMatchObject({ status: 400, rule: 'R-16.1' });
      expect(await refused(null, 'b')).toMatchObject({ status: 422, rule: 'R-16.1' });
      expect((await refused(null, 'b')).detail).toContain('bất khả kháng');
      expect((await refused(null, 'đ')).detail).toContain('Điều 15 khoản 2');
      expect((await refused({ remedy_status: 'remedied' }, 'đ')).detail).toContain('đã khắc phục');
      expect((await refused({ remedy_status: 'not_received' }, 'đ')).detail).toContain('chưa nhận được');
      const running = await refused({ remedy_status: 'running', termination_eligible_from: '2025-05-03', received_at: vn('2025-04-01T10:00:00') }, 'đ');
      expect(running).toMatchObject({ status: 422, eligible_from: '2025-05-03', remedy_status: 'running', received_at: vn('2025-04-01T10:00:00') });
      const remedied = vn('2025-04-02T10:00:00');
      expect((await terminations({ remedy_status: 'remedied', remedied_at: remedied }, null).t.eligibility(coordinator, agreementId)).grounds[4]).toMatchObject(
        {
          remedied_at: remedied,
        },
      );
      expect(running.detail).toContain('03/05/2025');
      expect((await refused({ remedy_status: 'restored' }, 'đ')).detail).toContain('Điều 15 khoản 2');
    });

    it('R-16.1, R-16.3: a termination rests on its evidence or on what the ground rests on, and the consumer, the custodian and the coordinator are told', async () => {
      const x = terminations(null, null);
      const out = await x.t.terminate(coordinator, agreementId, 'c', 'Theo đề nghị', ' CV-12/2025 ');
      expect(out).toMatchObject({ ground: 'c', evidence: 'CV-12/2025', reason: 'Theo đề nghị' });
      expect(x.lifecycle[0]!.slice(2, 6)).toEqual([agreementId, 'terminate', 'Theo đề nghị', { ground: 'c', evidence: 'CV-12/2025' }]);
      expect(x.told).toEqual(['BNCTW', 'BTCTW', 'VPTW']);
      // each party is told the ground, its text, the evidence and the reason.
      expect(x.payloads[0]).toMatchObject({ ground: 'c', ground_vi: 'Theo yêu cầu của cơ quan có thẩm quyền', evidence: 'CV-12/2025', reason: 'Theo đề nghị' });
      const y = terminations({ remedy_status: 'expired' }, null);
      expect(await y.t.terminate(coordinator, agreementId, 'đ', 'Không khắc phục')).toMatchObject({ ground: 'đ', evidence: 'TN-2025-00001' });
      const z = terminations(null, 'SC-2025-00009');
      expect(await z.t.terminate(coordinator, agreementId, 'b', 'Không khôi phục được')).toMatchObject({ ground: 'b', evidence: 'SC-2025-00009' });
    });
  });

  describe('R-15.3, R-15.4: stops of a service', () => {
    function stops(now: Date, openStops = 0) {
      const told: string[] = [];
      let last: Record<string, unknown> = {};
      const q: Queryable = {
        async query<T>(sql: string, params: unknown[] = []) {
          const rows = ((): unknown[] => {
            if (sql.includes('nextval')) return [{ n: 1 }];
            if (sql.startsWith('INSERT INTO public_notices') || sql.startsWith('SELECT * FROM public_notices'))
              return [{ id: 'n1', reference: 'TB-2025-00001', published_at: now }];
            if (sql.startsWith('SELECT 1 FROM service_suspensions')) return Array.from({ length: openStops }, () => ({}));
            if (sql.startsWith('INSERT INTO service_suspensions')) {
              const [id, dataset_code, custodian_code, reason, starts_at, expected_restore_at] = params;
              const planned = sql.includes("'planned'");
              last = {
                id,
                kind: planned ? 'planned' : 'force_majeure',
                dataset_code,
                custodian_code,
                reason,
                starts_at,
                expected_restore_at,
                notice_id: planned ? params[6] : null,
                notice_due_at: planned ? null : params[6],
                ended_at: null,
              };
              return [last];
            }
            if (sql.startsWith('UPDATE service_suspensions SET notice_id')) return [{ ...last, notice_id: params[1] }];
            return [];
          })();
          return { rows: rows as T[], rowCount: rows.length };
        },
      };
      const db = { ...q, transaction: (fn: (tx: Queryable) => Promise<unknown>) => fn(q) } as unknown as Database;
      const catalog = {
        datasets: { get: async (code: string) => ({ code, custodian_code: 'BTCTW', name_vi: 'Dữ liệu', name_en: 'Data' }) },
      } as unknown as Catalog;
      const notifications = {
        async notify(_tx: Queryable, n: { agency: string }) {
          told.push(n.agency);
        },
      } as unknown as NotificationService;
      const s = createServiceSuspensions(db, new ManualClock(now), {
        catalog,
        calendar,
        notifications,
        consumersOf: async () => ['BNCTW'],
        onChange() {},
      });
      return { s, told };
    }
    const custodian = principal('BTCTW', 'custodian_admin');
    // Announced on Friday 4/4/2025: the 7th working day after is Wednesday 16/4 (Monday 7/4 is a holiday).
    const announced = vn('2025-04-04T10:00:00');
    const window = (start: string) => ({
      dataset: 'ds',
      starts_at: vn(start),
      expected_restore_at: new Date(vn(start).getTime() + 4 * 3600_000),
      reason: 'Bảo trì',
    });

    it('R-15.3: a planned stop starts at the earliest the day after the 7th working day after its announcement (Vietnam date)', async () => {
      expect(await stops(announced).s.plannedStartWindow()).toMatchObject({
        today: '2025-04-04',
        last_notice_day: '2025-04-16',
        earliest_start: '2025-04-17',
        deadline_calendar: { computed_days: ['2025-04-07'] },
      });
      expect(await stops(announced).s.earliestPlannedStart(announced)).toBe('2025-04-17');
      const late = await refusal(stops(announced).s.schedule(custodian, window('2025-04-16T23:30:00')));
      expect(late).toMatchObject({ status: 422, rule: 'R-15.3', earliest_start: '2025-04-17', deadline_calendar: { computed_days: ['2025-04-07'] } });
      const x = stops(announced);
      const ok = await x.s.schedule(custodian, window('2025-04-17T00:00:00'));
      expect(ok).toMatchObject({ kind: 'planned', notice: { reference: 'TB-2025-00001' }, notice_overdue: false, in_force: false, deadline_basis: {} });
      expect(x.told).toEqual(['BNCTW']);
      // Announced 6/4/2027: the 7th working day is Thursday 15/4; the (computed) Hùng Kings day 16/4 is the earliest start, not a notice day.
      const y = await refusal(stops(vn('2027-04-06T10:00:00')).s.schedule(custodian, window('2027-04-15T08:00:00')));
      expect(y).toMatchObject({ earliest_start: '2027-04-16', deadline_calendar: { computed_days: [], unannounced_years: [2027] } });
    });

    it('R-15.1, R-15.3: only the custodian schedules, with a restoration time after the start', async () => {
      for (const who of [principal('BNCTW', 'custodian_admin'), principal('BTCTW', 'approver')]) {
        expect(await refusal(stops(announced).s.schedule(who, window('2025-04-20T08:00:00')))).toMatchObject({ status: 403, rule: 'R-15.1' });
      }
      const w = window('2025-04-20T08:00:00');
      expect(await refusal(stops(announced).s.schedule(custodian, { ...w, expected_restore_at: new Date(Number.NaN) }))).toMatchObject({
        status: 400,
        rule: 'R-15.3',
      });
      expect(await refusal(stops(announced).s.schedule(custodian, { ...w, expected_restore_at: w.starts_at }))).toMatchObject({ status: 400 });
    });

    it('R-15.4: a force-majeure stop has already happened; its notice is due 24 hours after it, and is late after that', async () => {
      const now = vn('2025-04-10T10:00:00');
      const hours = (h: number) => new Date(now.getTime() - h * 3600_000);
      expect(await refusal(stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: new Date(now.getTime() + 1), reason: 'x' }))).toMatchObject({
        status: 400,
        rule: 'R-15.1',
      });
      expect(await refusal(stops(now, 1).s.recordStop(custodian, { dataset: 'ds', started_at: hours(1), reason: 'x' }))).toMatchObject({ status: 409 });
      expect(await refusal(stops(now).s.recordStop(principal('BNCTW', 'custodian_admin'), { dataset: 'ds', started_at: hours(1), reason: 'x' }))).toMatchObject(
        {
          status: 403,
        },
      );
      expect((await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: now, reason: 'x' })).in_force).toBe(true);
      const restoreAt = vn('2025-04-11T08:00:00');
      expect(
        (await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(1), reason: 'x', expected_restore_at: restoreAt })).expected_restore_at,
      ).toEqual(restoreAt);
      const recent = await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(23), reason: 'Mất điện' });
      expect(recent).toMatchObject({ kind: 'force_majeure', notice_overdue: false, in_force: true, notice: null });
      expect(recent.notice_due_at!.toISOString()).toBe(hours(-1).toISOString());
      expect(recent.deadline_basis.notice_due_at?.requirement).toBe('R-15.4');
      expect((await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(24), reason: 'x' })).notice_overdue).toBe(false);
      expect((await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(25), reason: 'x' })).notice_overdue).toBe(true);
      // Published with the record: late only when published after the 24 hours.
      const text = { body_vi: 'Đang khắc phục', body_en: 'Being fixed' };
      const x = stops(now);
      const onTime = await x.s.recordStop(custodian, { dataset: 'ds', started_at: hours(23), reason: 'x', publish_notice: text });
      expect(onTime).toMatchObject({ notice_overdue: false, notice: { reference: 'TB-2025-00001' } });
      expect(x.told).toEqual(['BNCTW']);
      expect((await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(25), reason: 'x', publish_notice: text })).notice_overdue).toBe(true);
      // Published at the 24th hour exactly: on time.
      expect((await stops(now).s.recordStop(custodian, { dataset: 'ds', started_at: hours(24), reason: 'x', publish_notice: text })).notice_overdue).toBe(
        false,
      );
    });
  });
});
