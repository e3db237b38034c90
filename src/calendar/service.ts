import { createCache } from '../core/cache.ts';
import type { Clock } from '../core/clock.ts';
import { PROBLEMS, Problem, invalid, notFound } from '../core/errors.ts';
import { isIsoDate } from '../core/time.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type HistoryEntry, historyOf, recordChange } from '../db/history.ts';
import { type Principal, requireCoordinator } from '../registry/index.ts';
import { type DefaultDay, defaultDay, defaultDaysOff, isWeekend } from './holidays.ts';
import { MAX_YEAR, MIN_YEAR, dateFromJdn, isoToJdn, jdnFromDate, jdnToIso } from './lunar.ts';
import { calendarSeed } from './seed.ts';
import { type DaySource, type DayStatusInfo, HISTORY_ENTITY } from './sources.ts';
import { defaultDayStatus } from './status.ts';

/**
 * The working-day calendar the platform counts legal deadlines on (R-15.3,
 * the default computed from Labour Code 2019 Art. 112, with
 * the operator's per-date overrides (the government's yearly announcements)
 * on top. Deadline arithmetic follows Civil Code 2015 Art. 147–148.
 */

/** Why a day is what it is. */
type DayKind =
  | 'workday' // Monday–Friday, or an override that makes a day a working day
  | 'weekend' // Saturday, Sunday
  | 'holiday' // Art. 112(1)
  | 'compensatory' // Art. 112(3): a holiday fell on a weekend
  | 'day_off' // an override: a swapped or added day off
  | 'makeup'; // an override: a Saturday or Sunday worked to make up a swapped day

export interface CalendarDay extends DayStatusInfo {
  date: string;
  working: boolean;
  /** Vietnamese: "Thứ Bảy", "Tết Nguyên Đán (mùng 1)", "Nghỉ bù (…)", "Làm bù cho …", "Ngày làm việc". */
  reason: string;
  reason_en: string;
  kind: DayKind;
  legal_basis: string | null;
  /** True when an operator override (a government announcement) decides this day. */
  override: boolean;
}

export interface DayInput {
  working: boolean;
  reason_vi: string;
  reason_en: string;
  legal_basis: string;
  /** The official text: null only on overrides recorded before sources were kept. */
  source: DaySource | null;
}

interface OverrideRow extends Omit<DayInput, 'source'> {
  date: string;
  source_document: string | null;
  source_issuer: string | null;
  source_date: string | null;
  source_url: string | null;
  active: boolean;
  /** Who entered the row: the shipped data or the coordinator. */
  origin: 'seed' | 'operator';
  version: number;
  created_by: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface CalendarOverride extends Omit<OverrideRow, 'source_document' | 'source_issuer' | 'source_date' | 'source_url'> {
  source: DaySource | null;
}

/** What a deadline rests on: the computed (not announced) days it crossed. */
export interface CalendarBasis {
  depends_on_computed_days: boolean;
  /** Holidays and compensatory days in the period that no official text announced. */
  computed_days: string[];
  /** Years in the period with no Government announcement recorded: every day of them is computed. */
  unannounced_years: number[];
}

export interface Deadline extends CalendarBasis {
  from: string;
  n: number;
  unit: 'working_days' | 'days';
  /** The last day of the period. */
  date: string;
  legal_basis: string;
}

/** GET /calendar answers at most this many days (three years). */
const MAX_RANGE_DAYS = 3 * 366;
/** addWorkingDays/addDays accept periods up to ten years. */
const MAX_PERIOD = 3660;
/** Other instances' edits are seen within this time (the lifecycle and gateway call often). */
const CACHE_TTL_MS = 5000;

const MIN_JDN = jdnFromDate(MIN_YEAR, 1, 1);
const MAX_JDN = jdnFromDate(MAX_YEAR, 12, 31);

const COLUMNS = `to_char(day, 'YYYY-MM-DD') AS date, working, reason_vi, reason_en, legal_basis, active, source AS origin, version, created_by, updated_by, created_at, updated_at,
  source_document, source_issuer, to_char(source_date, 'YYYY-MM-DD') AS source_date, source_url`;

function sourceOf(r: OverrideRow): DaySource | null {
  if (r.source_document === null || r.source_issuer === null || r.source_date === null) return null;
  return { document: r.source_document, issuer: r.source_issuer, date: r.source_date, url: r.source_url };
}

function toOverride(r: OverrideRow): CalendarOverride {
  const { source_document: _d, source_issuer: _i, source_date: _t, source_url: _u, ...rest } = r;
  return { ...rest, source: sourceOf(r) };
}

/** A valid date of the supported range, as a Julian day number. */
function checkDate(path: string, date: string): number {
  if (typeof date !== 'string' || !isIsoDate(date)) {
    throw invalid(path, `Ngày "${String(date)}" không hợp lệ (cần dạng YYYY-MM-DD).`, `Invalid date "${String(date)}" (expected YYYY-MM-DD).`);
  }
  const jdn = isoToJdn(date);
  if (jdn < MIN_JDN || jdn > MAX_JDN) {
    throw invalid(path, `Lịch chỉ tính cho các năm ${MIN_YEAR}–${MAX_YEAR}.`, `The calendar covers the years ${MIN_YEAR}–${MAX_YEAR} only.`);
  }
  return jdn;
}

function checkPeriod(path: string, n: number): void {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_PERIOD) {
    throw invalid(path, `Số ngày phải là số nguyên, tối đa ${MAX_PERIOD}.`, `The number of days must be an integer of at most ${MAX_PERIOD}.`);
  }
}

