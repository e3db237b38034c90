import type { Catalog } from '../catalog/index.ts';
import type { Clock } from '../core/clock.ts';
import type { KeyWrapper } from '../core/sealing.ts';
import type { Database } from '../db/database.ts';
import { createQualityService } from './quality.ts';
import { createFeed } from './feed.ts';
import { createRecordService } from './records.ts';
import { createSealing } from './sealing.ts';

/** `keys` holds the key-encryption key that secret records are sealed under (R-4.7, R-11; sealing.ts). */
export function createSync(db: Database, clock: Clock, catalog: Catalog, keys: KeyWrapper) {
  const sealing = createSealing(db, clock, catalog, keys);
  const records = createRecordService(db, clock, catalog, sealing);
  return { records, feed: createFeed(db, sealing), quality: createQualityService(db, clock, catalog, records), sealing };
}

export type Sync = ReturnType<typeof createSync>;
export { type LiveKey, type LiveRow, type RecordWrite, type StoredRecord, type WriteResult } from './records.ts';
export { type SealingStart } from './sealing.ts';
export { type Change, type Feed } from './feed.ts';
export { RecordBatch } from './routes.ts';

export { syncRuntime } from './runtime.ts';
