import { Problem, PROBLEMS, conflict, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { VIETNAM_TODAY, formatIsoDate, formatVietnamTime, vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Agreements } from '../agreements/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import { COORDINATOR_AGENCY } from '../registry/index.ts';
import { type DeadlineBasis, type DeadlineCalendar, plusDays } from './calendar-port.ts';
import { recordEvent } from './events.ts';

/** the consumer is told "at the latest 1 day from when the violation is determined" — a period in days. */
export const CONSUMER_NOTICE_DAYS = 1;
/** R-16.1(đ): termination once a violation is unremedied this many days after its notice. */
export const REMEDY_DAYS = 30;

export const GROUNDS = ['purpose_violation', 'security_risk'] as const;
/** R-16.1 (a)–(đ). */
export const TERMINATION_GROUNDS = ['a', 'b', 'c', 'd', 'đ'] as const;
const GROUND_TEXT: Record<(typeof TERMINATION_GROUNDS)[number], [string, string]> = {
  a: ['Mục đích khai thác không còn phù hợp với mục đích đã được phê duyệt', 'The purpose of use no longer matches the approved purpose'],
  b: ['Không thể khôi phục kết nối', 'The connection cannot be restored'],
  c: ['Theo yêu cầu của cơ quan có thẩm quyền', 'At the request of a competent authority'],
  d: ['Bên khai thác không còn nhu cầu hoặc thoả thuận đã hết hạn', 'The consumer no longer needs it, or the agreement expired'],
  đ: ['Bên khai thác không khắc phục vi phạm trong 30 ngày kể từ ngày được thông báo', 'The consumer did not remedy a violation within 30 days of notice'],
};

export interface ConsumerSuspension {
  id: string;
  reference: string;
  agreement_id: string;
  dataset_code: string;
  system_code: string;
  consumer_code: string;
  custodian_code: string;
  ground: (typeof GROUNDS)[number];
  violation: string;
  handling: string;
  requirements: string;
  found_at: Date;
  notice_due_at: Date;
  notified_at: Date;
  restored_at: Date | null;
  restore_reason: string | null;
  created_by: string;
  created_at: Date;
  version: number;
}

export interface ConsumerSuspensionView extends ConsumerSuspension {
  /** the notice went out later than 1 day after the finding. */
  notice_late: boolean;
  /** R-16.1(đ): from this date (Vietnam) the agreement may be terminated on ground đ, unless restored. */
  termination_eligible_from: string | null;
  /** whether these deadlines rest on computed, not announced, days of the calendar. */
  deadline_calendar: { notice_due_at: DeadlineBasis; termination_eligible_from: DeadlineBasis | null };
}

export interface SuspendInput {
  agreement_id: string;
  ground: (typeof GROUNDS)[number];
  violation: string;
  handling: string;
  requirements: string;
  found_at: Date;
}

const COLUMNS = `id, reference, agreement_id, dataset_code, system_code, consumer_code, custodian_code, ground, violation, handling, requirements,
  found_at, notice_due_at, notified_at, restored_at, restore_reason, created_by, created_at, version`;

/**
 * Civil Code (Bộ luật Dân sự 2015) Art. 147–148: a period counted in days starts on the
 * day after the violation is determined (a Vietnam date) and ends at 24:00 of its last day, moved
 * to the next working day when that day is a day off. "Found Monday 10:00, notified Tuesday 15:00"
 * is on time; found on a Friday, the notice is due by the end of Monday. The instant returned is
 * that 24:00 — midnight at the start of the following day in Viet Nam.
 */
export async function consumerNoticeDueAt(calendar: DeadlineCalendar, foundAt: Date): Promise<Date> {
  const lastDay = await calendar.addDays(vietnamDate(foundAt), CONSUMER_NOTICE_DAYS);
  return new Date(`${plusDays(lastDay, 1)}T00:00:00+07:00`);
}

/**
 * R-16.1(đ), Civil Code Art. 147–148: the 30 days to remedy run from the day after the notice (a
 * Vietnam date); a period ending on a day off ends on the next working day; termination on ground
 * (đ) is possible from the day after the period ends.
 */
export async function remedyEligibleFrom(calendar: DeadlineCalendar, notifiedAt: Date): Promise<string> {
  return plusDays(await calendar.addDays(vietnamDate(notifiedAt), REMEDY_DAYS), 1);
}

export function createConsumerSuspensions(
  db: Database,
  clock: Clock,
  deps: {
    agreements: Agreements;
    notifications: NotificationService;
    calendar: DeadlineCalendar;
    /** R-16.1(b): the reference of a force-majeure stop of the dataset in effect at `at`, if any. */
    forceMajeureStop(dataset: string, at: Date): Promise<string | null>;
  },
) {
  async function load(id: string, q: Queryable = db, lock = false): Promise<ConsumerSuspension> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('quyết định tạm ngừng', 'suspension', id);
    const r = await q.query<ConsumerSuspension>(`SELECT ${COLUMNS} FROM consumer_suspensions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('quyết định tạm ngừng', 'suspension', id);
    return r.rows[0];
  }

  async function eligibleFrom(s: ConsumerSuspension): Promise<string | null> {
    return s.restored_at ? null : remedyEligibleFrom(deps.calendar, s.notified_at);
  }

  async function view(s: ConsumerSuspension): Promise<ConsumerSuspensionView> {
    const eligible = await eligibleFrom(s);
    // A calendar-day period rests on its nominal last day and the days off it moved across.
    const deadline_calendar = {
      notice_due_at: await deps.calendar.basisBetween(plusDays(vietnamDate(s.found_at), CONSUMER_NOTICE_DAYS - 1), plusDays(vietnamDate(s.notice_due_at), -1)),
      termination_eligible_from: eligible === null ? null : await deps.calendar.basisBetween(plusDays(vietnamDate(s.notified_at), REMEDY_DAYS - 1), plusDays(eligible, -1)),
    };
    return { ...s, notice_late: s.notified_at > s.notice_due_at, termination_eligible_from: eligible, deadline_calendar };
  }

  const visible = (p: Principal, s: ConsumerSuspension) => seesEverything(p) || [s.consumer_code, s.custodian_code].includes(p.agencyCode);

  async function commit<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const out = await db.transaction(fn);
    deps.agreements.invalidate(); // this instance's decisions see it at once; others within a second
    return out;
  }

  return {
    /** suspend one consumer's connection and send it the notice the regulation requires, now. */
    async suspend(p: Principal, input: SuspendInput): Promise<ConsumerSuspensionView> {
      const now = clock.now();
      if (input.found_at > now) throw new Problem(PROBLEMS.validation, { detail: 'Thời điểm phát hiện vi phạm không được ở tương lai.', detail_en: 'The violation cannot be found in the future.' });
      for (const [k, v] of Object.entries({ violation: input.violation, handling: input.handling, requirements: input.requirements })) {
        if (!v.trim()) throw new Problem(PROBLEMS.validation, { rule: 'R-15.5', detail: `Thông báo phải nêu ${k === 'violation' ? 'vi phạm' : k === 'handling' ? 'cách xử lý' : 'yêu cầu để duy trì hoặc khôi phục kết nối'}.`, detail_en: `The notice must state the ${k}.` });
      }
      // (before the transaction: the calendar reads through its own connection, which PGlite's one connection cannot give it inside one)
      const due = await consumerNoticeDueAt(deps.calendar, input.found_at);
      const s = await commit(async (tx) => {
        const id = newId();
        const seq = (await tx.query<{ n: number }>("SELECT nextval('public_notice_number')::int AS n")).rows[0]!.n;
        const reference = `TN-${now.getUTCFullYear()}-${String(seq).padStart(5, '0')}`;
        // The custodian writes the three parts once; each language frames them in its own words.
        const reason_vi = `${input.violation}. Cách xử lý: ${input.handling}. Yêu cầu để khôi phục: ${input.requirements}`;
        const reason_en = `${input.violation}. Handling: ${input.handling}. To restore the connection: ${input.requirements}`;
        const a = await deps.agreements.service.lifecycle(tx, p, input.agreement_id, 'suspend', input.violation, { ground: input.ground, reference }, { reason_vi, reason_en, reference });
        const r = await tx.query<ConsumerSuspension>(
          `INSERT INTO consumer_suspensions (id, reference, agreement_id, dataset_code, system_code, consumer_code, custodian_code, ground, violation, handling, requirements,
             found_at, notice_due_at, notified_at, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14) RETURNING ${COLUMNS}`,
          [id, reference, a.id, a.dataset_code, a.system_code, a.consumer_code, a.custodian_code, input.ground, input.violation, input.handling, input.requirements, input.found_at, due, now, p.username],
        );
        // R-15.5 (a), (b): the violation, how it is handled, what keeps or restores the connection.
        await deps.notifications.notify(tx, {
          agency: a.consumer_code, kind: 'connection.suspended', ref_type: 'consumer_suspension', ref_id: id,
          subject_vi: `Tạm ngừng kết nối của hệ thống ${a.system_code} với bộ dữ liệu "${a.dataset_code}" (${reference})`,
          subject_en: `Connection of ${a.system_code} to "${a.dataset_code}" suspended (${reference})`,
          payload: { reference, agreement_id: a.id, ground: input.ground, violation: input.violation, handling: input.handling, requirements: input.requirements, found_at: input.found_at, notice_due_at: due },
        });
        await recordEvent(tx, { custodian: a.custodian_code, entity: 'consumer_suspension', id, action: 'suspend', actor: p, at: now, reason: input.violation, details: { reference, agreement_id: a.id, system: a.system_code, ground: input.ground, late: now > due } });
        return r.rows[0]!;
      });
      return view(s);
    },

    /** restoration is its own action, with its own record and notice to the consumer. */
    async restore(p: Principal, id: string, reason: string): Promise<ConsumerSuspensionView> {
      const s = await commit(async (tx) => {
        const cur = await load(id, tx, true);
        if (cur.restored_at) throw conflict('Kết nối đã được khôi phục.', 'The connection has already been restored.');
        await deps.agreements.service.lifecycle(tx, p, cur.agreement_id, 'restore', reason, { reference: cur.reference });
        const now = clock.now();
        const r = await tx.query<ConsumerSuspension>(`UPDATE consumer_suspensions SET restored_at = $2, restore_reason = $3, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`, [id, now, reason]);
        await deps.notifications.notify(tx, {
          agency: cur.consumer_code, kind: 'connection.restored', ref_type: 'consumer_suspension', ref_id: id,
          subject_vi: `Khôi phục kết nối của hệ thống ${cur.system_code} với bộ dữ liệu "${cur.dataset_code}" (${cur.reference})`,
          subject_en: `Connection of ${cur.system_code} to "${cur.dataset_code}" restored (${cur.reference})`, payload: { reason },
        });
        await recordEvent(tx, { custodian: cur.custodian_code, entity: 'consumer_suspension', id, action: 'restore', actor: p, at: now, reason, details: { reference: cur.reference } });
        return r.rows[0]!;
      });
      return view(s);
    },

    async get(p: Principal, id: string): Promise<ConsumerSuspensionView> {
      const s = await load(id);
      if (!visible(p, s)) throw notFound('quyết định tạm ngừng', 'suspension', id);
      return view(s);
    },

    async list(p: Principal, f: { agreement_id?: string | undefined }): Promise<ConsumerSuspensionView[]> {
      const mine = seesEverything(p) ? null : p.agencyCode;
      const r = await db.query<ConsumerSuspension>(
        `SELECT ${COLUMNS} FROM consumer_suspensions WHERE ($1::text IS NULL OR consumer_code = $1 OR custodian_code = $1) AND ($2::uuid IS NULL OR agreement_id = $2) ORDER BY created_at DESC LIMIT 500`,
        [mine, f.agreement_id ?? null],
      );
      return Promise.all(r.rows.map(view));
    },

    /** which grounds allow terminating this agreement now; (đ) only 30 days after an unremedied notice. */
    /**
     * each ground, whether it applies now, and what it rests on: (b) a force-majeure stop
     * of the dataset still in effect; (đ) an unremedied violation notice past its 30 days; (a), (c),
     * (d) the document the custodian cites (`evidence`) — a decision, a competent authority's
     * request, the consumer's own request — which the termination records and sends to all parties.
     */
    async eligibility(p: Principal, agreementId: string) {
      const a = await deps.agreements.service.get(p, agreementId);
      const open = (await db.query<ConsumerSuspension>(`SELECT ${COLUMNS} FROM consumer_suspensions WHERE agreement_id = $1 AND restored_at IS NULL ORDER BY notified_at LIMIT 1`, [a.id])).rows[0];
      const from = open ? await eligibleFrom(open) : null;
      const today = vietnamDate(clock.now());
      const stop = await deps.forceMajeureStop(a.dataset_code, clock.now());
      const rests: Record<(typeof TERMINATION_GROUNDS)[number], { eligible: boolean; rests_on: string | null; evidence_required: boolean }> = {
        a: { eligible: true, rests_on: null, evidence_required: true },
        b: { eligible: stop !== null, rests_on: stop, evidence_required: false },
        c: { eligible: true, rests_on: null, evidence_required: true },
        d: { eligible: true, rests_on: null, evidence_required: true },
        đ: { eligible: from !== null && today >= from, rests_on: open?.reference ?? null, evidence_required: false },
      };
      return {
        agreement_id: a.id,
        status: a.status,
        today,
        grounds: TERMINATION_GROUNDS.map((g) => ({
          ground: g, label_vi: GROUND_TEXT[g][0], label_en: GROUND_TEXT[g][1], ...rests[g],
          ...(g === 'đ' && { eligible_from: from, suspension: open?.reference ?? null }),
        })),
      };
    },

    /** terminate (final) and tell the consumer and the related agencies. */
    async terminate(p: Principal, agreementId: string, ground: (typeof TERMINATION_GROUNDS)[number], reason: string, evidence?: string) {
      const e = await this.eligibility(p, agreementId);
      const g = e.grounds.find((x) => x.ground === ground)!;
      if (g.evidence_required && !evidence?.trim()) {
        throw new Problem(PROBLEMS.validation, {
          rule: 'R-16.1',
          detail: `Chấm dứt theo điểm ${ground} khoản 1 Điều 16 phải nêu tài liệu làm căn cứ (số, ngày văn bản hoặc đề nghị).`,
          detail_en: `Termination on ground (${ground}) of Art. 16.1 must cite its evidence (the document's number and date, or the request).`,
        });
      }
      if (ground === 'b' && !g.eligible) {
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-16.1',
          detail: 'Chỉ chấm dứt theo điểm b khi dịch vụ đang tạm ngừng do sự cố bất khả kháng mà không thể khôi phục.',
          detail_en: 'Ground (b) applies only while the service is stopped by force majeure and cannot be restored.',
        });
      }
      if (ground === 'đ') {
        const d = g;
        if (!d.eligible) {
          throw new Problem(PROBLEMS.unprocessable, {
            rule: 'R-16.1',
            detail: d.eligible_from
              ? `Chỉ chấm dứt theo điểm đ khi vi phạm không được khắc phục sau 30 ngày kể từ ngày thông báo: sớm nhất từ ngày ${formatIsoDate(d.eligible_from)} (${VIETNAM_TODAY.vi(e.today)}).`
              : 'Chỉ chấm dứt theo điểm đ khi đã thông báo tạm ngừng do vi phạm (Điều 15.2) mà bên khai thác không khắc phục trong 30 ngày.',
            detail_en: d.eligible_from
              ? `Ground (đ) applies 30 days after an unremedied violation notice: from ${d.eligible_from} (${VIETNAM_TODAY.en(e.today)}).`
              : 'Ground (đ) needs an unremedied Art. 15.2 suspension notice at least 30 days old.',
            extra: { eligible_from: d.eligible_from },
          });
        }
      }
      const now = clock.now();
      const [vi, en] = GROUND_TEXT[ground];
      return commit(async (tx) => {
        const basis = evidence?.trim() || g.rests_on;
        const a = await deps.agreements.service.lifecycle(tx, p, agreementId, 'terminate', reason, { ground, evidence: basis });
        for (const agency of new Set([a.consumer_code, a.custodian_code, COORDINATOR_AGENCY])) {
          await deps.notifications.notify(tx, {
            agency, kind: 'agreement.terminated', ref_type: 'agreement', ref_id: a.id,
            subject_vi: `Chấm dứt kết nối, chia sẻ dữ liệu "${a.dataset_code}" với hệ thống ${a.system_code} — căn cứ điểm ${ground} khoản 1 Điều 16`,
            subject_en: `Sharing of "${a.dataset_code}" with ${a.system_code} terminated — Art. 16.1(${ground})`,
            payload: { ground, ground_vi: vi, ground_en: en, evidence: basis, reason, terminated_at: formatVietnamTime(now) },
          });
        }
        await recordEvent(tx, { custodian: a.custodian_code, entity: 'agreement', id: a.id, action: 'terminate', actor: p, at: now, reason, details: { ground, evidence: basis } });
        return { agreement_id: a.id, status: a.status, ground, evidence: basis, reason, terminated_at: now };
      });
    },
  };
}

export type ConsumerSuspensions = ReturnType<typeof createConsumerSuspensions>;