function outOfRange(): Problem {
  return new Problem(PROBLEMS.unprocessable, {
    detail: `Thời hạn vượt ra ngoài phạm vi lịch (${MIN_YEAR}–${MAX_YEAR}).`,
    detail_en: `The period runs past the calendar's range (${MIN_YEAR}–${MAX_YEAR}).`,
  });
}

type OverrideMap = ReadonlyMap<number, DayInput>;

const WORKING_DAYS_BASIS = 'Khoản 1 Điều 147 Bộ luật Dân sự 2015 (không tính ngày bắt đầu); chỉ đếm ngày làm việc';
const DAYS_BASIS = 'Điều 147, khoản 4 Điều 148 Bộ luật Dân sự 2015 (ngày cuối là ngày nghỉ thì hết vào ngày làm việc tiếp theo)';

/**
 * The read side: pure date arithmetic over the default calendar plus an
 * override source. Used by createCalendar (overrides from the database) and by
 * the CLI when the database has no calendar table yet (shipped seed only).
 */
export function calendarReader(loadOverrides: () => Promise<OverrideMap>) {
  const statusOfDefault = defaultDayStatus(calendarSeed());
  const announcedYears = new Set(calendarSeed().announced_years);
  const years = new Map<number, Map<number, DefaultDay>>();
  const daysOffOf = (year: number): Map<number, DefaultDay> => {
    let m = years.get(year);
    if (!m) years.set(year, (m = defaultDaysOff(year)));
    return m;
  };

  function dayAt(jdn: number, overrides: OverrideMap): CalendarDay {
    const date = jdnToIso(jdn);
    const o = overrides.get(jdn);
    if (o) {
      const weekend = isWeekend(jdn);
      const kind: DayKind = !o.working ? (weekend ? 'weekend' : 'day_off') : weekend ? 'makeup' : 'workday';
      // An override records an official text, shipped or entered by the coordinator.
      return {
        date,
        working: o.working,
        reason: o.reason_vi,
        reason_en: o.reason_en,
        kind,
        legal_basis: o.legal_basis,
        override: true,
        status: 'announced',
        source: o.source,
        status_note: null,
        status_note_en: null,
      };
    }
    const d = defaultDay(jdn, daysOffOf(dateFromJdn(jdn).year));
    return {
      date,
      working: d.working,
      reason: d.reason,
      reason_en: d.reason_en,
      kind: d.kind,
      legal_basis: d.legal_basis,
      override: false,
      ...statusOfDefault(jdn, d.kind),
    };
  }

  /**
   * the computed (not announced) days among lo..hi (Julian days, both included) that a
   * period's end depends on — so every deadline can say when it rests on a computed day.
   */
  function basisOf(lo: number, hi: number, overrides: OverrideMap): CalendarBasis {
    const days: string[] = [];
    const unannounced = new Set<number>();
    for (let d = lo; d <= hi; d++) {
      const day = dayAt(d, overrides);
      if (day.status !== 'computed') continue;
      if (day.kind === 'holiday' || day.kind === 'compensatory') days.push(day.date);
      if (!announcedYears.has(dateFromJdn(d).year)) unannounced.add(dateFromJdn(d).year);
    }
    return { depends_on_computed_days: days.length > 0 || unannounced.size > 0, computed_days: days, unannounced_years: [...unannounced] };
  }

  function workingAt(jdn: number, overrides: OverrideMap): boolean {
    const o = overrides.get(jdn);
    if (o) return o.working;
    if (isWeekend(jdn)) return false;
    return !daysOffOf(dateFromJdn(jdn).year).has(jdn);
  }

  /** Civil Code Art. 147–148: jdn + n, or the next working day when that is a day off. */
  function endOfDays(jdn: number, n: number, overrides: OverrideMap): number {
    let d = jdn + n;
    if (d < MIN_JDN || d > MAX_JDN) throw outOfRange();
    while (!workingAt(d, overrides)) {
      d++;
      if (d > MAX_JDN) throw outOfRange();
    }
    return d;
  }

  /** The |n|-th working day after (n > 0) or before (n < 0) `jdn`; n = 0 is `jdn` itself. */
  function stepWorking(jdn: number, n: number, overrides: OverrideMap): number {
    const dir = n < 0 ? -1 : 1;
    let left = Math.abs(n);
    let d = jdn;
    while (left > 0) {
      d += dir;
      if (d < MIN_JDN || d > MAX_JDN) throw outOfRange();
      if (workingAt(d, overrides)) left--;
    }
    return d;
  }

  return {
    dayAt,
    workingAt,

    async isWorkingDay(date: string): Promise<boolean> {
      const jdn = checkDate('/date', date);
      return workingAt(jdn, await loadOverrides());
    },

    async day(date: string): Promise<CalendarDay> {
      const jdn = checkDate('/date', date);
      return dayAt(jdn, await loadOverrides());
    },

    /** Every day from `from` to `to`, both included. */
    async days(from: string, to: string): Promise<CalendarDay[]> {
      const a = checkDate('/from', from);
      const b = checkDate('/to', to);
      if (b < a) throw invalid('/to', 'Ngày kết thúc phải từ ngày bắt đầu trở đi.', 'The end date must not be before the start date.');
      if (b - a + 1 > MAX_RANGE_DAYS) {
        throw invalid('/to', `Mỗi lần chỉ lấy tối đa ${MAX_RANGE_DAYS} ngày (3 năm).`, `At most ${MAX_RANGE_DAYS} days (3 years) per request.`);
      }
      const overrides = await loadOverrides();
      const out: CalendarDay[] = [];
      for (let d = a; d <= b; d++) out.push(dayAt(d, overrides));
      return out;
    },

    /**
     * Civil Code 2015 Art. 147(1): the day the period starts from is not
     * counted. Returns the n-th working day after `from` — the last day of a
     * period of n working days (R-15.3/R-15.4/R-15.5 deadlines). A negative n
     * counts back: the n-th working day before `from`.
     */
    async addWorkingDays(from: string, n: number): Promise<string> {
      const jdn = checkDate('/from', from);
      checkPeriod('/n', n);
      return jdnToIso(stepWorking(jdn, n, await loadOverrides()));
    },

    /**
     * A period of n calendar days: from + n (the start day not counted, Civil
     * Code Art. 147(1)); when that day is a weekend or a holiday the period
     * ends on the next working day (Art. 148(4)).
     */
    async addDays(from: string, n: number): Promise<string> {
      const jdn = checkDate('/from', from);
      checkPeriod('/n', n);
      return jdnToIso(endOfDays(jdn, n, await loadOverrides()));
    },

    /**
     * addWorkingDays, with what the deadline rests on: the computed days among
     * the days counted (R-15.3 — a deadline on a day no text announced says so).
     */
    async workingDeadline(from: string, n: number): Promise<Deadline> {
      const jdn = checkDate('/from', from);
      checkPeriod('/n', n);
      const overrides = await loadOverrides();
      const end = stepWorking(jdn, n, overrides);
      const [lo, hi] = end >= jdn ? [jdn + 1, end] : [end, jdn - 1];
      return { from, n, unit: 'working_days', date: jdnToIso(end), legal_basis: WORKING_DAYS_BASIS, ...basisOf(lo, hi, overrides) };
    },

    /**
     * addDays, with what the deadline rests on: the computed days among the
     * nominal last day and the days off it moved across (Civil Code Art. 148).
     */
    async dayDeadline(from: string, n: number): Promise<Deadline> {
      const jdn = checkDate('/from', from);
      checkPeriod('/n', n);
      const overrides = await loadOverrides();
      const end = endOfDays(jdn, n, overrides);
      return { from, n, unit: 'days', date: jdnToIso(end), legal_basis: DAYS_BASIS, ...basisOf(jdn + n, end, overrides) };
    },

    /** The computed days among from < d ≤ to, for a period computed elsewhere. */
    async basisBetween(from: string, to: string): Promise<CalendarBasis> {
      const a = checkDate('/from', from);
      const b = checkDate('/to', to);
      if (Math.abs(b - a) > MAX_PERIOD * 2) throw invalid('/to', 'Khoảng thời gian quá dài.', 'The interval is too long.');
      return basisOf(Math.min(a, b) + 1, Math.max(a, b), await loadOverrides());
    },

    /**
     * Working days d with from < d ≤ to (the start day not counted), so that
     * workingDaysBetween(x, addWorkingDays(x, n)) = n. Negative when to < from.
     */
    async workingDaysBetween(from: string, to: string): Promise<number> {
      const a = checkDate('/from', from);
      const b = checkDate('/to', to);
      if (Math.abs(b - a) > MAX_PERIOD * 2) {
        throw invalid('/to', 'Khoảng thời gian quá dài.', 'The interval is too long.');
      }
      const overrides = await loadOverrides();
      const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
      let n = 0;
      for (let d = lo + 1; d <= hi; d++) if (workingAt(d, overrides)) n++;
      return sign * n;
    },
  };
}

