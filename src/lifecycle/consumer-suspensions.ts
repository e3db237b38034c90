import { Problem, PROBLEMS, conflict, forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Agreements } from '../agreements/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import { type CalendarDependence, type DeadlineCalendar, plusDays } from './calendar-port.ts';
import { DEADLINE_BASIS, type DeadlineBasis } from './deadline-basis.ts';
import { recordEvent } from './events.ts';

/** the consumer is told "at the latest 1 day from when the violation is determined" — a period in days. */
const CONSUMER_NOTICE_DAYS = 1;
/** R-16.1(đ): termination once a violation is unremedied this many days after the consumer received its notice. */
const REMEDY_DAYS = 30;
/** The inbox message (and webhook) that carries the notice; its receipt starts the R-16.1(đ) period. */
const SUSPENSION_NOTICE_KIND = 'connection.suspended';

export const GROUNDS = ['purpose_violation', 'security_risk'] as const;
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
  /** R-16.1(đ): the consumer (or the custodian on its behalf) recorded the violation remedied. */
  remedied_at: Date | null;
  remedied_by: string | null;
  remedied_by_agency: string | null;
  remedy_evidence: string | null;
  created_by: string;
  created_at: Date;
  version: number;
}

/**
 * Where the R-16.1(đ) period stands: `not_received` — the consumer has not received the notice, the
 * 30 days have not started; `running`; `expired` — termination on ground (đ) is open; `remedied` —
 * remedied, not yet restored (ground đ closed); `restored`.
 */
export type RemedyStatus = 'not_received' | 'running' | 'expired' | 'remedied' | 'restored';

