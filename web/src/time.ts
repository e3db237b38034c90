/** Every time is shown in Viet Nam's time zone, whatever the browser's. */
const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function pieces(value: string | number | Date): Record<string, string> | null {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return Object.fromEntries(parts.formatToParts(d).map((p) => [p.type, p.value]));
}

/** DD/MM/YYYY HH:mm in Asia/Ho_Chi_Minh (the same order in both languages). */
export function formatDateTime(value: string | number | Date): string {
  const p = pieces(value);
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}` : String(value);
}

/** DD/MM/YYYY in Asia/Ho_Chi_Minh; a plain YYYY-MM-DD is already a Viet Nam calendar date. */
export function formatDate(value: string | number | Date): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-');
    return `${d}/${m}/${y}`;
  }
  const p = pieces(value);
  return p ? `${p.day}/${p.month}/${p.year}` : String(value);
}
