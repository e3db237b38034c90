/**
 * The Vietnamese lunisolar calendar (âm lịch), computed astronomically for the
 * meridian of UTC+7.
 *
 * Why compute it: the public holidays of the Labour Code 2019 Art. 112 include
 * Tết Nguyên Đán and the Hùng Kings' day (10/3 âm lịch), and the published
 * "Chinese calendar" tables and packages are computed for UTC+8. A new moon
 * that happens between 16:00 and 17:00 UTC falls on one civil day in Ha Noi and
 * on the next in Beijing, so the two calendars sometimes start a month (and a
 * year) on different days: Tết 2007 was 17/2 in Viet Nam and 18/2 in China;
 * in 1985 the leap month differed and Tết was a whole month apart (21/1 vs 20/2).
 *
 * The rules (as described by Hồ Ngọc Đức for the Vietnamese calendar, using
 * the astronomy of Jean Meeus, "Astronomical Algorithms", 2nd ed.):
 *   1. A month begins on the civil day (in UTC+7) that contains the new moon.
 *   2. Month 11 is the month that contains the winter solstice (sun at 270°).
 *   3. If there are 13 month starts from one month 11 to the next (a "leap
 *      year"), the first month after month 11 that contains no major solar
 *      term (the sun crossing a multiple of 30°) is the leap month; it repeats
 *      the number of the month before it.
 *   4. Month 1 day 1 is Tết.
 *
 * Everything here is arithmetic on Julian day numbers: no `Date`, no local
 * time zone, so the answer is the same on any server (TZ=UTC, Asia/Saigon,
 * America/New_York…). Intended range 1900–2100 (the ΔT model and the
 * truncated series are accurate enough there). Historical note: before 1968
 * the North used Chinese (UTC+8) tables; this module always uses UTC+7, which
 * is what the law applies today.
 */

/** Ha Noi civil time is UTC+7 (no daylight saving). */
const VIETNAM_UTC_OFFSET_HOURS = 7;

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

const RAD = Math.PI / 180;
const sinDeg = (deg: number): number => Math.sin(deg * RAD);

/** Julian day number (the integer day count; JDN n runs noon to noon UT, we use it as a civil-day index). */
export function jdnFromDate(year: number, month: number, day: number): number {
  // Shift the year to start in March so the leap day is the last day of the "year":
  // then the month lengths follow the 153/5 pattern (31,30,31,30,31 repeating).
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 32045;
}

/** Inverse of jdnFromDate (proleptic Gregorian). */
export function dateFromJdn(jdn: number): { year: number; month: number; day: number } {
  // Count 400-year cycles, then centuries, then 4-year cycles, from 1 March −4800.
  const a = jdn + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}

