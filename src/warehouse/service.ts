import type { Agreements } from '../agreements/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import type { Clock } from '../core/clock.ts';
import { Problem, PROBLEMS, forbidden } from '../core/errors.ts';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { type Principal, administers, requireCoordinator } from '../registry/index.ts';
import type { Feed } from '../sync/index.ts';
import { DEFAULT_MIN_CELL, createAccess } from './access.ts';
import { type ExportFormat, CONTENT_TYPES, digestOf, exportBytes } from './exports.ts';
import { createIngestion, entersWarehouse } from './ingest.ts';
import { MAX_EXPORT_ROWS, type ParamValue, type QueryRequest, type Receipt, type Release, answerBody, createQueries } from './query.ts';
import { createSavedQueries } from './saved.ts';
import { type Store, ident, openStore } from './store.ts';

export interface WarehouseDeps {
  catalog: Catalog;
  codeLists: Pick<CodeLists, 'list' | 'lookup'>;
  feed: Feed;
  agreements: Agreements;
  ledger: Pick<Ledger, 'appendDurable'>;
  coordinatorLog: string;
}

/**
 * The shared data warehouse (Kho dữ liệu dùng chung, R-7.3; docs/warehouse.md): DuckDB fed from
 * the change feed, queried by analysts through their own views, every answer logged.
 * The DuckDB file is opened on first use: a platform that never uses the warehouse never holds it.
 */
