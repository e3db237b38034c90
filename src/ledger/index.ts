import { sqlMigrations } from '../db/migrate.ts';

export const ledgerMigrations = sqlMigrations(import.meta.url);
export { createLedger, type Ledger, DEFAULT_LEDGER_OPTIONS } from './service.ts';
export { ledgerRoutes } from './routes.ts';
