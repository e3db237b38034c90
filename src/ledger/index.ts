export { createLedger, type Ledger, DEFAULT_LEDGER_OPTIONS } from './service.ts';
export { type LedgerEntry } from './entry.ts';
export { verifyConsistency } from './log/merkle.ts';

export { ledgerRuntime } from './runtime.ts';
