import type { DefaultKind } from './holidays.ts';
import { dateFromJdn, isoToJdn } from './lunar.ts';
import type { CalendarSeed } from './seed.ts';
import type { DayStatusInfo } from './sources.ts';

const announced = (source: DayStatusInfo['source']): DayStatusInfo => ({ status: 'announced', source, status_note: null, status_note_en: null });

/**
 * whether a day that no override decides was announced or is only computed. A day the
 * shipped texts confirm carries their source; in a year without recorded announcements every day
 * is computed; in an announced year, a holiday or compensatory day no text was found for is
 * computed (with the reason), an ordinary day is as announced.
 */
export function defaultDayStatus(seed: CalendarSeed): (jdn: number, kind: DefaultKind) => DayStatusInfo {
  const confirmed = new Map(seed.confirmations.map((d) => [isoToJdn(d.date), d.source]));
  const computed = new Map(seed.computed.map((c) => [isoToJdn(c.date), c]));
  const years = new Set(seed.announced_years);
  return (jdn, kind) => {
    const source = confirmed.get(jdn);
    if (source) return announced(source);
    const year = dateFromJdn(jdn).year;
    if (!years.has(year)) {
      return {
        status: 'computed',
        source: null,
        status_note: `Năm ${year} chưa có thông báo nghỉ lễ, Tết của Chính phủ trong dữ liệu: ngày được tính theo Điều 112 Bộ luật Lao động 2019.`,
        status_note_en: `No Government holiday announcement for ${year} is recorded: the day is computed from Labour Code 2019 Art. 112.`,
      };
    }
    if (kind !== 'holiday' && kind !== 'compensatory') return announced(null);
    const c = computed.get(jdn);
    return {
      status: 'computed',
      source: null,
      status_note: c?.why_vi ?? 'Không tìm được văn bản thông báo ngày nghỉ này: ngày được tính theo Điều 112 Bộ luật Lao động 2019.',
      status_note_en: c?.why_en ?? 'No text announcing this day off was found: the day is computed from Labour Code 2019 Art. 112.',
    };
  };
}
