import { declareModule } from '../db/modules.ts';

/** Reports and oversight: figures counted from the sharing logs, compliance findings. */
export const reportsModule = declareModule({
  name: 'reports',
  dependsOn: ['registry', 'catalog', 'sync', 'notifications', 'agreements', 'accounts', 'ledger', 'calendar', 'lifecycle'],
  home: import.meta.url,
});
