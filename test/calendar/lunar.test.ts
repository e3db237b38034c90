import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  dateFromJdn,
  isoFromLunar,
  isoToJdn,
  jdnFromDate,
  jdnToIso,
  leapMonthOffset,
  lunarFromIso,
  month11Lunation,
  newMoonJd,
  tetJdn,
  weekdayOfJdn,
} from '../../src/calendar/lunar.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tet = (y: number) => jdnToIso(tetJdn(y));

/**
 * Tết Nguyên Đán (1/1 âm lịch) in Viet Nam. Sources: the yearly lịch nghỉ Tết
 * announcements of the Government (2020–2026), the Vietnamese Wikipedia
 * article "Tết Nguyên Đán" (bảng ngày Tết) and Hồ Ngọc Đức's "Lịch Việt Nam"
 * (tables computed for UTC+7), which agree on every date below.
 */
const VIETNAM_TET: Record<number, string> = {
  1968: '1968-01-29', // the North's Tết Mậu Thân: a day before China's (30/1), new moon 16:29 UTC
  1985: '1985-01-21', // a month before China's (20/2): the leap month differs (UTC+7 vs UTC+8)
  2000: '2000-02-05',
  2001: '2001-01-24',
  2002: '2002-02-12',
  2003: '2003-02-01',
  2004: '2004-01-22',
  2005: '2005-02-09',
  2006: '2006-01-29',
  2007: '2007-02-17',
  2008: '2008-02-07',
  2009: '2009-01-26',
  2010: '2010-02-14',
  2011: '2011-02-03',
  2012: '2012-01-23',
  2013: '2013-02-10',
  2014: '2014-01-31',
  2015: '2015-02-19',
  2016: '2016-02-08',
  2017: '2017-01-28',
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-02', // China: 3/2/2030 (new moon 2/2 16:07 UTC)
};

/**
 * Near 1900 and 2100: the published Chinese New Year dates (Hong Kong
 * Observatory tables, UTC+8). Viet Nam used the same tables then; they are
 * also the UTC+7 answer whenever the new moon of Tết is not within minutes
 * of midnight in either zone, which the test checks (Meeus' series are good
 * to well under a minute here; the closest case is 1906, 00:09 in Ha Noi).
 */
const EDGE_TET: Record<number, string> = {
  1900: '1900-01-31',
  1901: '1901-02-19',
  1902: '1902-02-08',
  1904: '1904-02-16',
  1905: '1905-02-04',
  1906: '1906-01-25',
  1907: '1907-02-13',
  1908: '1908-02-02',
  1909: '1909-01-22',
  1910: '1910-02-10',
  2099: '2099-01-21',
  2100: '2100-02-09',
};

