import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { sqlMigrations } from '../db/migrate.ts';
import type { AgencyService } from '../registry/agencies.ts';
import { createDatasetService } from './datasets.ts';

export const catalogMigrations = sqlMigrations(import.meta.url);

export function createCatalog(db: Database, clock: Clock, agencies: AgencyService) {
  return { datasets: createDatasetService(db, clock, agencies) };
}

export type Catalog = ReturnType<typeof createCatalog>;
