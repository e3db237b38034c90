import type { Catalog, Dataset, ResolvedField } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import { shapePlan } from '../gateway/index.ts';
import type { Feed } from '../sync/index.ts';
import { type Store, ident, literal } from './store.ts';
import { CLOSE_IN_BATCH, batchLines, duckType, maskInJs, maskedColumn, stagingSql } from './staging.ts';

/** Changes taken from the feed and written to DuckDB in one transaction. */
const BATCH = 20_000;
const HISTORY_COLUMNS = '_key VARCHAR NOT NULL, _version INTEGER NOT NULL, _position BIGINT NOT NULL, _valid_from TIMESTAMPTZ NOT NULL, _valid_to TIMESTAMPTZ';
/** A dataset's field columns (name, type): each field, then its masked form if it has a mask. */
const fieldColumns = (fields: readonly ResolvedField[]) =>
  fields.flatMap((f): [string, string][] => [
    [f.name, duckType(f)],
    ...(f.personal !== 'none' && f.mask ? [[maskedColumn(f.name), 'VARCHAR'] as [string, string]] : []),
  ]);

/**
 * R-7.3, R-4.6: only `normal` and `sensitive` data enters the warehouse; `secret` and `top_secret`
 * never does, and a dataset classified secret later is dropped from it on the next pass. Only
 * hosted datasets have data on the platform to take.
 */
export const entersWarehouse = (d: Pick<Dataset, 'classification' | 'mode'>) =>
  d.mode === 'hosted' && (d.classification === 'normal' || d.classification === 'sensitive');

