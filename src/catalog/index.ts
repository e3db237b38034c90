import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { AgencyService } from '../registry/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import { vietnamDate } from '../core/time.ts';
import { createDatasetService } from './datasets.ts';
import { createDictionaryService } from './dictionary.ts';
import { createReviewService } from './review.ts';
import { type Violation, validateRecords } from './validation.ts';

export function createCatalog(db: Database, clock: Clock, agencies: AgencyService, codeLists: CodeLists) {
  const dictionary = createDictionaryService(db, clock, codeLists);
  const datasets = createDatasetService(db, clock, agencies, dictionary);
  return {
    datasets,
    dictionary,
    /** The yearly review of the catalog. */
    reviews: createReviewService(db, clock, datasets),
    /** The dataset's fields with their dictionary entries applied. */
    async fields(code: string) {
      return dictionary.resolve((await datasets.get(code)).sharing_spec);
    },
    /** Validates records of a dataset (the function ingestion uses too). */
    async validate(
      code: string,
      records: unknown[],
      on?: string,
    ): Promise<{ dataset: string; on: string; checked: number; valid: number; invalid: number; violations: Violation[] }> {
      const dataset = await datasets.get(code);
      const fields = await dictionary.resolve(dataset.sharing_spec);
      const date = on ?? vietnamDate(clock.now());
      const violations = await validateRecords(fields, records, { on: date, effectiveDateField: dataset.sharing_spec.effective_date_field }, codeLists.lookup);
      const bad = new Set(violations.map((v) => v.record)).size;
      return { dataset: code, on: date, checked: records.length, valid: records.length - bad, invalid: bad, violations };
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
export { type Dataset, type Mask, type ResolvedField, type SharingSpec } from './types.ts';
export { type DatasetService } from './datasets.ts';
export { reviewDeadline } from './review.ts';

export { catalogRuntime } from './runtime.ts';