export function createWarehouse(db: Database, clock: Clock, file: string, deps: WarehouseDeps) {
  let opening: Promise<Store> | null = null;
  const store = () => {
    opening ??= openStore(file).catch((err: unknown) => {
      opening = null;
      throw new Problem(PROBLEMS.unavailable, {
        detail: 'Kho dữ liệu tạm thời không mở được.',
        detail_en: `The warehouse could not be opened (${err instanceof Error ? err.message : 'error'}).`,
        headers: { 'retry-after': '5' },
      });
    });
    return opening;
  };
  const access = createAccess(db, { agreements: deps.agreements, catalog: deps.catalog });
  const ingestion = createIngestion(store, { catalog: deps.catalog, feed: deps.feed, codeLists: deps.codeLists });
  const queries = createQueries({ store, access, ledger: deps.ledger, clock, coordinatorLog: deps.coordinatorLog });
  const saved = createSavedQueries(db, clock);

  /** Runs, logs in every custodian's log read, then answers (R-17.2: logged before released). */
  async function answer(p: Principal, q: QueryRequest, rel: Release) {
    const e = await queries.execute(p, q, rel);
    const { json, digest } = answerBody(e);
    const receipts = await queries.log(p, q, e, rel, { digest, bytes: Buffer.byteLength(json) });
    return {
      query_id: e.query_id,
      columns: e.columns,
      rows: e.rows,
      truncated: e.truncated,
      as_of: e.as_of,
      datasets: e.compiled.datasets.map((d) => d.code),
      suppressed_below: e.compiled.suppression?.minCell ?? null,
      sha256: digest,
      receipts,
    };
  }

  return {
    ingest: () => ingestion.run(),
    query: (p: Principal, q: QueryRequest, requestId: string) => answer(p, q, { form: 'api', resource: '/api/v1/warehouse/query', requestId }),
    cancel: queries.cancel,
    saved,

    async schema(p: Principal) {
      const s = await queries.schema(p);
      return {
        datasets: s.datasets.map((d) => ({
          code: d.code,
          view: d.view,
          custodian: d.custodian,
          classification: d.classification,
          name_vi: d.name_vi,
          name_en: d.name_en,
          aggregates_only: d.aggregatesOnly,
          min_cell: d.aggregatesOnly ? d.minCell : null,
          columns: d.columns.map((c) => ({ name: c.name, type: c.field.type, label_vi: c.field.label_vi, label_en: c.field.label_en, masked: c.masked })),
        })),
        dimensions: s.dimensions,
      };
    },

    /** A saved query run again with the runner's grants of now; `chart` marks a chart's refresh. */
    async runSaved(p: Principal, id: string, params: Record<string, ParamValue> | undefined, requestId: string, chart = false) {
      const sq = await saved.get(p, id);
      const kind = chart ? 'chart' : 'saved';
      return answer(
        p,
        { sql: sq.sql, params: saved.values(sq, params) },
        { form: 'api', resource: `/api/v1/warehouse/saved-queries/${id}/${chart ? 'chart' : 'run'}`, requestId, extra: { [kind]: id } },
      );
    },

    /** An export: the answer as a file, logged with the file's own SHA-256 before it is given. */
    async export(
      p: Principal,
      input: {
        sql?: string | undefined;
        saved_query_id?: string | undefined;
        params?: Record<string, ParamValue> | undefined;
        format: ExportFormat;
        as_of?: string | undefined;
      },
      requestId: string,
    ): Promise<{ body: Buffer; contentType: string; filename: string; sha256: string; receipts: Receipt[]; rows: number }> {
      let q: QueryRequest;
      if (input.saved_query_id) {
        const sq = await saved.get(p, input.saved_query_id);
        q = { sql: sq.sql, params: saved.values(sq, input.params), as_of: input.as_of };
      } else if (input.sql) q = { sql: input.sql, params: input.params, as_of: input.as_of };
      else throw new Problem(PROBLEMS.validation, { detail: 'Cần sql hoặc saved_query_id.', detail_en: 'sql or saved_query_id is required.' });
      const rel: Release = {
        form: 'export',
        resource: '/api/v1/warehouse/exports',
        requestId,
        extra: { format: input.format, ...(input.saved_query_id && { saved: input.saved_query_id }) },
      };
      const e = await queries.execute(p, q, rel, MAX_EXPORT_ROWS);
      const body = await exportBytes(input.format, e.columns, e.rows);
      const sha256 = digestOf(body);
      const receipts = await queries.log(p, q, e, rel, { digest: sha256, bytes: body.length });
      return { body, contentType: CONTENT_TYPES[input.format], filename: `kho-du-lieu-${e.query_id}.${input.format}`, sha256, receipts, rows: e.rows.length };
    },

    /** the custodian (or the coordinator) restricts a dataset to aggregates with small-cell suppression. */
    async setPolicy(p: Principal, code: string, input: { aggregates_only: boolean; min_cell?: number | undefined }) {
      const d = await deps.catalog.datasets.get(code);
      if (!administers(p, d.custodian_code, 'custodian_admin'))
        throw forbidden(
          'Chỉ cơ quan chủ quản của bộ dữ liệu quyết định cách khai thác trong kho.',
          "Only the dataset's custodian decides how the warehouse serves it.",
          'R-7.3',
        );
      if (!entersWarehouse(d))
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-7.3',
          detail: 'Bộ dữ liệu mật, tối mật hoặc không lưu trên nền tảng không có trong kho.',
          detail_en: 'Secret, top-secret or non-hosted datasets are not in the warehouse.',
        });
      const minCell = input.min_cell ?? DEFAULT_MIN_CELL;
      await db.query(
        `INSERT INTO warehouse_dataset_policies (dataset_code, aggregates_only, min_cell, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (dataset_code) DO UPDATE SET aggregates_only = EXCLUDED.aggregates_only, min_cell = EXCLUDED.min_cell, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
        [code, input.aggregates_only, minCell, p.username, clock.now()],
      );
      return { dataset_code: code, aggregates_only: input.aggregates_only, min_cell: minCell };
    },

    /** What the warehouse holds: each dataset's feed position reached and its current rows (operators, checks). */
    async status(): Promise<{ dataset: string; position: number; rows: number }[]> {
      const s = await store();
      return s.exclusive(async () => {
        const r = await s.writer.runAndReadAll(
          "SELECT t.table_name AS dataset, coalesce(p.position, 0) AS position FROM duckdb_tables() t LEFT JOIN meta.positions p ON p.dataset = t.table_name WHERE t.schema_name = 'base' ORDER BY 1",
        );
        const out = [];
        for (const row of r.getRowObjectsJS()) {
          const n = await s.writer.runAndReadAll(`SELECT count(*) FROM base.${ident(String(row.dataset))} WHERE _valid_to IS NULL`);
          out.push({ dataset: String(row.dataset), position: Number(row.position), rows: Number(n.getRows()[0]![0]) });
        }
        return out;
      });
    },

    /** The current version of every key of a dataset as stored here, to compare with the hosted data. */
    async currentVersions(code: string): Promise<Map<string, { version: number; row: Record<string, unknown> }>> {
      const s = await store();
      return s.exclusive(async () => {
        const r = await s.writer.runAndReadAll(`SELECT * FROM base.${ident(code)} WHERE _valid_to IS NULL`);
        return new Map(r.getRowObjectsJson().map((x) => [String(x._key), { version: Number(x._version), row: x as Record<string, unknown> }]));
      });
    },

    async ingestAs(p: Principal) {
      requireCoordinator(p, 'nạp dữ liệu vào kho ngay', 'run the warehouse ingestion now');
      return ingestion.run();
    },

    async close(): Promise<void> {
      if (!opening) return;
      const s = await opening.catch(() => null);
      if (s) await s.exclusive(async () => s.close());
    },
  };
}

export type Warehouse = ReturnType<typeof createWarehouse>;
