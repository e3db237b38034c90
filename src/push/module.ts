import { declareModule } from '../db/modules.ts';

/** Push subscriptions: signed CloudEvents webhooks of a hosted dataset's changes (R-4.3, R-6.1c; docs/push.md). */
export const pushModule = declareModule({
  name: 'push',
  dependsOn: ['registry', 'catalog', 'sync', 'agreements', 'accounts', 'gateway'],
  home: import.meta.url,
});
