import type { Agreements } from '../agreements/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { DeliveryBatch, DeliveryParty, Gateway, UpstreamService } from '../gateway/index.ts';
import type { ServiceBlock } from '../lifecycle/index.ts';
import type { Registry } from '../registry/index.ts';
import type { Sync } from '../sync/index.ts';

/** What periodic synchronisation needs of the other modules: their services, never their tables. */
export interface ScheduleDeps {
  catalog: Pick<Catalog, 'datasets' | 'validate'>;
  sync: { records: Pick<Sync['records'], 'writeAs' | 'readLiveMany' | 'livePage'>; feed: Pick<Sync['feed'], 'head'> };
  agreements: { service: Pick<Agreements['service'], 'byId'> };
  registry: { systems: Pick<Registry['systems'], 'byCode'> };
  upstreams: Pick<UpstreamService, 'forDataset'>;
  gateway: {
    pullPage: Gateway['pullPage'];
    deliveryBatch(code: string, party: DeliveryParty, after: number, limit: number): Promise<DeliveryBatch>;
  };
  /** whether the dataset's service is stopped for everyone right now (the lifecycle module). */
  serviceBlock(dataset: string, at: Date): Promise<ServiceBlock | null>;
}
