/**
 * The computed default calendar: what the law says before the government's
 * yearly announcements (which are operator data, see service.ts).
 *
 * Labour Code 2019 (Bộ luật Lao động 45/2019/QH14) Art. 112:
 *  (1) public holidays: 1/1; Tết Âm lịch 5 days; 30/4; 1/5; Quốc khánh 2/9
 *      and one adjacent day (before or after); Giỗ Tổ Hùng Vương 10/3 âm lịch;
 *  (3) when a holiday falls on the weekly rest day, the next working day is a
 *      compensatory day off (nghỉ bù).
 * Officials work Monday–Friday (the 40-hour week of Decision 188/1999/QĐ-TTg),
 * so Saturday and Sunday are the weekly rest days.
 *
 * Defaults chosen where the law leaves a choice to the Prime Minister:
 *  - Tết: the last day of the old lunar year and days 1–4 of the new one;
 *  - the day adjacent to 2/9: 1/9 (the day before), as in 2025.
 */
import { jdnFromDate, jdnFromLunar, jdnToIso, lunarFromJdn, tetJdn, weekdayOfJdn } from './lunar.ts';

export type DefaultKind = 'workday' | 'weekend' | 'holiday' | 'compensatory';

export interface DefaultDay {
  working: boolean;
  kind: DefaultKind;
  reason: string;
  reason_en: string;
  legal_basis: string | null;
}

const ART_112_1 = 'Khoản 1 Điều 112 Bộ luật Lao động 2019';
const ART_112_3 = 'Khoản 3 Điều 112 Bộ luật Lao động 2019';

const WEEKDAY_VI = ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
const WEEKDAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function weekdayNameVi(jdn: number): string {
  return WEEKDAY_VI[weekdayOfJdn(jdn)]!;
}
function weekdayNameEn(jdn: number): string {
  return WEEKDAY_EN[weekdayOfJdn(jdn)]!;
}

export function isWeekend(jdn: number): boolean {
  const w = weekdayOfJdn(jdn);
  return w === 0 || w === 6;
}

interface Holiday {
  jdn: number;
  reason: string;
  reason_en: string;
}

/** The statutory holidays (Art. 112(1)) whose date falls in Gregorian `year`. */
export function statutoryHolidays(year: number): Holiday[] {
  const out: Holiday[] = [];
  const add = (jdn: number, reason: string, reason_en: string) => {
    const same = out.find((h) => h.jdn === jdn);
    // Two holidays on one date (10/3 âm lịch can fall on 30/4 or 1/5) give one day off; the law grants no extra day.
    if (same) {
      same.reason += `; ${reason}`;
      same.reason_en += `; ${reason_en}`;
    } else out.push({ jdn, reason, reason_en });
  };
  add(jdnFromDate(year, 1, 1), 'Tết Dương lịch (1/1)', "New Year's Day (1 January)");

  // Tết of the lunar year that begins in this Gregorian year (always between 21/1 and 20/2).
  const tet = tetJdn(year);
  const lastDay = lunarFromJdn(tet - 1);
  add(tet - 1, `Tết Nguyên Đán (${lastDay.day} tháng Chạp)`, `Lunar New Year (last day of the old year, 12/${lastDay.day})`);
  for (let d = 1; d <= 4; d++) add(tet + d - 1, `Tết Nguyên Đán (mùng ${d})`, `Lunar New Year (day ${d})`);

  // 10/3 of the (ordinary, not leap) third month of this lunar year.
  add(
    jdnFromLunar({ year, month: 3, day: 10, leap: false }),
    'Giỗ Tổ Hùng Vương (10/3 âm lịch)',
    "Hùng Kings' Commemoration Day (10th day of the 3rd lunar month)",
  );
  add(jdnFromDate(year, 4, 30), 'Ngày Chiến thắng (30/4)', 'Reunification Day (30 April)');
  add(jdnFromDate(year, 5, 1), 'Ngày Quốc tế Lao động (1/5)', 'International Labour Day (1 May)');
  add(jdnFromDate(year, 9, 1), 'Quốc khánh (ngày liền kề 1/9)', 'National Day (adjacent day, 1 September)');
  add(jdnFromDate(year, 9, 2), 'Quốc khánh (2/9)', 'National Day (2 September)');
  return out.sort((a, b) => a.jdn - b.jdn);
}

/**
 * Every day off of the default calendar of `year` that is not a plain
 * weekend: statutory holidays plus the compensatory days of Art. 112(3).
 * A holiday on Saturday or Sunday moves to the next day that is neither a
 * weekend, a holiday nor an already granted compensatory day — so 30/4 (Sat)
 * and 1/5 (Sun) give Monday 2/5 and Tuesday 3/5.
 */
export function defaultDaysOff(year: number): Map<number, DefaultDay> {
  const holidays = statutoryHolidays(year);
  const out = new Map<number, DefaultDay>();
  for (const h of holidays) out.set(h.jdn, { working: false, kind: 'holiday', reason: h.reason, reason_en: h.reason_en, legal_basis: ART_112_1 });
  for (const h of holidays) {
    if (!isWeekend(h.jdn)) continue;
    let c = h.jdn + 1;
    while (isWeekend(c) || out.has(c)) c++;
    out.set(c, {
      working: false,
      kind: 'compensatory',
      reason: `Nghỉ bù (${h.reason.split(';')[0]} trùng ${weekdayNameVi(h.jdn)} ${formatJdn(h.jdn)})`,
      reason_en: `Compensatory day off (${h.reason_en.split(';')[0]} fell on ${weekdayNameEn(h.jdn)} ${formatJdn(h.jdn)})`,
      legal_basis: ART_112_3,
    });
  }
  return out;
}

function formatJdn(jdn: number): string {
  const [y, m, d] = jdnToIso(jdn).split('-');
  return `${d}/${m}/${y}`;
}

/** The default status of one day, given the year's days off. */
export function defaultDay(jdn: number, daysOff: Map<number, DefaultDay>): DefaultDay {
  const off = daysOff.get(jdn);
  if (off) return off;
  if (isWeekend(jdn)) return { working: false, kind: 'weekend', reason: weekdayNameVi(jdn), reason_en: weekdayNameEn(jdn), legal_basis: null };
  return { working: true, kind: 'workday', reason: 'Ngày làm việc', reason_en: 'Working day', legal_basis: null };
}
