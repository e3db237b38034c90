import { declareModule } from '../db/modules.ts';

/** Data hosted on the platform (R-6.1a). */
export const syncModule = declareModule({
  name: 'sync',
  dependsOn: ['registry', 'codelists', 'catalog', 'notifications'],
  home: import.meta.url,
});
