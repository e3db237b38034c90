import type { Agreements } from '../agreements/index.ts';
import type { Catalog, ResolvedField } from '../catalog/index.ts';
import { forbidden } from '../core/errors.ts';
import type { Database } from '../db/database.ts';
import { shapePlan } from '../gateway/index.ts';
import { type Principal, hasRole } from '../registry/index.ts';
import { entersWarehouse } from './ingest.ts';
import { maskedColumn } from './staging.ts';
import { viewName } from './store.ts';

/** A column of an analyst's view: a field whole, or a personal field through its mask. */
interface ViewColumn {
  name: string;
  /** The base table's column it is read from. */
  source: string;
  masked: boolean;
  field: ResolvedField;
}

/** What one analyst may read of one dataset, decided now. */
export interface DatasetAccess {
  code: string;
  view: string;
  custodian: string;
  classification: string;
  name_vi: string;
  name_en: string;
  columns: ViewColumn[];
  agreementIds: string[];
  policyVersion: string | null;
  /** the custodian restricted the dataset to aggregates; groups under `minCell` records are withheld. */
  aggregatesOnly: boolean;
  minCell: number;
}

export const DEFAULT_MIN_CELL = 5;

/**
 * an analyst sees of each dataset exactly what its agency's agreements in force
 * grant — the union of what each of the agency's systems is granted, each decided by the same
 * decision function the gateway uses (suspended agreements, suspended systems, secret data outside
 * the dedicated network: refused there, so absent here), shaped by the gateway's own plan (a
 * personal field not granted shows only masked, or not at all). Decided again for every query,
 * from the agreements as they are now: a revocation, suspension or termination takes effect at
 * once. Open datasets (no authentication required) are whole for every analyst.
 */
export function createAccess(db: Database, deps: { agreements: Agreements; catalog: Catalog }) {
  async function policies(): Promise<Map<string, { aggregates_only: boolean; min_cell: number }>> {
    const r = await db.query<{ dataset_code: string; aggregates_only: boolean; min_cell: number }>(
      'SELECT dataset_code, aggregates_only, min_cell FROM warehouse_dataset_policies',
    );
    return new Map(r.rows.map((x) => [x.dataset_code, x]));
  }

  return {
    requireAnalyst(p: Principal): void {
      if (!hasRole(p, 'analyst'))
        throw forbidden(
          'Chỉ cán bộ phân tích (vai trò analyst) được khai thác kho dữ liệu dùng chung.',
          'Only analysts (role analyst) query the shared data warehouse.',
          'R-7.3',
        );
    },

    /** The datasets `p` may read in the warehouse, by view name. */
    async of(p: Principal, ingested: ReadonlySet<string>): Promise<Map<string, DatasetAccess>> {
      this.requireAnalyst(p);
      const agreements = await deps.agreements.service.list(p, { consumer: p.agencyCode, status: 'active', limit: 10_000, offset: 0 });
      const granted = new Map<string, { fields: Set<string>; ids: string[]; version: string | null }>();
      for (const a of agreements.items) {
        if (a.consumer_code !== p.agencyCode || !ingested.has(a.dataset_code)) continue;
        const d = await deps.agreements.decide({ system: a.system_code, dataset: a.dataset_code, purpose: a.purpose_code, zone: 'internet' });
        if (!d.allow) continue;
        const g = granted.get(a.dataset_code) ?? { fields: new Set<string>(), ids: [], version: d.policy_version };
        d.fields.forEach((f) => g.fields.add(f));
        g.ids.push(...d.agreement_ids);
        granted.set(a.dataset_code, g);
      }
      const pol = await policies();
      const catalog = new Map((await deps.catalog.datasets.list({ limit: 100_000, offset: 0 })).items.map((d) => [d.code, d]));
      const out = new Map<string, DatasetAccess>();
      for (const code of ingested) {
        const dataset = catalog.get(code);
        if (!dataset || !entersWarehouse(dataset)) continue;
        let g = granted.get(code);
        if (!g && !dataset.auth_required) {
          // open data, decided as the gateway decides it (published, not secret).
          const d = await deps.agreements.decide({ system: '', dataset: code, zone: 'internet' });
          if (d.allow) g = { fields: new Set(d.fields), ids: [], version: d.policy_version };
        }
        if (!g) continue;
        const fields = await deps.catalog.fields(code);
        const plan = shapePlan(fields, [...g.fields]);
        const columns: ViewColumn[] = [];
        for (const f of fields) {
          if (plan.whole.has(f.name)) columns.push({ name: f.name, source: f.name, masked: false, field: f });
          else if (plan.masked.has(f.name)) columns.push({ name: f.name, source: maskedColumn(f.name), masked: true, field: f });
        }
        if (columns.length === 0) continue;
        const policy = pol.get(code);
        out.set(viewName(code), {
          code,
          view: viewName(code),
          custodian: dataset.custodian_code,
          classification: dataset.classification,
          name_vi: dataset.name_vi,
          name_en: dataset.name_en,
          columns,
          agreementIds: g.ids,
          policyVersion: g.version,
          aggregatesOnly: policy?.aggregates_only ?? false,
          minCell: policy?.min_cell ?? DEFAULT_MIN_CELL,
        });
      }
      return out;
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
