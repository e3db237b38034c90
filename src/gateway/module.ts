import { declareModule } from '../db/modules.ts';

/** The data gateway and the proxied services. */
export const gatewayModule = declareModule({
  name: 'gateway',
  dependsOn: ['registry', 'catalog', 'sync', 'agreements', 'accounts', 'ledger', 'lifecycle'],
  home: import.meta.url,
});
