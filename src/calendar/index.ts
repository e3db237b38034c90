import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { createCalendarService } from './service.ts';

/** The Vietnamese working-day calendar (R-15.3/R-15.4/R-15.5 deadlines). */
export function createCalendar(db: Database, clock: Clock): Calendar {
  return createCalendarService(db, clock);
}

export type Calendar = ReturnType<typeof createCalendarService>;
export { calendarRoutes } from './routes.ts';
export { seedCalendar } from './seed.ts';

export { calendarRuntime } from './runtime.ts';
