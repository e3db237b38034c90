
export { createLedger, type Ledger, DEFAULT_LEDGER_OPTIONS } from './service.ts';
export { ledgerRoutes } from './routes.ts';
export { type LedgerEntry } from './entry.ts';

export { ledgerModule } from './module.ts';
export { ledgerRuntime } from './runtime.ts';
