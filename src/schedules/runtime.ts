import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import type { Schedules } from './index.ts';
import { scheduleRoutes } from './routes.ts';

/** The schedules' routes, and the runner's turn every 15 s: claims due schedules (leases make it safe with several instances). */
export function schedulesRuntime(s: Schedules): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('schedule-routes', scheduleRoutes(s.service, s.runner)), prefix: '/api/v1' }],
    tags: [{ name: 'schedules', description: 'Đồng bộ định kỳ / Scheduled synchronisation: pulls from custodians, deliveries to consumers (R-6.1c)' }],
    jobs: [{ name: 'scheduled synchronisation', periodMs: 15_000, run: () => s.runner.runDue() }],
  };
}
