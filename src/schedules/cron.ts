import { Cron } from 'croner';
import { invalid } from '../core/errors.ts';

/** Schedules run on Viet Nam's clock: "0 2 * * *" is 02:00 in Hà Nội, 19:00 UTC the day before. */
export const SCHEDULE_TIME_ZONE = 'Asia/Ho_Chi_Minh';

function parse(expr: string): Cron {
  return new Cron(expr, { timezone: SCHEDULE_TIME_ZONE, paused: true, mode: '5-part' });
}

/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), or a 400 naming the
 * field. Parsed by croner, a library kept by others, rather than by hand.
 */
export function checkCron(expr: string): string {
  const clean = expr.trim().replace(/\s+/g, ' ');
  try {
    if (clean.split(' ').length !== 5) throw new Error('five fields');
    if (!parse(clean).nextRun(new Date())) throw new Error('never runs');
  } catch {
    throw invalid(
      '/cron',
      'Lịch chạy phải là biểu thức cron 5 trường (phút giờ ngày tháng thứ), theo giờ Việt Nam, và phải có lần chạy tiếp theo.',
      'The schedule must be a five-field cron expression (minute hour day month weekday), in Viet Nam time, with a next run.',
    );
  }
  return clean;
}

/** The first instant strictly after `after` that the expression names, in Viet Nam's time zone. */
export function nextRun(expr: string, after: Date): Date | null {
  return parse(expr).nextRun(after);
}
