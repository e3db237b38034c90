import { declareModule } from '../db/modules.ts';

/** The shared data warehouse (Kho dữ liệu dùng chung, R-7.3): analysis over non-secret hosted data. */
export const warehouseModule = declareModule({
  name: 'warehouse',
  dependsOn: ['registry', 'codelists', 'catalog', 'sync', 'agreements', 'ledger', 'gateway'],
  home: import.meta.url,
});
