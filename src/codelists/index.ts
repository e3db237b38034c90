import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { createCodeListService } from './service.ts';

export function createCodeLists(db: Database, clock: Clock) {
  return createCodeListService(db, clock);
}

export type CodeLists = ReturnType<typeof createCodeLists>;
export { type CodeItem } from './types.ts';

export { codeListsRuntime } from './runtime.ts';
