/** The history entity of an override; the key is the ISO date. */
export const HISTORY_ENTITY = 'calendar_day';

/** The official text that decides a day (R-15.3: deadlines are counted on announced days). */
export interface DaySource {
  /** Number and title: "Công văn số 8726/VPCP-KGVX …", "Thông báo số 9441/TB-BNV …". */
  document: string;
  /** Who issued it: "Văn phòng Chính phủ …", "Bộ Nội vụ …". */
  issuer: string;
  /** Date of the document, YYYY-MM-DD. */
  date: string;
  /** Where the text (or the official report of it) was read. */
  url: string | null;
}

/**
 * 'announced': an official text decides the day (its source is given), or the day is an ordinary
 * day of a year whose announcements are recorded. 'computed': the platform derived the day from
 * Labour Code 2019 Art. 112 alone — a year not announced yet, or a holiday no text was found for.
 */
type DayStatus = 'announced' | 'computed';

export interface DayStatusInfo {
  status: DayStatus;
  source: DaySource | null;
  /** Why the day is computed; null when announced. */
  status_note: string | null;
  status_note_en: string | null;
}