function checkInput(input: DayInput): void {
  if (typeof input.working !== 'boolean') throw invalid('/working', 'Cần giá trị "true" hoặc "false".', 'A boolean is required.');
  for (const [k, max] of [
    ['reason_vi', 300],
    ['reason_en', 300],
    ['legal_basis', 500],
  ] as const) {
    const v = input[k];
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) {
      throw invalid(`/${k}`, `Trường "${k}" bắt buộc, tối đa ${max} ký tự.`, `"${k}" is required, at most ${max} characters.`);
    }
  }
  // a day the coordinator records is an official text's day; the text is named.
  const src = input.source;
  if (!src || typeof src !== 'object')
    throw invalid('/source', 'Phải nêu văn bản (số hiệu, cơ quan ban hành, ngày).', 'The document (number, issuer, date) is required.');
  for (const [k, max] of [
    ['document', 200],
    ['issuer', 200],
  ] as const) {
    if (typeof src[k] !== 'string' || src[k].trim().length === 0 || src[k].length > max) {
      throw invalid(`/source/${k}`, `Trường "source.${k}" bắt buộc, tối đa ${max} ký tự.`, `"source.${k}" is required, at most ${max} characters.`);
    }
  }
  if (typeof src.date !== 'string' || !isIsoDate(src.date))
    throw invalid('/source/date', 'Ngày ban hành không hợp lệ (cần dạng YYYY-MM-DD).', 'Invalid document date (expected YYYY-MM-DD).');
  if (src.url !== null && src.url !== undefined && (typeof src.url !== 'string' || !/^https?:\/\/\S{1,490}$/.test(src.url))) {
    throw invalid('/source/url', 'Địa chỉ văn bản phải là http(s).', 'The document address must be http(s).');
  }
}