describe('Vietnamese lunar calendar (UTC+7, 1900–2100)', () => {
  it('R-15.3: computes Tết for many years as published in Viet Nam, including 1985-01-21 and 2007-02-17 where China differs', () => {
    for (const [y, date] of Object.entries(VIETNAM_TET)) expect(`${y}: ${tet(Number(y))}`).toBe(`${y}: ${date}`);
    // The days China celebrated, for contrast: the UTC+8 calendar is a different calendar.
    expect(tet(1985)).not.toBe('1985-02-20');
    expect(tet(2007)).not.toBe('2007-02-18');
  });

  it('computes Tết near 1900 and 2100; the new moon is far from midnight there, so UTC+7 and UTC+8 agree', () => {
    for (const [y, date] of Object.entries(EDGE_TET)) {
      const jdn = tetJdn(Number(y));
      expect(`${y}: ${jdnToIso(jdn)}`).toBe(`${y}: ${date}`);
      // The new moon that starts Tết lies more than 5 minutes from midnight in both zones.
      const k = Math.round((jdn - 2451550.1) / 29.530588853);
      const jd = [k - 1, k, k + 1].map(newMoonJd).find((j) => Math.floor(j + 0.5 + 7 / 24) === jdn)!;
      for (const zone of [7, 8]) {
        const localDay = jd + 0.5 + zone / 24;
        const hours = (localDay - Math.floor(localDay)) * 24;
        expect(hours).toBeGreaterThan(5 / 60);
        expect(hours).toBeLessThan(24 - 5 / 60);
      }
    }
  });

  it('computes 1903 in UTC+7 as 28/1 where the UTC+8 tables say 29/1 (new moon 16:38 UTC)', () => {
    expect(tet(1903)).toBe('1903-01-28');
  });

  it('explains 2007: the new moon of 17/2/2007 was at 16:14 UTC — 23:14 in Ha Noi, 00:14 in Beijing', () => {
    const k = Math.round((isoToJdn('2007-02-17') - 2451550.1) / 29.530588853);
    const jd = newMoonJd(k);
    const utcHours = ((jd + 0.5) % 1) * 24;
    expect(utcHours).toBeGreaterThan(16);
    expect(utcHours).toBeLessThan(16.5);
    expect(jdnToIso(Math.floor(jd + 0.5))).toBe('2007-02-17');
  });

  it("R-15.3: Hùng Kings' day (10/3 âm lịch) is 29/4/2023, 18/4/2024, 7/4/2025, 26/4/2026", () => {
    const hung = (year: number) => isoFromLunar({ year, month: 3, day: 10, leap: false });
    expect([2023, 2024, 2025, 2026].map(hung)).toEqual(['2023-04-29', '2024-04-18', '2025-04-07', '2026-04-26']);
  });

  it('places leap months as published: 2/2023 (Quý Mão), 6/2025 (Ất Tỵ), none in 2024 and 2026', () => {
    expect(lunarFromIso('2023-03-22')).toEqual({ year: 2023, month: 2, day: 1, leap: true });
    expect(lunarFromIso('2025-07-25')).toEqual({ year: 2025, month: 6, day: 1, leap: true });
    expect(leapMonthOffset(month11Lunation(2023))).toBe(0); // Giáp Thìn (2024): 12 months
    expect(leapMonthOffset(month11Lunation(2025))).toBe(0); // Bính Ngọ (2026): 12 months
    expect(() => isoFromLunar({ year: 2024, month: 2, day: 1, leap: true })).toThrow(RangeError);
  });

  it('knows the last day of the lunar year: 29 Chạp Giáp Thìn = 28/1/2025, 29 Chạp Ất Tỵ = 16/2/2026, 30 Chạp Quý Mão = 9/2/2024', () => {
    expect(lunarFromIso('2025-01-28')).toEqual({ year: 2024, month: 12, day: 29, leap: false });
    expect(lunarFromIso('2025-01-25')).toMatchObject({ month: 12, day: 26 }); // "26 tháng Chạp" in the 2025 announcement
    expect(lunarFromIso('2026-02-14')).toMatchObject({ month: 12, day: 27 }); // "27 tháng Chạp" in the 2026 announcement
    expect(lunarFromIso('2026-02-16')).toEqual({ year: 2025, month: 12, day: 29, leap: false });
    expect(lunarFromIso('2024-02-09')).toEqual({ year: 2023, month: 12, day: 30, leap: false });
  });

  it('converts both ways for every day of 1900–2100 sampled every 17 days', () => {
    for (let jdn = jdnFromDate(1900, 3, 1); jdn <= jdnFromDate(2100, 12, 1); jdn += 17) {
      const l = lunarFromIso(jdnToIso(jdn));
      expect(l.day).toBeGreaterThanOrEqual(1);
      expect(l.day).toBeLessThanOrEqual(30);
      expect(isoToJdn(isoFromLunar(l))).toBe(jdn);
    }
  });

  it('Julian day numbers and weekdays are integer arithmetic (no Date)', () => {
    expect(jdnFromDate(2000, 1, 1)).toBe(2451545);
    expect(dateFromJdn(2451545)).toEqual({ year: 2000, month: 1, day: 1 });
    expect(weekdayOfJdn(isoToJdn('2025-01-29'))).toBe(3); // Wednesday
    expect(weekdayOfJdn(isoToJdn('2026-02-17'))).toBe(2); // Tuesday
    for (let jdn = jdnFromDate(1899, 12, 25); jdn < jdnFromDate(2101, 1, 10); jdn += 97) expect(isoToJdn(jdnToIso(jdn))).toBe(jdn);
  });

  it('uses no local-time Date API, so the server time zone cannot change a date', () => {
    for (const f of ['lunar.ts', 'holidays.ts']) {
      const src = fs.readFileSync(path.join(here, '../../src/calendar', f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(src).not.toMatch(/\bDate\b|getTimezoneOffset|toLocale|Intl\./);
    }
  });

  it('gives the same dates when the process runs in other time zones', () => {
    const script = `import { tetJdn, jdnToIso } from ${JSON.stringify(path.join(here, '../../src/calendar/lunar.ts'))};
      import { defaultDaysOff } from ${JSON.stringify(path.join(here, '../../src/calendar/holidays.ts'))};
      console.log(JSON.stringify([[1985, 2007, 2025, 2026, 2030].map((y) => jdnToIso(tetJdn(y))), [...defaultDaysOff(2025).keys()].map(jdnToIso)]));`;
    const file = path.join(here, `.tz-check-${process.pid}.mts`);
    fs.writeFileSync(file, script);
    try {
      const outputs = ['UTC', 'Asia/Ho_Chi_Minh', 'America/Los_Angeles', 'Pacific/Kiritimati'].map((TZ) =>
        execFileSync(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, TZ }, encoding: 'utf8' }).trim(),
      );
      expect(new Set(outputs).size).toBe(1);
      expect(JSON.parse(outputs[0]!)[0]).toEqual(['1985-01-21', '2007-02-17', '2025-01-29', '2026-02-17', '2030-02-02']);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
