import type { Mask } from '../catalog/index.ts';
import type { Database } from '../db/database.ts';

export type ExportFormat = 'ndjson' | 'csv';

/** A prepared export: what makes its bytes again, identical, and their digest and signed manifest. */
export interface PreparedExport {
  id: string;
  dataset_code: string;
  system_code: string;
  position: number;
  format: ExportFormat;
  fields: string[];
  masked: Record<string, Mask>;
  filters: Record<string, string>;
  records: number;
  bytes: number;
  sha256: string;
  manifest: string;
  created_at: Date;
  expires_at: Date;
}

const COLUMNS = 'id, dataset_code, system_code, position, format, fields, masked, filters, records, bytes, sha256, manifest, created_at, expires_at';

/** The gateway's table of prepared exports: what rebuilds an export's bytes, never the bytes themselves. */
export function createExportStore(db: Database) {
  return {
    async add(e: PreparedExport): Promise<void> {
      await db.query(`INSERT INTO data_exports (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, [
        e.id,
        e.dataset_code,
        e.system_code,
        e.position,
        e.format,
        JSON.stringify(e.fields),
        JSON.stringify(e.masked),
        JSON.stringify(e.filters),
        e.records,
        e.bytes,
        e.sha256,
        e.manifest,
        e.created_at,
        e.expires_at,
      ]);
    },
    async get(dataset: string, id: string): Promise<PreparedExport | null> {
      const r = await db.query<PreparedExport>(`SELECT ${COLUMNS} FROM data_exports WHERE dataset_code = $1 AND id = $2`, [dataset, id]);
      return r.rows[0] ?? null;
    },
  };
}

export type ExportStore = ReturnType<typeof createExportStore>;