async function loadActive(db: Queryable): Promise<Map<number, DayInput>> {
  const r = await db.query<OverrideRow>(`SELECT ${COLUMNS} FROM calendar_days WHERE active`);
  return new Map(
    r.rows.map((o) => [
      isoToJdn(o.date),
      { working: o.working, reason_vi: o.reason_vi, reason_en: o.reason_en, legal_basis: o.legal_basis, source: sourceOf(o) },
    ]),
  );
}

async function overrideRow(db: Queryable, date: string, lock = false): Promise<CalendarOverride | undefined> {
  const r = await db.query<OverrideRow>(`SELECT ${COLUMNS} FROM calendar_days WHERE day = $1${lock ? ' FOR UPDATE' : ''}`, [date]);
  return r.rows[0] && toOverride(r.rows[0]);
}

/** The fields the history shows, the source flattened as the seed records it. */
const audited = (o: CalendarOverride | (DayInput & { active?: boolean })) => ({
  working: o.working,
  reason_vi: o.reason_vi,
  reason_en: o.reason_en,
  legal_basis: o.legal_basis,
  active: 'active' in o ? (o.active ?? true) : true,
  source_document: o.source?.document ?? null,
  source_issuer: o.source?.issuer ?? null,
  source_date: o.source?.date ?? null,
  source_url: o.source?.url ?? null,
});

