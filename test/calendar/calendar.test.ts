import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describe, expect, it } from 'vitest';
import { type Calendar, calendarRoutes, createCalendar, seedCalendar } from '../../src/calendar/index.ts';
import { defaultDaysOff, statutoryHolidays } from '../../src/calendar/holidays.ts';
import { isoToJdn, jdnToIso } from '../../src/calendar/lunar.ts';
import { calendarSeed } from '../../src/calendar/seed.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { Database } from '../../src/db/database.ts';
import { migrationsOf } from '../../src/migrations.ts';
import { migrate } from '../../src/db/migrate.ts';
import { installProblemHandlers } from '../../src/http/problems.ts';
import { Problem as ProblemSchema } from '../../src/http/schemas.ts';
import { validatorCompiler } from '../../src/http/validation.ts';
import type { Principal } from '../../src/registry/principal.ts';
import { DRIVERS, useFreshDatabase } from '../helpers/platform.ts';

const principal = (username: string, roles: Principal['roles']): Principal => ({
  userId: '00000000-0000-0000-0000-000000000001',
  username,
  fullName: username,
  agencyCode: 'VPTW',
  roles,
  sessionId: '00000000-0000-0000-0000-000000000002',
  sessionExpiresAt: new Date(8.64e15),
});
const coordinator = principal('dieu.phoi', ['coordinator']);
const custodian = principal('quan.tri.bo', ['custodian_admin']);

/** Days off (not weekends) of a year, with their reasons. */
async function daysOff(cal: Calendar, year: number): Promise<string[]> {
  return (await cal.days(`${year}-01-01`, `${year}-12-31`)).filter((d) => !d.working && d.kind !== 'weekend').map((d) => `${d.date} ${d.reason}`);
}

