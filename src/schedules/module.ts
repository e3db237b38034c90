import { declareModule } from '../db/modules.ts';

/** Periodic synchronisation (R-6.1c): scheduled pulls from custodians' services and deliveries to consumers' endpoints. */
export const schedulesModule = declareModule({
  name: 'schedules',
  dependsOn: ['registry', 'catalog', 'sync', 'agreements', 'lifecycle', 'gateway'],
  home: import.meta.url,
});
