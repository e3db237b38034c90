import { declareModule } from '../db/modules.ts';

/** Sharing agreements and the access decision. */
export const agreementsModule = declareModule({
  name: 'agreements',
  dependsOn: ['registry', 'catalog', 'codelists', 'notifications'],
  home: import.meta.url,
});