describe('default calendar, Labour Code 2019 Art. 112 (pure)', () => {
  const off = (y: number) => [...defaultDaysOff(y).keys()].sort((a, b) => a - b).map(jdnToIso);

  it('R-15.3: two holidays on one date (Hùng Kings on 30/4 in 1947) are one day off naming both, listed in date order', () => {
    const days = statutoryHolidays(1947).map((h) => ({ date: jdnToIso(h.jdn), reason: h.reason }));
    expect(days.map((d) => d.date)).toEqual([...new Set(days.map((d) => d.date))].sort());
    expect(days.find((d) => d.date === '1947-04-30')?.reason).toBe('Giỗ Tổ Hùng Vương (10/3 âm lịch); Ngày Chiến thắng (30/4)');
  });

  it('R-15.3: 2023 default is the published 29/4–3/5: Hùng Kings (Sat) and 30/4 (Sun) give Tue 2/5 and Wed 3/5', () => {
    expect(off(2023).filter((d) => d >= '2023-04-01' && d <= '2023-05-31')).toEqual(['2023-04-29', '2023-04-30', '2023-05-01', '2023-05-02', '2023-05-03']);
    // 2/9/2023 was a Saturday: 1/9 (Fri) adjacent, compensatory Monday 4/9, as published.
    expect(off(2023).filter((d) => d >= '2023-09-01')).toEqual(['2023-09-01', '2023-09-02', '2023-09-04']);
  });

  it('R-15.3: 2022 default is the published 30/4–3/5 and compensatory 11/4 for Hùng Kings on Sunday 10/4', () => {
    expect(off(2022).filter((d) => d >= '2022-04-01' && d <= '2022-05-31')).toEqual([
      '2022-04-10',
      '2022-04-11',
      '2022-04-30',
      '2022-05-01',
      '2022-05-02',
      '2022-05-03',
    ]);
  });

  it('Tết is the last day of the lunar year and mùng 1–4; a Tết day on a weekend gives a compensatory day after the block', () => {
    expect(off(2025).filter((d) => d >= '2025-01-20' && d <= '2025-02-10')).toEqual([
      '2025-01-28',
      '2025-01-29',
      '2025-01-30',
      '2025-01-31',
      '2025-02-01',
      '2025-02-03',
    ]);
    expect(off(2026).filter((d) => d >= '2026-02-01' && d <= '2026-02-28')).toEqual(['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']);
  });

  it('R-15.3: every shipped day cites its document (number, issuer, date); overrides are exactly the days that differ from the computed default', () => {
    const seed = calendarSeed();
    for (const d of seed.days) {
      expect(d.source.document, d.date).toMatch(/\d+\/(VPCP-KGVX|TB-BNV)/);
      expect(d.source.issuer, d.date).toMatch(/^(Văn phòng Chính phủ|Bộ Nội vụ)/);
      expect(d.source.date, d.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.source.date < d.date, d.date).toBe(true); // announced before the day
    }
    for (const d of seed.overrides) {
      const jdn = isoToJdn(d.date);
      const dow = (jdn + 1) % 7;
      const defaultWorking = dow !== 0 && dow !== 6 && !defaultDaysOff(Number(d.date.slice(0, 4))).has(jdn);
      // 2025-02-01 is a Saturday either way: the override corrects its reason (not Tết mùng 4).
      if (d.date !== '2025-02-01') expect(`${d.date} ${d.working}`).toBe(`${d.date} ${!defaultWorking}`);
    }
    expect(seed.overrides.map((d) => d.date)).toEqual([
      '2025-01-27',
      '2025-02-01',
      '2025-02-03',
      '2025-04-26',
      '2025-05-02',
      '2026-01-02',
      '2026-01-10',
      '2026-08-22',
      '2026-08-31',
    ]);
    expect(seed.overrides.length + seed.confirmations.length).toBe(seed.days.length);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] working-day calendar service (R-15.3/R-15.4/R-15.5 deadlines)`, () => {
    let db: Database;
    let cal: Calendar;
    const clock = new ManualClock(new Date('2026-03-02T02:00:00Z'));

    useFreshDatabase(driver, async (fresh) => {
      db = fresh;
      await migrate(db, migrationsOf('db', 'calendar'));
      expect(await db.transaction((tx) => seedCalendar(tx, clock.now()))).toBe(calendarSeed().overrides.length);
      cal = createCalendar(db, clock);
    });

    it('seeds idempotently: a second run inserts nothing', async () => {
      expect(await db.transaction((tx) => seedCalendar(tx, clock.now()))).toBe(0);
      expect((await cal.history('2026-08-31')).map((h) => [h.action, h.actor])).toEqual([['seed', 'system']]);
    });

    it('R-15.3: 2025, the full set of days off as Công văn 8726/VPCP-KGVX sets them — Tết 28 Chạp to mùng 3, break 25/1–2/2 with no make-up day', async () => {
      expect(await daysOff(cal, 2025)).toEqual([
        '2025-01-01 Tết Dương lịch (1/1)',
        '2025-01-27 Tết Nguyên Đán (28 tháng Chạp)',
        '2025-01-28 Tết Nguyên Đán (29 tháng Chạp)',
        '2025-01-29 Tết Nguyên Đán (mùng 1)',
        '2025-01-30 Tết Nguyên Đán (mùng 2)',
        '2025-01-31 Tết Nguyên Đán (mùng 3)',
        '2025-04-07 Giỗ Tổ Hùng Vương (10/3 âm lịch)',
        '2025-04-30 Ngày Chiến thắng (30/4)',
        '2025-05-01 Ngày Quốc tế Lao động (1/5)',
        '2025-05-02 Nghỉ hoán đổi dịp 30/4–1/5 (làm bù Thứ Bảy 26/04/2025)',
        '2025-09-01 Quốc khánh (ngày liền kề 1/9)',
        '2025-09-02 Quốc khánh (2/9)',
      ]);
      const tet = await cal.days('2025-01-24', '2025-02-03');
      expect(tet.map((d) => d.working)).toEqual([true, false, false, false, false, false, false, false, false, false, true]);
      expect(await cal.workingDaysBetween('2025-01-24', '2025-02-03')).toBe(1);
    });

    it('R-15.3: 2026, the full set of days off — 2/1 swapped (12729/VPCP-KGVX), Tết Bính Ngọ 14/2–22/2 and 31/8 swapped (9441/TB-BNV), Hùng Kings Sunday 26/4 → Monday 27/4 (computed)', async () => {
      expect(await daysOff(cal, 2026)).toEqual([
        '2026-01-01 Tết Dương lịch (1/1)',
        '2026-01-02 Nghỉ hoán đổi sau Tết Dương lịch 2026 (làm bù Thứ Bảy 10/01/2026)',
        '2026-02-16 Tết Nguyên Đán (29 tháng Chạp)',
        '2026-02-17 Tết Nguyên Đán (mùng 1)',
        '2026-02-18 Tết Nguyên Đán (mùng 2)',
        '2026-02-19 Tết Nguyên Đán (mùng 3)',
        '2026-02-20 Tết Nguyên Đán (mùng 4)',
        '2026-04-26 Giỗ Tổ Hùng Vương (10/3 âm lịch)',
        '2026-04-27 Nghỉ bù (Giỗ Tổ Hùng Vương (10/3 âm lịch) trùng Chủ Nhật 26/04/2026)',
        '2026-04-30 Ngày Chiến thắng (30/4)',
        '2026-05-01 Ngày Quốc tế Lao động (1/5)',
        '2026-08-31 Nghỉ hoán đổi dịp Quốc khánh (làm bù Thứ Bảy 22/08/2026)',
        '2026-09-01 Quốc khánh (ngày liền kề 1/9)',
        '2026-09-02 Quốc khánh (2/9)',
      ]);
      expect((await cal.days('2026-02-13', '2026-02-23')).map((d) => d.working)).toEqual([
        true,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        true,
      ]);
      expect(await cal.day('2026-04-27')).toMatchObject({
        working: false,
        kind: 'compensatory',
        legal_basis: 'Khoản 3 Điều 112 Bộ luật Lao động 2019',
        status: 'computed',
        source: null,
      });
      // Quốc khánh 2026: Saturday 29/8 to Wednesday 2/9, Monday 31/8 made up on Saturday 22/8.
      expect((await cal.days('2026-08-28', '2026-09-03')).map((d) => d.working)).toEqual([true, false, false, false, false, false, true]);
    });

    it('R-15.3: the announced make-up Saturdays are working days — 26/4/2025, 10/1/2026, 22/8/2026 — and 15/2/2025 is not one', async () => {
      for (const d of ['2025-04-26', '2026-01-10', '2026-08-22']) {
        expect(await cal.isWorkingDay(d)).toBe(true);
        expect(await cal.day(d)).toMatchObject({ working: true, kind: 'makeup', override: true, status: 'announced' });
      }
      // The shipped data had Saturday 15/2/2025 as a make-up day for a swapped 27/1: no text says so.
      expect(await cal.day('2025-02-15')).toMatchObject({ working: false, kind: 'weekend', reason: 'Thứ Bảy', override: false });
      expect(await cal.day('2025-02-22')).toMatchObject({ working: false, kind: 'weekend', reason: 'Thứ Bảy' });
      expect(await cal.day('2025-02-14')).toMatchObject({ working: true, kind: 'workday', reason: 'Ngày làm việc', reason_en: 'Working day' });
    });

    it('R-15.3/R-15.4: working-day counts across Tết — the start day is not counted (Civil Code Art. 147)', async () => {
      // Friday 24/1/2025 + 1 working day: the whole break and the weekend are skipped.
      expect(await cal.addWorkingDays('2025-01-24', 1)).toBe('2025-02-03');
      // 5 working days from Friday 13/2/2026: Tết Bính Ngọ, then 23–27/2.
      expect(await cal.addWorkingDays('2026-02-13', 5)).toBe('2026-02-27');
      // January–February 2026: 22 − 1 (2/1) − 1 (1/1) + 1 (Sat 10/1) = 21 in January, 20 − 5 (Tết) = 15 in February.
      expect(await cal.workingDaysBetween('2025-12-31', '2026-01-31')).toBe(21);
      expect(await cal.workingDaysBetween('2026-01-31', '2026-02-28')).toBe(15);
      // 2025: Tết ended on Sunday 2/2 with no make-up Saturday: 10 working days after Friday 7/2 end on Friday 21/2.
      expect(await cal.addWorkingDays('2025-02-07', 10)).toBe('2025-02-21');
      // 2026: 7 working days after Thursday 20/8 count the make-up Saturday 22/8 and end before the swapped 31/8.
      expect(await cal.addWorkingDays('2026-08-20', 7)).toBe('2026-08-28');
      // Counting the make-up Saturday: 10 working days after Friday 9/1/2026 ends on Thursday 22/1, not Friday 23/1.
      expect(await cal.addWorkingDays('2026-01-09', 1)).toBe('2026-01-10');
      expect(await cal.addWorkingDays('2026-01-09', 10)).toBe('2026-01-22');
    });

    it('R-15.5: addWorkingDays and workingDaysBetween are inverse; a negative n counts back; 0 is the day itself', async () => {
      for (const from of ['2025-01-20', '2025-04-25', '2026-02-13', '2026-04-24', '2026-12-30']) {
        for (const n of [1, 3, 10, 30]) expect(await cal.workingDaysBetween(from, await cal.addWorkingDays(from, n))).toBe(n);
      }
      expect(await cal.addWorkingDays('2025-02-03', -1)).toBe('2025-01-24');
      expect(await cal.addWorkingDays('2025-02-03', 0)).toBe('2025-02-03');
      expect(await cal.workingDaysBetween('2025-02-03', '2025-01-24')).toBe(-1);
      expect(await cal.workingDaysBetween('2025-02-03', '2025-02-03')).toBe(0);
    });

    it('Civil Code Art. 148: a calendar-day period ending on a day off ends on the next working day', async () => {
      expect(await cal.addDays('2026-02-06', 10)).toBe('2026-02-23'); // 16/2 is 29 Tết → next working day is Monday 23/2
      expect(await cal.addDays('2026-03-02', 5)).toBe('2026-03-09'); // Saturday 7/3 → Monday 9/3
      expect(await cal.addDays('2026-03-02', 3)).toBe('2026-03-05'); // a working day: unchanged
      expect(await cal.addDays('2025-04-16', 10)).toBe('2025-04-26'); // Saturday 26/4/2025 is a make-up working day: it ends there
      expect(await cal.addDays('2025-04-20', 10)).toBe('2025-05-05'); // 30/4, 1/5, swapped 2/5, weekend → Monday 5/5
    });

    it('R-15.3: each announced day shows its source; days no text was found for are computed, with the reason', async () => {
      const doc = (d: string) => calendarSeed().days.find((x) => x.date === d)!.source;
      // Corrected days: Tết 2025 is 28 Chạp to mùng 3 (no swap); 2026 adds the Quốc khánh swap.
      expect(await cal.day('2025-01-27')).toMatchObject({
        working: false,
        reason: 'Tết Nguyên Đán (28 tháng Chạp)',
        status: 'announced',
        source: { document: expect.stringContaining('8726/VPCP-KGVX'), date: '2024-11-26' },
      });
      expect(await cal.day('2025-02-01')).toMatchObject({ working: false, kind: 'weekend', status: 'announced', source: doc('2025-02-01') });
      expect(await cal.day('2025-02-03')).toMatchObject({ working: true, kind: 'workday', status: 'announced', source: doc('2025-02-03') });
      expect(await cal.day('2026-08-31')).toMatchObject({
        working: false,
        kind: 'day_off',
        status: 'announced',
        source: { document: expect.stringContaining('9441/TB-BNV'), issuer: expect.stringContaining('Bộ Nội vụ'), date: '2025-10-16' },
      });
      expect(await cal.day('2026-01-02')).toMatchObject({
        working: false,
        status: 'announced',
        source: { document: expect.stringContaining('12729/VPCP-KGVX'), date: '2025-12-25' },
      });
      // Announced days that agree with the computation keep their computed kind and gain the source.
      expect(await cal.day('2026-02-17')).toMatchObject({ kind: 'holiday', override: false, status: 'announced', source: doc('2026-02-17') });
      expect(await cal.day('2025-09-01')).toMatchObject({ kind: 'holiday', override: false, status: 'announced', source: doc('2025-09-01') });
      // No text found: computed, said so.
      for (const d of ['2025-01-01', '2025-04-07', '2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01']) {
        expect(await cal.day(d), d).toMatchObject({
          working: false,
          status: 'computed',
          source: null,
          status_note: expect.stringContaining('Không tìm được văn bản'),
        });
      }
      // An ordinary day of an announced year; any day of a year not announced.
      expect(await cal.day('2026-03-03')).toMatchObject({ working: true, status: 'announced', source: null, status_note: null });
      for (const d of ['2027-02-05', '2027-03-03', '2024-05-02']) {
        expect(await cal.day(d), d).toMatchObject({ status: 'computed', source: null, status_note: expect.stringContaining('chưa có thông báo') });
      }
    });

    it('R-15.3: a deadline that rests on a computed day says so; one on announced days does not', async () => {
      expect(await cal.workingDeadline('2026-03-02', 5)).toEqual({
        from: '2026-03-02',
        n: 5,
        unit: 'working_days',
        date: '2026-03-09',
        legal_basis: expect.stringContaining('Điều 147'),
        depends_on_computed_days: false,
        computed_days: [],
        unannounced_years: [],
      });
      // Tết 2026 is announced: no computed day.
      expect(await cal.workingDeadline('2026-02-13', 5)).toMatchObject({ date: '2026-02-27', depends_on_computed_days: false });
      expect(await cal.workingDeadline('2026-04-24', 3)).toMatchObject({
        date: '2026-05-04',
        depends_on_computed_days: true,
        computed_days: ['2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01'],
      });
      expect(await cal.workingDeadline('2026-12-24', 7)).toMatchObject({ depends_on_computed_days: true, unannounced_years: [2027] });
      expect(await cal.workingDeadline('2026-05-08', -7)).toMatchObject({
        date: '2026-04-24',
        depends_on_computed_days: true,
        computed_days: ['2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01'],
      });
      // A calendar-day period depends on its last day and the days off it moved across, not the days inside.
      expect(await cal.dayDeadline('2026-04-22', 5)).toMatchObject({
        unit: 'days',
        date: '2026-04-28',
        depends_on_computed_days: true,
        computed_days: ['2026-04-27'],
      });
      expect(await cal.dayDeadline('2026-04-20', 20)).toMatchObject({ date: '2026-05-11', depends_on_computed_days: false });
      expect(await cal.basisBetween('2026-04-20', '2026-05-11')).toMatchObject({
        depends_on_computed_days: true,
        computed_days: ['2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01'],
      });
    });

    it("R-15.3: a restart corrects shipped rows nobody edited — the wrong 15/2/2025 make-up day is withdrawn, 27/1/2025 rewritten — and keeps the coordinator's rows", async () => {
      // Seed rows nobody edited, as a wrong seed wrote them: a restart may correct them.
      await db.query(
        `UPDATE calendar_days SET reason_vi = 'Nghỉ hoán đổi trước Tết Ất Tỵ (làm bù Thứ Bảy 15/02/2025)', source_document = NULL, source_issuer = NULL, source_date = NULL, source_url = NULL WHERE day = '2025-01-27'`,
      );
      await db.query(
        `INSERT INTO calendar_days (day, working, reason_vi, reason_en, legal_basis, active, source, created_by, updated_by, created_at, updated_at)
         VALUES ('2025-02-15', true, 'Làm bù cho Thứ Hai 27/01/2025', 'Make-up working day for Monday 27/01/2025', 'Thông báo (chưa đối chiếu số hiệu)', true, 'seed', 'system', 'system', now(), now()),
                ('2024-12-28', true, 'Làm bù (thử)', 'Make-up (test)', 'Thông báo (thử)', true, 'operator', 'dieu.phoi', 'dieu.phoi', now(), now())`,
      );
      cal.invalidate();
      expect(await cal.isWorkingDay('2025-02-15')).toBe(true);
      expect(await db.transaction((tx) => seedCalendar(tx, clock.now()))).toBe(2);
      cal.invalidate();
      expect(await cal.day('2025-02-15')).toMatchObject({ working: false, kind: 'weekend', override: false });
      expect((await cal.history('2025-02-15')).map((h) => [h.action, h.actor])).toEqual([['seed_withdrawal', 'system']]);
      expect(await cal.day('2025-01-27')).toMatchObject({ reason: 'Tết Nguyên Đán (28 tháng Chạp)', source: { date: '2024-11-26' } });
      expect((await cal.history('2025-01-27')).map((h) => h.action)).toEqual(['seed', 'seed_correction']);
      expect(await cal.day('2024-12-28')).toMatchObject({ working: true, override: true, source: null }); // the coordinator's row stays
      expect(await db.transaction((tx) => seedCalendar(tx, clock.now()))).toBe(0);
    });

    it('refuses bad dates, ranges and periods with 400 problems', async () => {
      await expect(cal.isWorkingDay('2025-02-30')).rejects.toMatchObject({ status: 400 });
      await expect(cal.days('1899-12-01', '1900-01-05')).rejects.toMatchObject({ status: 400 });
      await expect(cal.days('2025-01-01', '2028-12-31')).rejects.toMatchObject({ status: 400 });
      await expect(cal.days('2025-02-01', '2025-01-01')).rejects.toMatchObject({ status: 400 });
      await expect(cal.addWorkingDays('2025-01-01', 1.5)).rejects.toMatchObject({ status: 400 });
      await expect(cal.addWorkingDays('2100-12-30', 5)).rejects.toMatchObject({ status: 422 });
    });

    it('R-18.2: only the coordinator edits a day; every change and withdrawal is in the history; nothing is deleted', async () => {
      const other = createCalendar(db, clock); // another instance, cache warm before the change
      expect(await other.isWorkingDay('2026-04-29')).toBe(true);
      const source = { document: 'Thông báo số 1/TB-BNV (thử)', issuer: 'Bộ Nội vụ', date: '2026-03-01', url: null };
      const input = {
        working: false,
        reason_vi: 'Nghỉ hoán đổi dịp 30/4 (làm bù Thứ Bảy 09/05/2026)',
        reason_en: 'Swapped day off (made up on Saturday 09/05/2026)',
        legal_basis: 'Thông báo số 1/TB-BNV (thử)',
        source,
      };
      await expect(cal.setDay(custodian, '2026-04-29', input)).rejects.toMatchObject({ status: 403 });
      expect(await cal.setDay(coordinator, '2026-04-29', input, 'Theo thông báo')).toMatchObject({
        date: '2026-04-29',
        working: false,
        kind: 'day_off',
        override: true,
        reason: input.reason_vi,
        status: 'announced',
        source,
      });
      // a day the coordinator records names its text.
      await expect(cal.setDay(coordinator, '2026-04-28', { ...input, source: null })).rejects.toMatchObject({ status: 400 });
      await expect(cal.setDay(coordinator, '2026-04-28', { ...input, source: { ...source, date: '1/3/2026' } })).rejects.toMatchObject({ status: 400 });
      expect(await cal.isWorkingDay('2026-04-29')).toBe(false); // the editing instance sees it at once
      other.invalidate(); // another instance sees it within CACHE_TTL_MS; forced here
      expect(await other.isWorkingDay('2026-04-29')).toBe(false);

      await cal.setDay(coordinator, '2026-04-29', { ...input, legal_basis: 'Thông báo số 2/TB-BNV (thử)' }, 'Sửa số hiệu');
      expect(await cal.clearDay(coordinator, '2026-04-29', 'Nhập nhầm')).toMatchObject({ working: true, kind: 'workday', override: false });
      await expect(cal.clearDay(coordinator, '2026-04-29')).rejects.toMatchObject({ status: 404 });
      const history = await cal.history('2026-04-29');
      expect(history.map((h) => [h.action, h.actor, h.reason])).toEqual([
        ['create', 'dieu.phoi', 'Theo thông báo'],
        ['update', 'dieu.phoi', 'Sửa số hiệu'],
        ['withdraw', 'dieu.phoi', 'Nhập nhầm'],
      ]);
      expect(history[1]!.changes).toEqual({ legal_basis: { from: 'Thông báo số 1/TB-BNV (thử)', to: 'Thông báo số 2/TB-BNV (thử)' } });
      expect(history[2]!.changes).toEqual({ active: { from: true, to: false } });

      // The withdrawn row stays (a re-seed does not resurrect a withdrawn shipped day either).
      await cal.clearDay(coordinator, '2025-05-02', 'Thử rút');
      expect(await db.transaction((tx) => seedCalendar(tx, clock.now()))).toBe(0);
      expect(await cal.isWorkingDay('2025-05-02')).toBe(true);
      await cal.setDay(
        coordinator,
        '2025-05-02',
        calendarSeed().days.find((d) => d.date === '2025-05-02')!,
        'Khôi phục',
      );
      expect((await cal.history('2025-05-02')).map((h) => h.action)).toEqual(['seed', 'withdraw', 'reinstate']);
      await expect(db.query(`DELETE FROM calendar_days WHERE day = '2025-05-02'`)).rejects.toThrow(/hard-deleted/);
    });

    it('serves GET /calendar (no sign-in, ≤ 3 years), PUT and history of /calendar/days/{date}', async () => {
      const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
      app.setValidatorCompiler(validatorCompiler);
      app.addSchema(ProblemSchema);
      installProblemHandlers(app);
      app.decorateRequest('principal', null);
      // Stand-in for the platform's bearer authentication.
      app.addHook('onRequest', async (req) => {
        const who = req.headers['x-test-user'];
        req.principal = who === 'coordinator' ? coordinator : who === 'custodian' ? custodian : null;
      });
      await app.register(calendarRoutes(cal), { prefix: '/api/v1' });
      try {
        const week = await app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-01-25&to=2025-02-02' });
        expect(week.statusCode).toBe(200);
        expect(week.json().working_days).toBe(0);
        expect(week.json().days[4]).toEqual({
          date: '2025-01-29',
          working: false,
          reason: 'Tết Nguyên Đán (mùng 1)',
          reason_en: 'Lunar New Year (day 1)',
          kind: 'holiday',
          legal_basis: 'Khoản 1 Điều 112 Bộ luật Lao động 2019',
          override: false,
          status: 'announced',
          source: calendarSeed().days.find((d) => d.date === '2025-01-29')!.source,
          status_note: null,
          status_note_en: null,
        });
        expect(week.json().days[4].source).toMatchObject({ issuer: 'Văn phòng Chính phủ, truyền đạt ý kiến Thủ tướng Chính phủ', date: '2024-11-26' });
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-01-01&to=2025-12-31' })).json().days).toHaveLength(365);

        const tooLong = await app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-01-01&to=2029-01-01' });
        expect(tooLong.statusCode).toBe(400);
        expect(tooLong.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(tooLong.json()).toMatchObject({ status: 400, errors: [{ path: '/to' }] });
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-13-01&to=2025-12-31' })).statusCode).toBe(400);
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar?from=2025-01-01' })).statusCode).toBe(400);

        const body = {
          working: true,
          reason_vi: 'Làm bù cho Thứ Tư 29/04/2026',
          reason_en: 'Make-up working day',
          legal_basis: 'Thông báo (thử)',
          source: { document: 'Thông báo (thử)', issuer: 'Bộ Nội vụ', date: '2026-03-01' },
          reason: 'Thử',
        };
        const { source: _s, ...noSource } = body;
        expect(
          (await app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-05-09', payload: noSource, headers: { 'x-test-user': 'coordinator' } }))
            .statusCode,
        ).toBe(400);
        expect((await app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-05-09', payload: body })).statusCode).toBe(401);
        expect(
          (await app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-05-09', payload: body, headers: { 'x-test-user': 'custodian' } })).statusCode,
        ).toBe(403);
        expect(
          (
            await app.inject({
              method: 'PUT',
              url: '/api/v1/calendar/days/2026-05-09',
              payload: { ...body, extra: 1 },
              headers: { 'x-test-user': 'coordinator' },
            })
          ).statusCode,
        ).toBe(400);
        const put = await app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-05-09', payload: body, headers: { 'x-test-user': 'coordinator' } });
        expect(put.statusCode).toBe(200);
        expect(put.json()).toMatchObject({
          date: '2026-05-09',
          working: true,
          kind: 'makeup',
          override: true,
          status: 'announced',
          source: { ...body.source, url: null },
        });

        // a deadline says when it rests on a computed day.
        const dl = await app.inject({ method: 'GET', url: '/api/v1/calendar/deadline?from=2026-04-24&n=3' });
        expect(dl.statusCode).toBe(200);
        expect(dl.json()).toMatchObject({
          from: '2026-04-24',
          n: 3,
          unit: 'working_days',
          date: '2026-05-04',
          depends_on_computed_days: true,
          computed_days: ['2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01'],
          unannounced_years: [],
        });
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar/deadline?from=2026-08-20&n=10&unit=days' })).json()).toMatchObject({
          date: '2026-09-03',
          depends_on_computed_days: false,
        });
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar/deadline?from=2026-08-20&n=x' })).statusCode).toBe(400);
        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar/days/2026-05-09' })).json()).toMatchObject({ working: true, reason: body.reason_vi });

        expect((await app.inject({ method: 'GET', url: '/api/v1/calendar/days/2026-05-09/history' })).statusCode).toBe(401);
        const hist = await app.inject({ method: 'GET', url: '/api/v1/calendar/days/2026-05-09/history', headers: { 'x-test-user': 'custodian' } });
        expect(hist.json().map((h: { action: string; reason: string }) => [h.action, h.reason])).toEqual([['create', 'Thử']]);

        const del = await app.inject({ method: 'DELETE', url: '/api/v1/calendar/days/2026-05-09?reason=Rút', headers: { 'x-test-user': 'coordinator' } });
        expect(del.json()).toMatchObject({ working: false, kind: 'weekend', override: false });
        expect(
          (await app.inject({ method: 'PUT', url: '/api/v1/calendar/days/2026-02-30', payload: body, headers: { 'x-test-user': 'coordinator' } })).statusCode,
        ).toBe(400);
      } finally {
        await app.close();
      }
    });
  });
}