/** 'YYYY-MM-DD' → JDN (the caller validates the string). */
export function isoToJdn(iso: string): number {
  return jdnFromDate(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function jdnToIso(jdn: number): string {
  const { year, month, day } = dateFromJdn(jdn);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** 0 = Sunday … 6 = Saturday. JDN 0 was a Monday, hence the +1. */
export function weekdayOfJdn(jdn: number): number {
  return (((jdn + 1) % 7) + 7) % 7;
}

/**
 * ΔT = TT − UT in seconds (Espenak & Meeus polynomial fits, NASA 2006). The
 * new-moon and sun formulas run on Terrestrial Time; civil days run on UT.
 * ΔT is about a minute in this range, which only matters when a new moon is
 * within a minute of midnight, but it costs nothing to be right.
 */
function deltaTSeconds(decimalYear: number): number {
  const y = decimalYear;
  if (y < 1900) {
    const t = y - 1860;
    return 7.62 + 0.5737 * t - 0.251754 * t ** 2 + 0.01680668 * t ** 3 - 0.0004473624 * t ** 4 + t ** 5 / 233174;
  }
  if (y < 1920) {
    const t = y - 1900;
    return -2.79 + 1.494119 * t - 0.0598939 * t ** 2 + 0.0061966 * t ** 3 - 0.000197 * t ** 4;
  }
  if (y < 1941) {
    const t = y - 1920;
    return 21.2 + 0.84493 * t - 0.0761 * t ** 2 + 0.0020936 * t ** 3;
  }
  if (y < 1961) {
    const t = y - 1950;
    return 29.07 + 0.407 * t - t ** 2 / 233 + t ** 3 / 2547;
  }
  if (y < 1986) {
    const t = y - 1975;
    return 45.45 + 1.067 * t - t ** 2 / 260 - t ** 3 / 718;
  }
  if (y < 2005) {
    const t = y - 2000;
    return 63.86 + 0.3345 * t - 0.060374 * t ** 2 + 0.0017275 * t ** 3 + 0.000651814 * t ** 4 + 0.00002373599 * t ** 5;
  }
  if (y < 2050) {
    const t = y - 2000;
    return 62.92 + 0.32217 * t + 0.005589 * t ** 2;
  }
  return -20 + 32 * ((y - 1820) / 100) ** 2 - 0.5628 * (2150 - y);
}

/** Decimal year of a Julian date, good enough for ΔT. */
const yearOfJd = (jd: number): number => 2000 + (jd - 2451545) / 365.25;

/** Periodic terms of the true new moon (Meeus ch. 49, table for phase 0): [coefficient, power of E, M, M', F, Ω]. */
const NEW_MOON_TERMS: readonly (readonly [number, number, number, number, number, number])[] = [
  [-0.4072, 0, 0, 1, 0, 0],
  [0.17241, 1, 1, 0, 0, 0],
  [0.01608, 0, 0, 2, 0, 0],
  [0.01039, 0, 0, 0, 2, 0],
  [0.00739, 1, -1, 1, 0, 0],
  [-0.00514, 1, 1, 1, 0, 0],
  [0.00208, 2, 2, 0, 0, 0],
  [-0.00111, 0, 0, 1, -2, 0],
  [-0.00057, 0, 0, 1, 2, 0],
  [0.00056, 1, 1, 2, 0, 0],
  [-0.00042, 0, 0, 3, 0, 0],
  [0.00042, 1, 1, 0, 2, 0],
  [0.00038, 1, 1, 0, -2, 0],
  [-0.00024, 1, -1, 2, 0, 0],
  [-0.00017, 0, 0, 0, 0, 1],
  [-0.00007, 0, 2, 1, 0, 0],
  [0.00004, 0, 0, 2, -2, 0],
  [0.00004, 0, 3, 0, 0, 0],
  [0.00003, 0, 1, 1, -2, 0],
  [0.00003, 0, 0, 2, 2, 0],
  [-0.00003, 0, 1, 1, 2, 0],
  [0.00003, 0, -1, 1, 2, 0],
  [-0.00002, 0, -1, 1, -2, 0],
  [-0.00002, 0, 1, 3, 0, 0],
  [0.00002, 0, 0, 4, 0, 0],
];

/** Planetary perturbations (Meeus ch. 49, A1…A14): [coefficient, angle at k=0, degrees per lunation]. */
const PLANETARY_TERMS: readonly (readonly [number, number, number])[] = [
  [0.000325, 299.77, 0.107408], // A1 also has a T² term, added below
  [0.000165, 251.88, 0.016321],
  [0.000164, 251.83, 26.651886],
  [0.000126, 349.42, 36.412478],
  [0.00011, 84.66, 18.206239],
  [0.000062, 141.74, 53.303771],
  [0.00006, 207.14, 2.453732],
  [0.000056, 154.84, 7.30686],
  [0.000047, 34.52, 27.261239],
  [0.000042, 207.19, 0.121824],
  [0.00004, 291.34, 1.844379],
  [0.000037, 161.72, 24.198154],
  [0.000035, 239.56, 25.513099],
  [0.000023, 331.55, 3.592518],
];

/**
 * Julian date (UT) of new moon number `k`, counted from the new moon of
 * 6 January 2000 (k = 0). Mean lunation plus the periodic corrections for the
 * eccentricities of the Earth's and the Moon's orbits: accurate to seconds.
 */
export function newMoonJd(k: number): number {
  const T = k / 1236.85; // Julian centuries from J2000
  const jde = 2451550.09766 + 29.530588861 * k + 0.00015437 * T ** 2 - 0.00000015 * T ** 3 + 0.00000000073 * T ** 4;
  const E = 1 - 0.002516 * T - 0.0000074 * T ** 2; // the Earth's orbit is slowly becoming more circular
  const M = 2.5534 + 29.1053567 * k - 0.0000014 * T ** 2 - 0.00000011 * T ** 3; // sun's mean anomaly
  const Mp = 201.5643 + 385.81693528 * k + 0.0107582 * T ** 2 + 0.00001238 * T ** 3 - 0.000000058 * T ** 4; // moon's mean anomaly
  const F = 160.7108 + 390.67050284 * k - 0.0016118 * T ** 2 - 0.00000227 * T ** 3 + 0.000000011 * T ** 4; // moon's argument of latitude
  const Om = 124.7746 - 1.56375588 * k + 0.0020672 * T ** 2 + 0.00000215 * T ** 3; // longitude of the ascending node
  let correction = 0;
  for (const [c, e, m, mp, f, om] of NEW_MOON_TERMS) {
    correction += c * E ** e * sinDeg(m * M + mp * Mp + f * F + om * Om);
  }
  let planetary = 0;
  for (const [i, [c, a0, perK]] of PLANETARY_TERMS.entries()) {
    planetary += c * sinDeg(a0 + perK * k + (i === 0 ? -0.009173 * T ** 2 : 0));
  }
  const tt = jde + correction + planetary;
  return tt - deltaTSeconds(yearOfJd(tt)) / 86400;
}

/**
 * The civil day (JDN in UTC+7) that contains new moon `k`. A Julian date
 * starts at noon UT, so +0.5 moves the day boundary to midnight UT and the
 * offset moves it to midnight in Ha Noi.
 */
function newMoonDay(k: number, offsetHours = VIETNAM_UTC_OFFSET_HOURS): number {
  return Math.floor(newMoonJd(k) + 0.5 + offsetHours / 24);
}

/** The sun's apparent ecliptic longitude in degrees [0, 360) at Julian date `jd` (UT); Meeus ch. 25, ≈0.01°. */
function sunLongitude(jd: number): number {
  const T = (jd + deltaTSeconds(yearOfJd(jd)) / 86400 - 2451545) / 36525;
  const L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T ** 2; // mean longitude
  const M = 357.52911 + 35999.05029 * T - 0.0001537 * T ** 2; // mean anomaly
  const C = (1.914602 - 0.004817 * T - 0.000014 * T ** 2) * sinDeg(M) + (0.019993 - 0.000101 * T) * sinDeg(2 * M) + 0.000289 * sinDeg(3 * M); // equation of centre
  const omega = 125.04 - 1934.136 * T;
  const apparent = L0 + C - 0.00569 - 0.00478 * sinDeg(omega); // nutation and aberration
  return ((apparent % 360) + 360) % 360;
}

/**
 * Which 30° sector (0…11) the sun is in at the first instant (local midnight)
 * of civil day `jdn`. A month [start, nextStart) contains a major solar term
 * exactly when the sector at its first midnight differs from the sector at the
 * next month's first midnight (the sun moves < 30° in a month). Sector 9 begins
 * at 270°, the winter solstice.
 */
function sunSectorAtDayStart(jdn: number, offsetHours = VIETNAM_UTC_OFFSET_HOURS): number {
  return Math.floor(sunLongitude(jdn - 0.5 - offsetHours / 24) / 30);
}

const SYNODIC_MONTH = 29.530588853;
/** Index k of the last new moon whose civil day is ≤ `jdn`. */
function lunationOnOrBefore(jdn: number, offsetHours: number): number {
  let k = Math.floor((jdn - 2451550.1) / SYNODIC_MONTH);
  while (newMoonDay(k + 1, offsetHours) <= jdn) k++;
  while (newMoonDay(k, offsetHours) > jdn) k--;
  return k;
}

/**
 * Lunation index of month 11 around December of Gregorian `year`: the month
 * containing the winter solstice. Take the last month starting on or before
 * 31 December; if the sun has already reached 270° when it starts, the
 * solstice was in the month before.
 */
export function month11Lunation(year: number, offsetHours = VIETNAM_UTC_OFFSET_HOURS): number {
  let k = lunationOnOrBefore(jdnFromDate(year, 12, 31), offsetHours);
  while (sunSectorAtDayStart(newMoonDay(k, offsetHours), offsetHours) >= 9) k--;
  return k;
}

/**
 * For the lunar year that begins with month 11 at lunation `k11`: the offset
 * (1…12) of the leap month after month 11, or 0 when the next month 11 is
 * only 12 months away (no leap month).
 */
export function leapMonthOffset(k11: number, offsetHours = VIETNAM_UTC_OFFSET_HOURS): number {
  const next11 = month11Lunation(dateFromJdn(newMoonDay(k11, offsetHours)).year + 1, offsetHours);
  if (next11 - k11 < 13) return 0;
  // The first month (after month 11, which holds the solstice) without a major term.
  let sector = sunSectorAtDayStart(newMoonDay(k11 + 1, offsetHours), offsetHours);
  for (let i = 1; i <= 12; i++) {
    const nextSector = sunSectorAtDayStart(newMoonDay(k11 + i + 1, offsetHours), offsetHours);
    if (nextSector === sector) return i;
    sector = nextSector;
  }
  return 12; // unreachable in practice: 13 months always leave one without a term
}

export interface LunarDate {
  /** The lunar year, named by the Gregorian year in which its month 1 begins. */
  year: number;
  month: number;
  day: number;
  leap: boolean;
}

/** The lunar date of Gregorian civil day `jdn` (UTC+7). */
export function lunarFromJdn(jdn: number, offsetHours = VIETNAM_UTC_OFFSET_HOURS): LunarDate {
  const k = lunationOnOrBefore(jdn, offsetHours);
  const monthStart = newMoonDay(k, offsetHours);
  const { year } = dateFromJdn(jdn);
  // The lunar year, counted from month 11, that holds this month.
  let k11 = month11Lunation(year, offsetHours);
  let yearOf11 = year;
  if (k11 > k) {
    k11 = month11Lunation(year - 1, offsetHours);
    yearOf11 = year - 1;
  }
  const diff = k - k11; // months after month 11
  const leapOff = leapMonthOffset(k11, offsetHours);
  let leap = false;
  let n = diff;
  if (leapOff !== 0 && diff >= leapOff) {
    leap = diff === leapOff;
    n = diff - 1;
  }
  const month = ((10 + n) % 12) + 1; // 11, 12, 1, 2, …
  // Months 11 and 12 (n = 0, 1) belong to the lunar year named by the year of month 11.
  const lunarYear = n < 2 ? yearOf11 : yearOf11 + 1;
  return { year: lunarYear, month, day: jdn - monthStart + 1, leap };
}

export function lunarFromIso(iso: string): LunarDate {
  return lunarFromJdn(isoToJdn(iso));
}

/** Civil day (JDN) of a lunar date; throws for a leap month that does not exist in that year. */
export function jdnFromLunar(date: LunarDate, offsetHours = VIETNAM_UTC_OFFSET_HOURS): number {
  const { year, month, day, leap } = date;
  // Months 11 and 12 of lunar year Y follow month 11 of Dec Y; months 1–10 follow month 11 of Dec Y−1.
  const yearOf11 = month >= 11 ? year : year - 1;
  const k11 = month11Lunation(yearOf11, offsetHours);
  let n = (month + 12 - 11) % 12; // months after month 11, ignoring the leap month
  const leapOff = leapMonthOffset(k11, offsetHours);
  if (leap) {
    if (leapOff === 0 || leapOff - 1 !== n) throw new RangeError(`no leap month ${month} in lunar year ${year}`);
    n += 1;
  } else if (leapOff !== 0 && n >= leapOff) {
    n += 1;
  }
  return newMoonDay(k11 + n, offsetHours) + day - 1;
}

export function isoFromLunar(date: LunarDate): string {
  return jdnToIso(jdnFromLunar(date));
}

/** Tết Nguyên Đán (1/1 âm lịch) of lunar year `year`, as a JDN. */
export function tetJdn(year: number): number {
  return jdnFromLunar({ year, month: 1, day: 1, leap: false });
}
