import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { type AccessTokenCheck, ledgerRoutes } from './routes.ts';
import type { Ledger } from './service.ts';

/**
 * The sharing log's routes (receipts are read with a connection account's token, checked by
 * `checkToken`), its integration every 250 ms, and its shutdown (the queue thread).
 */
export function ledgerRuntime(ledger: Ledger, checkToken: AccessTokenCheck): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('ledger-routes', ledgerRoutes(ledger, checkToken)), prefix: '/api/v1' }],
    tags: [{ name: 'ledger', description: 'Nhật ký chia sẻ / Sharing log (R-17): checkpoints, proofs, receipts' }],
    jobs: [{ name: 'sharing-log integration', periodMs: 250, run: () => ledger.integrateAll() }],
    close: () => ledger.close(),
  };
}
