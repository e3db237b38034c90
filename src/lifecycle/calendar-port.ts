/** What the lifecycle needs of the working-day calendar (src/calendar): Civil Code deadline arithmetic on Vietnam dates. */
export interface DeadlineCalendar {
  /** The n-th working day after `from` (the starting day is not counted). */
  addWorkingDays(from: string, n: number): Promise<string>;
  /** `from` + n calendar days, moved to the next working day when that is a day off. */
  addDays(from: string, n: number): Promise<string>;
  /** the computed (not announced) days among from < d ≤ to that a deadline rests on. */
  basisBetween(from: string, to: string): Promise<CalendarDependence>;
}

/** Whether a deadline rests on days the calendar computed but no official text announced. */
export interface CalendarDependence {
  depends_on_computed_days: boolean;
  computed_days: string[];
  unannounced_years: number[];
}

/** YYYY-MM-DD + n calendar days, no calendar rules. */
export function plusDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