export function createCalendarService(db: Database, clock: Clock) {
  // Overrides cached in memory: a local change invalidates at once; other
  // instances' changes are picked up after CACHE_TTL_MS.
  const cache = createCache<'overrides', Map<number, DayInput>>({ max: 1, ttlMs: CACHE_TTL_MS });
  const invalidate = (): void => cache.invalidate();
  const overrides = (): Promise<OverrideMap> => cache.get('overrides', () => loadActive(db));

  const { dayAt, workingAt: _workingAt, ...read } = calendarReader(overrides);

  return {
    ...read,

    /**
     * Records the government's decision for one date (a swapped or added day
     * off, a make-up working day) — coordinator only. A second PUT
     * changes it; every change is in the history with its reason.
     */
    async setDay(p: Principal, date: string, input: DayInput, reason?: string): Promise<CalendarDay> {
      requireCoordinator(p, 'sửa lịch ngày làm việc', 'edit the working-day calendar');
      const jdn = checkDate('/date', date);
      checkInput(input);
      const now = clock.now();
      await db.transaction(async (tx) => {
        const before = await overrideRow(tx, date, true);
        const src = input.source!;
        const fields: DayInput = {
          working: input.working,
          reason_vi: input.reason_vi.trim(),
          reason_en: input.reason_en.trim(),
          legal_basis: input.legal_basis.trim(),
          source: { document: src.document.trim(), issuer: src.issuer.trim(), date: src.date, url: src.url ?? null },
        };
        const values = [
          date,
          fields.working,
          fields.reason_vi,
          fields.reason_en,
          fields.legal_basis,
          p.username,
          now,
          fields.source!.document,
          fields.source!.issuer,
          fields.source!.date,
          fields.source!.url,
        ];
        if (before) {
          await tx.query(
            `UPDATE calendar_days SET working = $2, reason_vi = $3, reason_en = $4, legal_basis = $5, active = true, source = 'operator',
                    version = version + 1, updated_by = $6, updated_at = $7, source_document = $8, source_issuer = $9, source_date = $10, source_url = $11 WHERE day = $1`,
            values,
          );
          await recordChange(tx, {
            entity: HISTORY_ENTITY,
            key: date,
            action: before.active ? 'update' : 'reinstate',
            actor: p.username,
            reason,
            before: audited(before),
            after: audited(fields),
            at: now,
          });
        } else {
          await tx.query(
            `INSERT INTO calendar_days (day, working, reason_vi, reason_en, legal_basis, active, source, created_by, updated_by, created_at, updated_at,
                                        source_document, source_issuer, source_date, source_url)
             VALUES ($1, $2, $3, $4, $5, true, 'operator', $6, $6, $7, $7, $8, $9, $10, $11)`,
            values,
          );
          await recordChange(tx, { entity: HISTORY_ENTITY, key: date, action: 'create', actor: p.username, reason, after: audited(fields), at: now });
        }
      });
      invalidate();
      return dayAt(jdn, await overrides());
    },

    /**
     * Withdraws the override of a date: nothing is deleted (the row stays,
     * inactive, and the history says who withdrew it and why); the computed
     * default applies again.
     */
    async clearDay(p: Principal, date: string, reason?: string): Promise<CalendarDay> {
      requireCoordinator(p, 'sửa lịch ngày làm việc', 'edit the working-day calendar');
      const jdn = checkDate('/date', date);
      const now = clock.now();
      await db.transaction(async (tx) => {
        const before = await overrideRow(tx, date, true);
        if (!before?.active) throw notFound('ngày điều chỉnh', 'calendar override', date);
        await tx.query(`UPDATE calendar_days SET active = false, version = version + 1, updated_by = $2, updated_at = $3 WHERE day = $1`, [
          date,
          p.username,
          now,
        ]);
        await recordChange(tx, {
          entity: HISTORY_ENTITY,
          key: date,
          action: 'withdraw',
          actor: p.username,
          reason,
          before: audited(before),
          after: { ...audited(before), active: false },
          at: now,
        });
      });
      invalidate();
      return dayAt(jdn, await overrides());
    },

    /** The override of a date, active or withdrawn, or null. */
    async override(date: string): Promise<CalendarOverride | null> {
      checkDate('/date', date);
      return (await overrideRow(db, date)) ?? null;
    },

    /** Active overrides between two dates (both included). */
    async overrides(from: string, to: string): Promise<CalendarOverride[]> {
      checkDate('/from', from);
      checkDate('/to', to);
      const r = await db.query<OverrideRow>(`SELECT ${COLUMNS} FROM calendar_days WHERE active AND day BETWEEN $1 AND $2 ORDER BY day`, [from, to]);
      return r.rows.map(toOverride);
    },

    async history(date: string): Promise<HistoryEntry[]> {
      checkDate('/date', date);
      return historyOf(db, HISTORY_ENTITY, date);
    },

    /** Drops the cache (tests; an operator tool that edits the table directly). */
    invalidate,
  };
}
