import type { Catalog } from '../catalog/index.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { createQualityService } from './quality.ts';
import { createRecordService } from './records.ts';


export function createSync(db: Database, clock: Clock, catalog: Catalog) {
  return { records: createRecordService(db, clock, catalog), quality: createQualityService(db, clock, catalog) };
}

export type Sync = ReturnType<typeof createSync>;
export { type LiveKey, type RecordWrite, type StoredRecord, type WriteResult } from './records.ts';
export { RecordBatch } from './routes.ts';

export { syncModule } from './module.ts';
export { syncRuntime } from './runtime.ts';
