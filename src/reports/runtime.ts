import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { reportRoutes } from './routes.ts';
import { oversightRoutes } from './oversight-routes.ts';
import type { Reports } from './service.ts';
import { SYSTEM_ACTOR } from '../registry/index.ts';
import { yearlyRoutes } from './yearly/routes.ts';

/**
 * The figures' routes, the counting of new log entries every 2 s (entries are counted once they
 * are under a signed checkpoint, at most 5 s after they are logged), and the compliance checks
 * every 15 minutes (R-18.2).
 */
export function reportsRuntime(reports: Reports): ModuleRuntime {
  return {
    routes: [
      { plugin: routePlugin('reports-routes', reportRoutes(reports)), prefix: '/api/v1' },
      { plugin: routePlugin('reports-oversight-routes', oversightRoutes(reports)), prefix: '/api/v1' },
      { plugin: routePlugin('yearly-report-routes', yearlyRoutes(reports.yearly)), prefix: '/api/v1' },
    ],
    tags: [{ name: 'reports', description: 'Báo cáo, kiểm tra / Reports and oversight (R-18.2): figures from the sharing logs, compliance findings' }],
    jobs: [
      { name: 'report figures', periodMs: 2_000, run: () => reports.counter.countAll() },
      { name: 'compliance checks', periodMs: 15 * 60_000, run: () => reports.findings.run() },
      // every log verified once a day, the result recorded (the compliance check reads it); checked hourly so restarts do not postpone it.
      { name: 'sharing log verification', periodMs: 3600_000, run: () => reports.logChecks.verifyDue(SYSTEM_ACTOR, 24 * 3600_000) },
      // reminders K working days before 25/12, late flags from 26/12 (each sent once).
      { name: 'yearly report reminders', periodMs: 60 * 60_000, run: () => reports.yearly.remind() },
    ],
  };
}
