import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { agreementRoutes } from './routes.ts';
import type { Agreements } from './index.ts';

/** The agreements' routes, and the expiry sweep every minute (it re-checks each agreement under a row lock). */
export function agreementsRuntime(agreements: Agreements): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('agreements-routes', agreementRoutes(agreements)), prefix: '/api/v1' }],
    tags: [{ name: 'agreements', description: 'Thoả thuận chia sẻ / Sharing agreements (R-4.2, R-5.2, R-9.2, R-11)' }],
    jobs: [{ name: 'agreement expiries', periodMs: 60_000, run: () => agreements.service.sweepExpiries() }],
  };
}
