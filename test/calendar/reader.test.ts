import { describe, expect, it } from 'vitest';
import { type DayInput, calendarReader } from '../../src/calendar/service.ts';
import { isoToJdn } from '../../src/calendar/lunar.ts';

/**
 * The deadline arithmetic itself, without a database: the computed calendar, with or without the
 * government's per-date overrides. Fast enough for mutation testing (docs/MUTATION.md).
 */
const source = { document: '1234/TB-VPCP', issuer: 'Văn phòng Chính phủ', date: '2025-01-01', url: null };
const override = (working: boolean): DayInput => ({ working, reason_vi: 'Điều chỉnh', reason_en: 'Adjusted', legal_basis: 'Thông báo', source });
const plain = calendarReader(async () => new Map());
const withOverrides = (days: Record<string, boolean>) => calendarReader(async () => new Map(Object.entries(days).map(([d, w]) => [isoToJdn(d), override(w)])));

async function problem(p: Promise<unknown>): Promise<{ status: number; detail: string }> {
  try {
    await p;
  } catch (e) {
    return e as { status: number; detail: string };
  }
  throw new Error('expected a refusal');
}

describe('deadline arithmetic of the working-day calendar (R-15.3, R-15.4, R-15.5)', () => {
  it('R-15.3: 7 working days skip weekends and the Hùng Kings holiday, forwards and backwards; 0 is the day itself', async () => {
    // Friday 4/4/2025; Monday 7/4 is 10/3 âm lịch.
    expect(await plain.addWorkingDays('2025-04-04', 7)).toBe('2025-04-16');
    expect(await plain.addWorkingDays('2025-04-16', -7)).toBe('2025-04-04');
    expect(await plain.addWorkingDays('2025-04-04', 0)).toBe('2025-04-04');
    expect(await plain.addWorkingDays('2025-04-03', 1)).toBe('2025-04-04');
    expect(await plain.workingDaysBetween('2025-04-04', '2025-04-16')).toBe(7);
    expect(await plain.workingDaysBetween('2025-04-16', '2025-04-04')).toBe(-7);
    expect(await plain.workingDaysBetween('2025-04-04', '2025-04-04')).toBe(0);
    expect(await plain.workingDaysBetween('2025-04-04', '2025-04-07')).toBe(0);
    expect(await plain.workingDaysBetween('2025-04-07', '2025-04-08')).toBe(1);
    expect(await plain.isWorkingDay('2025-04-07')).toBe(false);
    expect(await plain.isWorkingDay('2025-04-05')).toBe(false);
    expect(await plain.isWorkingDay('2025-04-08')).toBe(true);
  });

  it('R-15.5: a period in days ends on its last day, or on the next working day when that is a day off (Civil Code Art. 148)', async () => {
    expect(await plain.addDays('2025-04-01', 1)).toBe('2025-04-02');
    // Saturday, Sunday, then the Hùng Kings holiday: Tuesday.
    expect(await plain.addDays('2025-04-04', 1)).toBe('2025-04-08');
    expect(await plain.addDays('2025-04-25', 5)).toBe('2025-05-02');
    expect(await plain.addDays('2026-12-31', 1)).toBe('2027-01-04');
    expect(await plain.addDays('2025-04-08', 0)).toBe('2025-04-08');
  });

  it("R-15.3: the government's overrides decide a day — an added day off moves a deadline, a make-up Saturday counts", async () => {
    const cal = withOverrides({ '2025-04-08': false, '2025-04-12': true });
    expect(await cal.addWorkingDays('2025-04-04', 1)).toBe('2025-04-09');
    expect(await cal.addWorkingDays('2025-04-10', 2)).toBe('2025-04-12');
    expect(await cal.addDays('2025-04-04', 1)).toBe('2025-04-09');
    expect(await cal.isWorkingDay('2025-04-12')).toBe(true);
    expect(await cal.workingDaysBetween('2025-04-04', '2025-04-14')).toBe(5);
    const kinds = await cal.days('2025-04-05', '2025-04-12');
    expect(kinds.map((d) => [d.date, d.kind, d.working, d.override])).toEqual([
      ['2025-04-05', 'weekend', false, false],
      ['2025-04-06', 'weekend', false, false],
      ['2025-04-07', 'holiday', false, false],
      ['2025-04-08', 'day_off', false, true],
      ['2025-04-09', 'workday', true, false],
      ['2025-04-10', 'workday', true, false],
      ['2025-04-11', 'workday', true, false],
      ['2025-04-12', 'makeup', true, true],
    ]);
    expect(await withOverrides({ '2025-04-13': false }).day('2025-04-13')).toMatchObject({ kind: 'weekend', override: true, status: 'announced', source });
    expect(await withOverrides({ '2025-04-07': true }).day('2025-04-07')).toMatchObject({ kind: 'workday', working: true, reason: 'Điều chỉnh' });
  });

  it('R-15.3: a deadline says which computed (unannounced) days it rests on, and the years with no announcement', async () => {
    expect(await plain.workingDeadline('2025-04-04', 7)).toMatchObject({
      from: '2025-04-04',
      n: 7,
      unit: 'working_days',
      date: '2025-04-16',
      depends_on_computed_days: true,
      computed_days: ['2025-04-07'],
      unannounced_years: [],
    });
    expect((await plain.workingDeadline('2025-04-04', 7)).legal_basis).toContain('Điều 147');
    // Backwards, the days counted are the ones before the start.
    expect(await plain.workingDeadline('2025-04-16', -7)).toMatchObject({ date: '2025-04-04', computed_days: ['2025-04-07'] });
    expect(await plain.workingDeadline('2025-04-08', 2)).toMatchObject({ date: '2025-04-10', depends_on_computed_days: false, computed_days: [] });
    expect(await plain.workingDeadline('2027-04-09', 7)).toMatchObject({
      date: '2027-04-21',
      depends_on_computed_days: true,
      computed_days: ['2027-04-16'],
      unannounced_years: [2027],
    });
    expect(await plain.workingDeadline('2027-04-19', 1)).toMatchObject({ depends_on_computed_days: true, computed_days: [], unannounced_years: [2027] });
    const days = await plain.dayDeadline('2025-04-04', 1);
    expect(days).toMatchObject({ unit: 'days', date: '2025-04-08', computed_days: ['2025-04-07'], depends_on_computed_days: true });
    expect(days.legal_basis).toContain('khoản 4 Điều 148');
    expect(await plain.dayDeadline('2026-12-31', 1)).toMatchObject({ date: '2027-01-04', computed_days: ['2027-01-01'], unannounced_years: [2027] });
    expect(await plain.dayDeadline('2025-04-01', 1)).toMatchObject({ date: '2025-04-02', depends_on_computed_days: false });
    // Weekends and compensatory days: only holidays and compensatory days are named.
    expect(await plain.basisBetween('2026-04-01', '2026-04-30')).toEqual({
      depends_on_computed_days: true,
      computed_days: ['2026-04-26', '2026-04-27', '2026-04-30'],
      unannounced_years: [],
    });
    expect(await plain.basisBetween('2026-04-30', '2026-04-01')).toMatchObject({ computed_days: ['2026-04-26', '2026-04-27', '2026-04-30'] });
    // The first day is not counted.
    expect(await plain.basisBetween('2026-04-26', '2026-04-27')).toMatchObject({ computed_days: ['2026-04-27'] });
    // An announced day is not computed.
    expect(await withOverrides({ '2025-04-07': false }).basisBetween('2025-04-01', '2025-04-10')).toMatchObject({ depends_on_computed_days: false });
  });

  it('R-15.3: dates and periods outside the calendar are refused, not miscounted', async () => {
    for (const bad of ['2025-02-30', '25-01-01', '', '1899-12-31', '2101-01-01']) {
      expect((await problem(plain.addWorkingDays(bad, 1))).status).toBe(400);
      expect((await problem(plain.addDays(bad, 1))).status).toBe(400);
      expect((await problem(plain.day(bad))).status).toBe(400);
    }
    expect(await plain.day('1900-01-01')).toMatchObject({ date: '1900-01-01' });
    expect(await plain.day('2100-12-31')).toMatchObject({ date: '2100-12-31' });
    for (const n of [1.5, 3661, -3661, Number.NaN]) {
      expect((await problem(plain.addWorkingDays('2025-04-01', n))).status).toBe(400);
      expect((await problem(plain.addDays('2025-04-01', n))).status).toBe(400);
      expect((await problem(plain.workingDeadline('2025-04-01', n))).status).toBe(400);
      expect((await problem(plain.dayDeadline('2025-04-01', n))).status).toBe(400);
    }
    expect(await plain.addDays('2025-04-01', 3660)).toMatch(/^2035-/);
    expect(await plain.addDays('2035-04-01', -3660)).toMatch(/^2025-/);
    // Past the calendar's last day: 422, not an endless search.
    expect((await problem(plain.addDays('2100-12-31', 1))).status).toBe(422);
    expect((await problem(plain.addWorkingDays('2100-12-31', 1))).status).toBe(422);
    expect((await problem(plain.addWorkingDays('1900-01-01', -1))).status).toBe(422);
    expect((await problem(plain.addDays('1900-01-01', -1))).status).toBe(422);
    expect((await problem(plain.workingDaysBetween('2025-01-01', '2045-01-17'))).status).toBe(400);
    expect((await problem(plain.basisBetween('2045-01-17', '2025-01-01'))).status).toBe(400);
    expect(await plain.workingDaysBetween('2025-01-01', '2045-01-16')).toBeGreaterThan(4900);
  });

  it('the days of a range: both ends included, at most three years, the end not before the start', async () => {
    expect((await plain.days('2025-04-01', '2025-04-01')).map((d) => d.date)).toEqual(['2025-04-01']);
    expect(await plain.days('2025-01-01', '2028-01-02')).toHaveLength(1097);
    expect(await plain.days('2025-01-01', '2028-01-03')).toHaveLength(1098);
    expect((await problem(plain.days('2025-01-01', '2028-01-04'))).status).toBe(400);
    expect((await problem(plain.days('2025-04-02', '2025-04-01'))).status).toBe(400);
    expect((await problem(plain.days('2025-04-01', 'x'))).status).toBe(400);
  });

  it('R-15.3: the first and last days of the calendar are usable; a period only just past them is refused', async () => {
    // 31/12/2100 is a Friday, a working day; 1/1/1900 a holiday unless an override makes it a working day.
    expect(await plain.addDays('2100-12-30', 1)).toBe('2100-12-31');
    expect(await plain.addWorkingDays('2100-12-30', 1)).toBe('2100-12-31');
    expect(await withOverrides({ '2100-12-30': false }).addDays('2100-12-29', 1)).toBe('2100-12-31');
    expect((await problem(withOverrides({ '2100-12-31': false }).addDays('2100-12-30', 1))).status).toBe(422);
    expect(await plain.addDays('1900-01-02', -1)).toBe('1900-01-02');
    expect(await withOverrides({ '1900-01-01': true }).addWorkingDays('1900-01-02', -1)).toBe('1900-01-01');
    for (let k = 1; k <= 7; k++) {
      expect((await problem(plain.addDays('2100-12-31', k))).status).toBe(422);
      expect((await problem(plain.addWorkingDays('2100-12-31', k))).status).toBe(422);
      expect((await problem(plain.addDays('1900-01-01', -k))).status).toBe(422);
    }
    expect(await plain.basisBetween('2025-01-01', '2045-01-16')).toMatchObject({ depends_on_computed_days: true });
    expect(await plain.basisBetween('2025-01-01', '2034-01-01')).toMatchObject({ depends_on_computed_days: true });
  });

  it('R-15.3: a deadline rests only on the days of its own period, and an announced holiday is not a computed one', async () => {
    // 1/5/2025 is in the Government's announcement; 7/4/2025 (Hùng Kings) is computed.
    expect(await plain.basisBetween('2025-04-29', '2025-05-02')).toEqual({ depends_on_computed_days: false, computed_days: [], unannounced_years: [] });
    // Backwards from the holiday itself: the start day is not counted.
    expect(await plain.workingDeadline('2025-04-07', -1)).toMatchObject({ date: '2025-04-04', depends_on_computed_days: false, computed_days: [] });
    // A day period from the day after the holiday: the holiday is before the period.
    expect(await plain.dayDeadline('2025-04-08', 1)).toMatchObject({ date: '2025-04-09', depends_on_computed_days: false, computed_days: [] });
  });
});