export interface ConsumerSuspensionView extends ConsumerSuspension {
  /** the notice went out later than 1 day after the finding. */
  notice_late: boolean;
  /** R-16.1(đ): when the consumer first received the notice (read in its inbox, or delivered by webhook); null: not yet. */
  received_at: Date | null;
  /** R-16.1(đ): from this date (Vietnam) the agreement may be terminated on ground đ; null when not received, remedied or restored. */
  termination_eligible_from: string | null;
  remedy_status: RemedyStatus;
  /** The rule and clauses each computed deadline applied. */
  deadline_basis: { notice_due_at: DeadlineBasis; termination_eligible_from: DeadlineBasis };
  /** whether these deadlines rest on computed, not announced, days of the calendar. */
  deadline_calendar: { notice_due_at: CalendarDependence; termination_eligible_from: CalendarDependence | null };
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
  found_at, notice_due_at, notified_at, restored_at, restore_reason, remedied_at, remedied_by, remedied_by_agency, remedy_evidence, created_by, created_at, version`;

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
 * R-16.1(đ) ("trong vòng 30 ngày kể từ khi nhận được thông báo"), Civil Code Art. 147–148: the 30
 * days to remedy run from the day after the consumer RECEIVED the notice (a Vietnam date), not from
 * when it was sent; a period ending on a day off ends on the next working day; termination on
 * ground (đ) is possible from the day after the period ends.
 */
export async function remedyEligibleFrom(calendar: DeadlineCalendar, receivedAt: Date): Promise<string> {
  return plusDays(await calendar.addDays(vietnamDate(receivedAt), REMEDY_DAYS), 1);
}

export function createConsumerSuspensions(
  db: Database,
  clock: Clock,
  deps: {
    agreements: Agreements;
    notifications: NotificationService;
    calendar: DeadlineCalendar;
  },
) {
  async function load(id: string, q: Queryable = db, lock = false): Promise<ConsumerSuspension> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('quyết định tạm ngừng', 'suspension', id);
    const r = await q.query<ConsumerSuspension>(`SELECT ${COLUMNS} FROM consumer_suspensions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('quyết định tạm ngừng', 'suspension', id);
    return r.rows[0];
  }

  /** R-16.1(đ): the period, from the consumer's receipt of the notice; closed once remedied or restored. */
  async function remedyPeriod(s: ConsumerSuspension, received: Date | null): Promise<{ from: string | null; status: RemedyStatus }> {
    if (s.restored_at) return { from: null, status: 'restored' };
    // R-16.1(đ): "not remedied" is not "not restored" — a recorded remedy closes ground (đ).
    if (s.remedied_at) return { from: null, status: 'remedied' };
    if (!received) return { from: null, status: 'not_received' };
    const from = await remedyEligibleFrom(deps.calendar, received);
    return { from, status: vietnamDate(clock.now()) >= from ? 'expired' : 'running' };
  }

  async function views(rows: ConsumerSuspension[]): Promise<ConsumerSuspensionView[]> {
    const receipts = await deps.notifications.receivedAt(
      SUSPENSION_NOTICE_KIND,
      rows.map((s) => s.id),
    );
    return Promise.all(
      rows.map(async (s) => {
        const received_at = receipts.get(s.id) ?? null;
        const period = await remedyPeriod(s, received_at);
        return {
          ...s,
          notice_late: s.notified_at > s.notice_due_at,
          received_at,
          termination_eligible_from: period.from,
          remedy_status: period.status,
          deadline_basis: { notice_due_at: DEADLINE_BASIS.consumerNotice, termination_eligible_from: DEADLINE_BASIS.remedy },
          deadline_calendar: await calendarDependence(s, received_at, period.from),
        };
      }),
    );
  }

  /** a calendar-day period rests on its nominal last day and the days off it moved across. */
  async function calendarDependence(
    s: ConsumerSuspension,
    received: Date | null,
    eligible: string | null,
  ): Promise<ConsumerSuspensionView['deadline_calendar']> {
    return {
      notice_due_at: await deps.calendar.basisBetween(plusDays(vietnamDate(s.found_at), CONSUMER_NOTICE_DAYS - 1), plusDays(vietnamDate(s.notice_due_at), -1)),
      termination_eligible_from:
        eligible === null || received === null
          ? null
          : await deps.calendar.basisBetween(plusDays(vietnamDate(received), REMEDY_DAYS - 1), plusDays(eligible, -1)),
    };
  }
  const view = async (s: ConsumerSuspension) => (await views([s]))[0]!;

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
      if (input.found_at > now)
        throw new Problem(PROBLEMS.validation, {
          detail: 'Thời điểm phát hiện vi phạm không được ở tương lai.',
          detail_en: 'The violation cannot be found in the future.',
        });
      for (const [k, v] of Object.entries({ violation: input.violation, handling: input.handling, requirements: input.requirements })) {
        if (!v.trim())
          throw new Problem(PROBLEMS.validation, {
            rule: 'R-15.5',
            detail: `Thông báo phải nêu ${k === 'violation' ? 'vi phạm' : k === 'handling' ? 'cách xử lý' : 'yêu cầu để duy trì hoặc khôi phục kết nối'}.`,
            detail_en: `The notice must state the ${k}.`,
          });
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
        const a = await deps.agreements.service.lifecycle(
          tx,
          p,
          input.agreement_id,
          'suspend',
          input.violation,
          { ground: input.ground, reference },
          { reason_vi, reason_en, reference },
        );
        const r = await tx.query<ConsumerSuspension>(
          `INSERT INTO consumer_suspensions (id, reference, agreement_id, dataset_code, system_code, consumer_code, custodian_code, ground, violation, handling, requirements,
             found_at, notice_due_at, notified_at, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14) RETURNING ${COLUMNS}`,
          [
            id,
            reference,
            a.id,
            a.dataset_code,
            a.system_code,
            a.consumer_code,
            a.custodian_code,
            input.ground,
            input.violation,
            input.handling,
            input.requirements,
            input.found_at,
            due,
            now,
            p.username,
          ],
        );
        // R-15.5 (a), (b): the violation, how it is handled, what keeps or restores the connection.
        await deps.notifications.notify(tx, {
          agency: a.consumer_code,
          kind: SUSPENSION_NOTICE_KIND,
          ref_type: 'consumer_suspension',
          ref_id: id,
          subject_vi: `Tạm ngừng kết nối của hệ thống ${a.system_code} với bộ dữ liệu "${a.dataset_code}" (${reference})`,
          subject_en: `Connection of ${a.system_code} to "${a.dataset_code}" suspended (${reference})`,
          payload: {
            reference,
            agreement_id: a.id,
            ground: input.ground,
            violation: input.violation,
            handling: input.handling,
            requirements: input.requirements,
            found_at: input.found_at,
            notice_due_at: due,
          },
        });
        await recordEvent(tx, {
          custodian: a.custodian_code,
          entity: 'consumer_suspension',
          id,
          action: 'suspend',
          actor: p,
          at: now,
          reason: input.violation,
          details: { reference, agreement_id: a.id, system: a.system_code, ground: input.ground, late: now > due },
        });
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
        const r = await tx.query<ConsumerSuspension>(
          `UPDATE consumer_suspensions SET restored_at = $2, restore_reason = $3, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, reason],
        );
        await deps.notifications.notify(tx, {
          agency: cur.consumer_code,
          kind: 'connection.restored',
          ref_type: 'consumer_suspension',
          ref_id: id,
          subject_vi: `Khôi phục kết nối của hệ thống ${cur.system_code} với bộ dữ liệu "${cur.dataset_code}" (${cur.reference})`,
          subject_en: `Connection of ${cur.system_code} to "${cur.dataset_code}" restored (${cur.reference})`,
          payload: { reason },
        });
        await recordEvent(tx, {
          custodian: cur.custodian_code,
          entity: 'consumer_suspension',
          id,
          action: 'restore',
          actor: p,
          at: now,
          reason,
          details: { reference: cur.reference },
        });
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
      return views(r.rows);
    },

    /** R-16.1(đ): the suspension of `agreementId` not yet restored, if any (the oldest notice first). */
    async openFor(agreementId: string): Promise<ConsumerSuspensionView | null> {
      const r = await db.query<ConsumerSuspension>(
        `SELECT ${COLUMNS} FROM consumer_suspensions WHERE agreement_id = $1 AND restored_at IS NULL ORDER BY notified_at LIMIT 1`,
        [agreementId],
      );
      return r.rows[0] ? view(r.rows[0]) : null;
    },

    /**
     * R-16.1(đ): the consumer — or the custodian on its behalf — records that the violation was
     * remedied, with its evidence. The connection stays suspended until restored, but the
     * agreement can no longer be terminated on ground (đ).
     */
    async remedied(p: Principal, id: string, evidence: string): Promise<ConsumerSuspensionView> {
      if (!evidence.trim())
        throw new Problem(PROBLEMS.validation, {
          rule: 'R-16.1',
          detail: 'Phải nêu bằng chứng đã khắc phục vi phạm.',
          detail_en: 'The evidence of the remedy is required.',
        });
      const s = await commit(async (tx) => {
        const cur = await load(id, tx, true);
        if (!visible(p, cur)) throw notFound('quyết định tạm ngừng', 'suspension', id);
        if (!administers(p, cur.consumer_code, 'consumer_admin') && !administers(p, cur.custodian_code, 'custodian_admin')) {
          throw forbidden(
            'Chỉ bên khai thác hoặc cơ quan chủ quản dữ liệu được ghi nhận việc khắc phục.',
            'Only the consumer or the data custodian records the remedy.',
            'R-16.1',
          );
        }
        if (cur.restored_at) throw conflict('Kết nối đã được khôi phục.', 'The connection has already been restored.');
        if (cur.remedied_at) throw conflict('Việc khắc phục đã được ghi nhận.', 'The remedy has already been recorded.');
        const now = clock.now();
        const r = await tx.query<ConsumerSuspension>(
          `UPDATE consumer_suspensions SET remedied_at = $2, remedied_by = $3, remedied_by_agency = $4, remedy_evidence = $5, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, p.username, p.agencyCode, evidence.trim()],
        );
        // The other side learns of it: the custodian decides on restoring, the consumer sees its case recorded.
        for (const agency of [cur.custodian_code, cur.consumer_code].filter((a) => a !== p.agencyCode)) {
          await deps.notifications.notify(tx, {
            agency,
            kind: 'connection.remedied',
            ref_type: 'consumer_suspension',
            ref_id: id,
            subject_vi: `Đã khắc phục vi phạm dẫn đến tạm ngừng kết nối ${cur.reference} (hệ thống ${cur.system_code}, bộ dữ liệu "${cur.dataset_code}")`,
            subject_en: `Violation behind suspension ${cur.reference} remedied (${cur.system_code}, "${cur.dataset_code}")`,
            payload: { reference: cur.reference, evidence: evidence.trim(), remedied_by: p.username },
          });
        }
        await recordEvent(tx, {
          custodian: cur.custodian_code,
          entity: 'consumer_suspension',
          id,
          action: 'remedied',
          actor: p,
          at: now,
          reason: evidence.trim(),
          details: { reference: cur.reference },
        });
        return r.rows[0]!;
      });
      return view(s);
    },
  };
}
