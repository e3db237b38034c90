import { declareModule } from '../db/modules.ts';

/** The sharing log. */
export const ledgerModule = declareModule({
  name: 'ledger',
  dependsOn: ['registry'],
  home: import.meta.url,
});
