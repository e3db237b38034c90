import { Problem, PROBLEMS, conflict, forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { VIETNAM_TODAY, formatIsoDate, formatVietnamTime, vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Catalog } from '../catalog/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import { type DeadlineCalendar, plusDays } from './calendar-port.ts';
import { DEADLINE_BASIS, type DeadlineBasis } from './deadline-basis.ts';
import { recordEvent } from './events.ts';
import { type PublicNotice, publishNotice } from './notices.ts';

/** R-15.3: a planned stop is announced at least this many working days ahead. */
const PLANNED_NOTICE_WORKING_DAYS = 7;
/** R-15.4: a force-majeure stop is announced within 24 hours. */
const FORCE_MAJEURE_NOTICE_HOURS = 24;

export interface ServiceSuspension {
  id: string;
  kind: 'planned' | 'force_majeure';
  dataset_code: string;
  custodian_code: string;
  reason: string;
  starts_at: Date;
  expected_restore_at: Date | null;
  notice_due_at: Date | null;
  notice_id: string | null;
  ended_at: Date | null;
  end_reason: string | null;
  created_by: string;
  created_at: Date;
  version: number;
}

export interface SuspensionView extends ServiceSuspension {
  notice: PublicNotice | null;
  /** Force majeure: the notice is late (R-15.4) — not yet published and past due, or published after the deadline. */
  notice_overdue: boolean;
  in_force: boolean;
  /** The rule each computed deadline applied: a force-majeure stop's notice deadline (R-15.4). */
  deadline_basis: { notice_due_at?: DeadlineBasis };
}

const COLUMNS =
  'id, kind, dataset_code, custodian_code, reason, starts_at, expected_restore_at, notice_due_at, notice_id, ended_at, end_reason, created_by, created_at, version';

export function inForce(s: Pick<ServiceSuspension, 'starts_at' | 'expected_restore_at' | 'ended_at' | 'kind'>, at: Date): boolean {
  if (s.starts_at > at || (s.ended_at && s.ended_at <= at)) return false;
  // A planned window closes at the announced restoration time; a force-majeure stop lasts until ended.
  return !(s.kind === 'planned' && s.expected_restore_at && s.expected_restore_at <= at);
}

/** What a consumer's inbox message about a stop says; the public notice it points to says the rest. */
interface StopMessage {
  kind: 'service.suspension_planned' | 'service.stopped' | 'service.restored';
  subject_vi: string;
  subject_en: string;
}

export function createServiceSuspensions(
  db: Database,
  clock: Clock,
  deps: {
    catalog: Catalog;
    calendar: DeadlineCalendar;
    notifications: NotificationService;
    /** R-15.3, R-15.4: the consumer agencies with an agreement in force on the dataset (the agreements module). */
    consumersOf(q: Queryable, dataset: string, today: string): Promise<string[]>;
    onChange: () => void;
  },
) {
  async function load(id: string, q: Queryable = db, lock = false): Promise<ServiceSuspension> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('lịch tạm ngừng', 'suspension', id);
    const r = await q.query<ServiceSuspension>(`SELECT ${COLUMNS} FROM service_suspensions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('lịch tạm ngừng', 'suspension', id);
    return r.rows[0];
  }

  async function view(s: ServiceSuspension, q: Queryable = db): Promise<SuspensionView> {
    const notice = s.notice_id ? ((await q.query<PublicNotice>('SELECT * FROM public_notices WHERE id = $1', [s.notice_id])).rows[0] ?? null) : null;
    const now = clock.now();
    const overdue = s.kind === 'force_majeure' && s.notice_due_at !== null && (notice ? notice.published_at > s.notice_due_at : now > s.notice_due_at);
    return {
      ...s,
      notice,
      notice_overdue: overdue,
      in_force: inForce(s, now),
      deadline_basis: s.notice_due_at ? { notice_due_at: DEADLINE_BASIS.forceMajeureNotice } : {},
    };
  }

  function requireCustodian(p: Principal, custodian: string): void {
    if (!administers(p, custodian, 'custodian_admin')) {
      throw forbidden('Chỉ cơ quan chủ quản dữ liệu được tạm ngừng dịch vụ của mình.', 'Only the data custodian suspends its own service.', 'R-15.1');
    }
  }

  /**
   * R-15.3, R-15.4: the public board is not enough — the consumers who use the service are told in
   * their inbox (and so by webhook), in the transaction that publishes the notice, so the message
   * exists exactly when the notice does.
   */
  async function tellConsumers(
    tx: Queryable,
    s: Pick<ServiceSuspension, 'id' | 'kind' | 'dataset_code' | 'starts_at' | 'expected_restore_at' | 'reason'>,
    notice: PublicNotice,
    message: StopMessage,
    now: Date,
  ): Promise<void> {
    const payload = {
      suspension_id: s.id,
      suspension_kind: s.kind,
      dataset: s.dataset_code,
      notice_id: notice.id,
      notice_reference: notice.reference,
      starts_at: s.starts_at,
      expected_restore_at: s.expected_restore_at,
      reason: s.reason,
    };
    for (const agency of await deps.consumersOf(tx, s.dataset_code, vietnamDate(now))) {
      await deps.notifications.notify(tx, { agency, ...message, ref_type: 'service_suspension', ref_id: s.id, payload });
    }
  }

  async function commit<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const out = await db.transaction(fn);
    deps.onChange();
    return out;
  }

  /** R-15.3: the earliest start of a planned stop announced today — after 7 full working days (the announcement day not counted). */
  async function earliestPlannedStart(announced: Date): Promise<string> {
    return plusDays(await deps.calendar.addWorkingDays(vietnamDate(announced), PLANNED_NOTICE_WORKING_DAYS), 1);
  }

  return {
    earliestPlannedStart,

    /** R-15.3: for a stop announced now — today, its last notice day (the 7th working day), the earliest start, and the rule applied. */
    async plannedStartWindow() {
      const today = vietnamDate(clock.now());
      const lastNoticeDay = await deps.calendar.addWorkingDays(today, PLANNED_NOTICE_WORKING_DAYS);
      const deadline_calendar = await deps.calendar.basisBetween(today, lastNoticeDay);
      return {
        today,
        last_notice_day: lastNoticeDay,
        earliest_start: plusDays(lastNoticeDay, 1),
        deadline_basis: DEADLINE_BASIS.plannedStart,
        deadline_calendar,
      };
    },

    /** R-15.1a, R-15.3: announce a maintenance window; the public notice is published now. */
    async schedule(
      p: Principal,
      input: { dataset: string; starts_at: Date; expected_restore_at: Date; reason: string; notice_vi?: string | undefined; notice_en?: string | undefined },
    ): Promise<SuspensionView> {
      const dataset = await deps.catalog.datasets.get(input.dataset);
      requireCustodian(p, dataset.custodian_code);
      const now = clock.now();
      if (Number.isNaN(input.expected_restore_at.getTime()))
        throw new Problem(PROBLEMS.validation, {
          rule: 'R-15.3',
          detail: 'Phải nêu thời điểm dự kiến khôi phục.',
          detail_en: 'The expected restoration time is required.',
        });
      if (input.expected_restore_at <= input.starts_at)
        throw new Problem(PROBLEMS.validation, {
          detail: 'Thời điểm dự kiến khôi phục phải sau thời điểm tạm ngừng.',
          detail_en: 'The expected restoration must come after the start.',
        });
      const earliest = await earliestPlannedStart(now);
      if (vietnamDate(input.starts_at) < earliest) {
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-15.3',
          detail: `Phải thông báo công khai ít nhất ${PLANNED_NOTICE_WORKING_DAYS} ngày làm việc trước khi tạm ngừng: thông báo hôm nay (${VIETNAM_TODAY.vi(vietnamDate(now))}) thì sớm nhất được tạm ngừng từ ngày ${formatIsoDate(earliest)}.`,
          detail_en: `A planned suspension is announced at least ${PLANNED_NOTICE_WORKING_DAYS} working days ahead: announced today (${VIETNAM_TODAY.en(vietnamDate(now))}), it may start on ${earliest} at the earliest.`,
          // R-15.3: the count may rest on holidays no official text announced yet.
          extra: {
            earliest_start: earliest,
            deadline_basis: DEADLINE_BASIS.plannedStart,
            deadline_calendar: await deps.calendar.basisBetween(vietnamDate(now), plusDays(earliest, -1)),
          },
        });
      }
      return commit(async (tx) => {
        const id = newId();
        const notice = await publishNotice(
          tx,
          {
            custodian_code: dataset.custodian_code,
            dataset_code: dataset.code,
            kind: 'planned_suspension',
            title_vi: `Tạm ngừng cung cấp dữ liệu "${dataset.name_vi}" để nâng cấp, bảo trì`,
            title_en: `Planned suspension of "${dataset.name_en}" for upgrade or maintenance`,
            body_vi: `Từ ${formatVietnamTime(input.starts_at)} đến dự kiến ${formatVietnamTime(input.expected_restore_at)} (giờ Việt Nam). Lý do: ${input.reason}.${input.notice_vi ? ` ${input.notice_vi}` : ''}`,
            body_en: `From ${input.starts_at.toISOString()} until an expected ${input.expected_restore_at.toISOString()}. Reason: ${input.reason}.${input.notice_en ? ` ${input.notice_en}` : ''}`,
          },
          p.username,
          now,
        );
        const r = await tx.query<ServiceSuspension>(
          `INSERT INTO service_suspensions (id, kind, dataset_code, custodian_code, reason, starts_at, expected_restore_at, notice_id, created_by, created_at)
           VALUES ($1, 'planned', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
          [id, dataset.code, dataset.custodian_code, input.reason, input.starts_at, input.expected_restore_at, notice.id, p.username, now],
        );
        await recordEvent(tx, {
          custodian: dataset.custodian_code,
          entity: 'service_suspension',
          id,
          action: 'schedule',
          actor: p,
          at: now,
          reason: input.reason,
          details: { notice: notice.reference, starts_at: input.starts_at, expected_restore_at: input.expected_restore_at },
        });
        // R-15.3: announced to the consumers themselves, not only on the board.
        await tellConsumers(
          tx,
          r.rows[0]!,
          notice,
          {
            kind: 'service.suspension_planned',
            subject_vi: `Dữ liệu "${dataset.name_vi}" sẽ tạm ngừng cung cấp từ ${formatVietnamTime(input.starts_at)} đến dự kiến ${formatVietnamTime(input.expected_restore_at)} (${notice.reference})`,
            subject_en: `"${dataset.name_en}" will be suspended from ${input.starts_at.toISOString()} until an expected ${input.expected_restore_at.toISOString()} (${notice.reference})`,
          },
          now,
        );
        return view(r.rows[0]!, tx);
      });
    },

    /** R-15.1b, R-15.4: a stop that already happened (its start may be in the past); the notice is due 24 hours after it. */
    async recordStop(
      p: Principal,
      input: {
        dataset: string;
        started_at: Date;
        reason: string;
        expected_restore_at?: Date | undefined;
        publish_notice?: { body_vi: string; body_en: string } | undefined;
      },
    ): Promise<SuspensionView> {
      const dataset = await deps.catalog.datasets.get(input.dataset);
      requireCustodian(p, dataset.custodian_code);
      const now = clock.now();
      if (input.started_at > now)
        throw new Problem(PROBLEMS.validation, {
          rule: 'R-15.1',
          detail: 'Sự cố bất khả kháng phải đã xảy ra; việc tạm ngừng có kế hoạch dùng lịch tạm ngừng.',
          detail_en: 'A force-majeure stop has already happened; plan future stops as planned suspensions.',
        });
      const open = await db.query('SELECT 1 FROM service_suspensions WHERE dataset_code = $1 AND kind = $2 AND ended_at IS NULL', [
        dataset.code,
        'force_majeure',
      ]);
      if (open.rows.length) throw conflict('Bộ dữ liệu đang có một sự cố chưa kết thúc.', 'The dataset already has a stop that has not ended.');
      return commit(async (tx) => {
        const id = newId();
        const due = new Date(input.started_at.getTime() + FORCE_MAJEURE_NOTICE_HOURS * 3600_000);
        const r = await tx.query<ServiceSuspension>(
          `INSERT INTO service_suspensions (id, kind, dataset_code, custodian_code, reason, starts_at, expected_restore_at, notice_due_at, created_by, created_at)
           VALUES ($1, 'force_majeure', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
          [id, dataset.code, dataset.custodian_code, input.reason, input.started_at, input.expected_restore_at ?? null, due, p.username, now],
        );
        await recordEvent(tx, {
          custodian: dataset.custodian_code,
          entity: 'service_suspension',
          id,
          action: 'record_stop',
          actor: p,
          at: now,
          reason: input.reason,
          details: { started_at: input.started_at, notice_due_at: due },
        });
        const s = input.publish_notice ? await announce(tx, p, r.rows[0]!, input.publish_notice, dataset.name_vi, dataset.name_en) : r.rows[0]!;
        return view(s, tx);
      });
    },

    /** R-15.4: publish the public notice of a force-majeure stop. */
    async publishNotice(p: Principal, id: string, text: { body_vi: string; body_en: string }): Promise<SuspensionView> {
      return commit(async (tx) => {
        const s = await load(id, tx, true);
        requireCustodian(p, s.custodian_code);
        if (s.notice_id)
          throw conflict(
            'Sự cố này đã có thông báo công khai; hãy đăng đính chính nếu cần.',
            'This stop already has its public notice; publish a correction if needed.',
          );
        const dataset = await deps.catalog.datasets.get(s.dataset_code, tx);
        return view(await announce(tx, p, s, text, dataset.name_vi, dataset.name_en), tx);
      });
    },

    /** The service is back: the stop or window ends now, with a restoration notice. */
    async end(p: Principal, id: string, reason: string): Promise<SuspensionView> {
      return commit(async (tx) => {
        const s = await load(id, tx, true);
        requireCustodian(p, s.custodian_code);
        if (s.ended_at) throw conflict('Việc tạm ngừng này đã kết thúc.', 'This suspension has already ended.');
        const now = clock.now();
        const dataset = await deps.catalog.datasets.get(s.dataset_code, tx);
        const notice = await publishNotice(
          tx,
          {
            custodian_code: s.custodian_code,
            dataset_code: s.dataset_code,
            kind: 'restoration',
            title_vi: `Khôi phục cung cấp dữ liệu "${dataset.name_vi}"`,
            title_en: `"${dataset.name_en}" restored`,
            body_vi: `Dịch vụ hoạt động trở lại từ ${formatVietnamTime(now)}. ${reason}`,
            body_en: `The service is available again from ${now.toISOString()}. ${reason}`,
          },
          p.username,
          now,
        );
        const r = await tx.query<ServiceSuspension>(
          `UPDATE service_suspensions SET ended_at = $2, end_reason = $3, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, reason],
        );
        await recordEvent(tx, {
          custodian: s.custodian_code,
          entity: 'service_suspension',
          id,
          action: 'end',
          actor: p,
          at: now,
          reason,
          details: { notice: notice.reference },
        });
        // R-15.3, R-15.4: those told of the stop are told it is over.
        await tellConsumers(
          tx,
          r.rows[0]!,
          notice,
          {
            kind: 'service.restored',
            subject_vi: `Dữ liệu "${dataset.name_vi}" được cung cấp trở lại từ ${formatVietnamTime(now)} (${notice.reference})`,
            subject_en: `"${dataset.name_en}" is available again from ${now.toISOString()} (${notice.reference})`,
          },
          now,
        );
        return view(r.rows[0]!, tx);
      });
    },

    async get(p: Principal, id: string): Promise<SuspensionView> {
      const s = await load(id);
      if (!seesEverything(p) && p.agencyCode !== s.custodian_code) throw notFound('lịch tạm ngừng', 'suspension', id);
      return view(s);
    },

    async list(p: Principal, f: { dataset?: string | undefined; open?: boolean | undefined }): Promise<SuspensionView[]> {
      const r = await db.query<ServiceSuspension>(
        `SELECT ${COLUMNS} FROM service_suspensions WHERE ($1::text IS NULL OR custodian_code = $1) AND ($2::text IS NULL OR dataset_code = $2)
           AND (NOT $3::boolean OR ended_at IS NULL) ORDER BY starts_at DESC LIMIT 500`,
        [seesEverything(p) ? null : p.agencyCode, f.dataset ?? null, f.open ?? false],
      );
      return Promise.all(r.rows.map((s) => view(s)));
    },

    /** Every stop not yet ended, for the gateway's cache. */
    async unended(): Promise<ServiceSuspension[]> {
      return (await db.query<ServiceSuspension>(`SELECT ${COLUMNS} FROM service_suspensions WHERE ended_at IS NULL`)).rows;
    },
  };

  async function announce(
    tx: Queryable,
    p: Principal,
    s: ServiceSuspension,
    text: { body_vi: string; body_en: string },
    name_vi: string,
    name_en: string,
  ): Promise<ServiceSuspension> {
    const now = clock.now();
    const notice = await publishNotice(
      tx,
      {
        custodian_code: s.custodian_code,
        dataset_code: s.dataset_code,
        kind: 'force_majeure',
        title_vi: `Tạm ngừng cung cấp dữ liệu "${name_vi}" do sự cố bất khả kháng`,
        title_en: `"${name_en}" stopped by force majeure`,
        body_vi: `Dịch vụ ngừng từ ${formatVietnamTime(s.starts_at)} (giờ Việt Nam). Lý do: ${s.reason}. ${text.body_vi}`,
        body_en: `The service stopped at ${s.starts_at.toISOString()}. Reason: ${s.reason}. ${text.body_en}`,
      },
      p.username,
      now,
    );
    const r = await tx.query<ServiceSuspension>(`UPDATE service_suspensions SET notice_id = $2, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`, [
      s.id,
      notice.id,
    ]);
    await recordEvent(tx, {
      custodian: s.custodian_code,
      entity: 'service_suspension',
      id: s.id,
      action: 'publish_notice',
      actor: p,
      at: now,
      details: { notice: notice.reference, late: s.notice_due_at !== null && now > s.notice_due_at },
    });
    // R-15.4: the notice of a force-majeure stop reaches the consumers' inboxes with the board.
    await tellConsumers(
      tx,
      s,
      notice,
      {
        kind: 'service.stopped',
        subject_vi: `Dữ liệu "${name_vi}" tạm ngừng cung cấp do sự cố bất khả kháng từ ${formatVietnamTime(s.starts_at)} (${notice.reference})`,
        subject_en: `"${name_en}" stopped by force majeure at ${s.starts_at.toISOString()} (${notice.reference})`,
      },
      now,
    );
    return r.rows[0]!;
  }
}
