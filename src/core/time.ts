/** Display times for Vietnamese readers: Asia/Ho_Chi_Minh, dd/mm/yyyy (storage stays UTC). */
const VN = new Intl.DateTimeFormat('vi-VN', {
  timeZone: 'Asia/Ho_Chi_Minh',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export function formatVietnamTime(d: Date): string {
  const parts = Object.fromEntries(VN.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
}

const VN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in Viet Nam at instant `d`, as YYYY-MM-DD ("today" for effective dates). */
export function vietnamDate(d: Date): string {
  // Since 13/6/1975 Viet Nam keeps UTC+7 all year (no daylight saving): plain arithmetic, which
  // the gateway's per-request decisions need; older instants go through the time-zone database.
  const t = d.getTime();
  return t >= SINCE_1976 ? new Date(t + 7 * 3600_000).toISOString().slice(0, 10) : VN_DATE.format(d);
}
const SINCE_1976 = Date.UTC(1976, 0, 1);

/** A YYYY-MM-DD string that is a real calendar date. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** 'YYYY-MM-DD' → 'dd/mm/yyyy' for Vietnamese text. */
export function formatIsoDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * The one rule for date-only fields (YYYY-MM-DD): each is a calendar date in Viet Nam
 * (Asia/Ho_Chi_Minh, UTC+7 all year), and "today" is `vietnamDate(now)`, which turns over at
 * 17:00 UTC. Stated in the OpenAPI descriptions (`VietnamDate` in src/http/schemas.ts) and in
 * every refusal that compares such a date with today.
 */
export const VIETNAM_TODAY = {
  vi: (today: string) => `hôm nay là ngày ${formatIsoDate(today)} theo lịch Việt Nam (UTC+7)`,
  en: (today: string) => `today is ${today} in Viet Nam (UTC+7)`,
};