/** `fn` in one DuckDB transaction of the writer: all of it, or none of it. */
async function transaction(s: Store, fn: () => Promise<unknown>): Promise<void> {
  await s.writer.run('BEGIN TRANSACTION');
  try {
    await fn();
    await s.writer.run('COMMIT');
  } catch (err) {
    await s.writer.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface IngestResult {
  datasets: number;
  changes: number;
  dropped: string[];
  dimensions: number;
}

/**
 * Ingestion from the change feed (docs/sync.md): per dataset, the versions after the position
 * reached, in commit order, written with the new position in one DuckDB transaction — so a pass
 * that stops anywhere resumes exactly where the last commit left, nothing missing or doubled.
 * Each version closes the key's previous row (`_valid_to`) and, unless a tombstone, opens a new
 * one: the table keeps history, and "as of T" is `_valid_from <= T AND (_valid_to IS NULL OR _valid_to > T)`.
 * Personal fields with a mask are also kept masked: in SQL where that provably equals the gateway's
 * shaping, by the gateway's own code elsewhere (staging.ts), so a view shows exactly the gateway's mask.
 */
export function createIngestion(store: () => Promise<Store>, deps: { catalog: Catalog; feed: Feed; codeLists: Pick<CodeLists, 'list' | 'lookup'> }) {
  /**
   * The DDL that gives each dataset its table and a column per field, in one statement for the pass:
   * a new table is made whole, a field added to the dataset later becomes a column (empty for the
   * versions before it).
   */
  function tableDdl(existing: ReadonlyMap<string, ReadonlySet<string>>, tables: readonly { code: string; fields: readonly ResolvedField[] }[]): string {
    const ddl: string[] = [];
    for (const { code, fields } of tables) {
      const t = `base.${ident(code)}`;
      const columns = fieldColumns(fields);
      const have = existing.get(code);
      if (!have) ddl.push(`CREATE TABLE ${t} (${[HISTORY_COLUMNS, ...columns.map(([name, type]) => `${ident(name)} ${type}`)].join(', ')});`);
      else for (const [name, type] of columns) if (!have.has(name)) ddl.push(`ALTER TABLE ${t} ADD COLUMN ${ident(name)} ${type};`);
    }
    return ddl.join('\n');
  }

  async function ingestDataset(s: Store, d: Dataset, fields: readonly ResolvedField[], from: number): Promise<number> {
    const maskOnly = shapePlan(fields, []);
    const t = `base.${ident(d.code)}`;
    const staging = stagingSql(fields, maskOnly);
    const columns = staging.columns.map(ident).join(', ');
    let total = 0;
    // The next batch is read from the feed while DuckDB writes this one: the two overlap.
    let next = deps.feed.changesAsText(d.code, from, BATCH);
    for (;;) {
      const changes = await next;
      if (changes.length === 0) return total;
      const last = changes.at(-1)!.position;
      next = deps.feed.changesAsText(d.code, last, BATCH);
      // (awaited on the next turn of the loop; a failure here ends the pass without it)
      void next.catch(() => undefined);
      await s.writer.run(staging.create, [batchLines(changes)]);
      await s.writer.run(CLOSE_IN_BATCH);
      if (staging.masked.length) await maskInJs(s, changes, staging, maskOnly);
      await transaction(s, async () => {
        await s.writer.run(`UPDATE ${t} SET _valid_to = s.first_at FROM (SELECT _key, min(_valid_from) AS first_at FROM temp.stage GROUP BY _key) s
          WHERE ${t}._key = s._key AND ${t}._valid_to IS NULL`);
        await s.writer.run(`INSERT INTO ${t} (${columns}) SELECT ${columns} FROM temp.stage WHERE NOT _deleted`);
        await s.writer.run(
          `INSERT INTO meta.positions VALUES ($1, $2, now()) ON CONFLICT (dataset) DO UPDATE SET position = excluded.position, ingested_at = excluded.ingested_at`,
          [d.code, last],
        );
      });
      total += changes.length;
    }
  }

  /** The shared code lists as dimension tables, reloaded when the version in force changes. */
  async function dimensions(s: Store): Promise<number> {
    const lists = await deps.codeLists.list({ limit: 1000, offset: 0 });
    const known = new Map(
      (await s.writer.runAndReadAll('SELECT code, checksum FROM meta.dims')).getRowObjectsJS().map((r) => [String(r.code), String(r.checksum)]),
    );
    let loaded = 0;
    for (const l of lists.items) {
      const v = l.current_version;
      if (!v || known.get(l.code) === v.checksum) continue;
      const items = await deps.codeLists.lookup(l.code, v.effective_from);
      if (!items) continue;
      const t = `dim.${ident(l.code)}`;
      await transaction(s, async () => {
        await s.writer.run(`CREATE OR REPLACE TABLE ${t} (code VARCHAR PRIMARY KEY, name_vi VARCHAR, name_en VARCHAR, parent_code VARCHAR, level VARCHAR)`);
        const app = await s.writer.createAppender(l.code, 'dim');
        for (const i of items.values()) {
          app.appendVarchar(i.code);
          app.appendVarchar(i.name_vi);
          if (i.name_en === null) app.appendNull();
          else app.appendVarchar(i.name_en);
          if (i.parent_code === null) app.appendNull();
          else app.appendVarchar(i.parent_code);
          const level = i.attributes.level;
          if (level === undefined || level === null) app.appendNull();
          else app.appendVarchar(String(level));
          app.endRow();
        }
        app.flushSync();
        app.closeSync();
        await s.writer.run('INSERT INTO meta.dims VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET checksum = excluded.checksum', [l.code, v.checksum]);
      });
      loaded += 1;
    }
    return loaded;
  }

  return {
    /** One pass over every dataset: what the feed holds beyond the warehouse's position goes in. */
    async run(): Promise<IngestResult> {
      const s = await store();
      return s.exclusive(async () => {
        const all = await deps.catalog.datasets.list({ limit: 100_000, offset: 0 });
        const result: IngestResult = { datasets: 0, changes: 0, dropped: [], dimensions: 0 };
        const existing = new Map<string, Set<string>>();
        for (const r of (await s.writer.runAndReadAll("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'base'")).getRows())
          existing.set(String(r[0]), (existing.get(String(r[0])) ?? new Set()).add(String(r[1])));
        const entering: { d: Dataset; fields: readonly ResolvedField[] }[] = [];
        for (const d of all.items) {
          if (entersWarehouse(d)) entering.push({ d, fields: await deps.catalog.fields(d.code) });
          else if (existing.has(d.code)) {
            // R-7.3, R-4.6: data that is (now) secret, or no longer hosted, leaves the warehouse at once.
            await s.writer.run(`DROP TABLE base.${ident(d.code)}; DELETE FROM meta.positions WHERE dataset = ${literal(d.code)}`);
            result.dropped.push(d.code);
          }
        }
        const ddl = tableDdl(
          existing,
          entering.map((e) => ({ code: e.d.code, fields: e.fields })),
        );
        if (ddl) await transaction(s, () => s.writer.run(ddl));
        const positions = new Map(
          (await s.writer.runAndReadAll('SELECT dataset, position FROM meta.positions')).getRows().map((r) => [String(r[0]), Number(r[1])]),
        );
        for (const { d, fields } of entering) {
          result.changes += await ingestDataset(s, d, fields, positions.get(d.code) ?? 0);
          result.datasets += 1;
        }
        result.dimensions = await dimensions(s);
        return result;
      });
    },
  };
}
