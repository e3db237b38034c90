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
