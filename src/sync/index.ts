import type { Catalog } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import type { Clock } from '../core/clock.ts';
import type { KeyWrapper } from '../core/sealing.ts';
import type { Database } from '../db/database.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Registry } from '../registry/index.ts';
import { createProducerService } from './producers.ts';
import { createQualityService } from './quality.ts';
import { createFeed } from './feed.ts';
import { createRecordService } from './records.ts';
import { createSealing } from './sealing.ts';
import { type ChangeNotifier, channelTransport, createNotifier } from './notifier.ts';

export interface SyncDeps {
  catalog: Catalog;
  registry: Pick<Registry, 'agencies' | 'systems'>;
  codeLists: Pick<CodeLists, 'lookup'>;
  notifications: Pick<NotificationService, 'notify'>;
}

/**
 * `keys` holds the key-encryption key that secret records are sealed under (R-4.7, R-11; sealing.ts);
 * producers are the other agencies a custodian lets write its hosted datasets.
 */
export function createSync(db: Database, clock: Clock, deps: SyncDeps, keys: KeyWrapper, notifier?: ChangeNotifier) {
  // Without another transport given, the database's own channels (LISTEN/NOTIFY; in-process on PGlite).
  const changes = notifier ?? createNotifier(async () => channelTransport(db.channels));
  const { catalog } = deps;
  const sealing = createSealing(db, clock, catalog, keys);
  const producers = createProducerService(db, clock, {
    catalog,
    registry: deps.registry,
    notifications: deps.notifications,
    lookup: (list, on) => deps.codeLists.lookup(list, on),
  });
  const records = createRecordService(db, clock, catalog, sealing, producers, changes);
  return {
    records,
    producers,
    feed: createFeed(db, sealing),
    quality: createQualityService(db, clock, catalog, records),
    sealing,
    /** "Dataset X has changes up to P" on every instance (notifier.ts): what streams and webhook deliveries wake on. */
    notifier: changes,
  };
}

export type Sync = ReturnType<typeof createSync>;
export { type LiveKey, type LiveRow, type RecordWrite, type StoredRecord, type WriteResult } from './records.ts';
export { type SealingStart } from './sealing.ts';
export { type AsOfRecord, type Change, type Feed, type TextChange } from './feed.ts';
export { /** @public */ type ChangeEvent, /** @public */ type ChangeListener, type ChangeNotifier, createNotifier, natsTransport } from './notifier.ts';
export { RecordBatch } from './routes.ts';

export { syncRuntime } from './runtime.ts';
