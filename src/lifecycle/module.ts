import { declareModule } from '../db/modules.ts';

/** Suspension and termination, the public notice board. */
export const lifecycleModule = declareModule({
  name: 'lifecycle',
  dependsOn: ['registry', 'catalog', 'agreements', 'notifications'],
  home: import.meta.url,
});
