import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { calendarRoutes } from './routes.ts';
import type { Calendar } from './index.ts';

/** The working-day calendar's routes. */
export function calendarRuntime(calendar: Calendar): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('calendar-routes', calendarRoutes(calendar)), prefix: '/api/v1' }],
    tags: [{ name: 'calendar', description: 'Lịch ngày làm việc / Working-day calendar (Bộ luật Lao động 2019 Điều 112, Bộ luật Dân sự 2015 Điều 147–148)' }],
  };
}
