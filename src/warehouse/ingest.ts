import type { Catalog, Dataset, ResolvedField } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import { type ShapePlan, shapePlan, shapeRecord } from '../gateway/index.ts';
import type { Feed, TextChange } from '../sync/index.ts';
import { type Store, ident, literal } from './store.ts';

/** Changes taken from the feed and written to DuckDB in one transaction. */
const BATCH = 10_000;

const DUCK_TYPES: Record<ResolvedField['type'], string> = {
  string: 'VARCHAR',
  code: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMPTZ',
};
const duckType = (f: Pick<ResolvedField, 'type'>) => DUCK_TYPES[f.type];
/** The column holding a personal field as the gateway's mask shows it (R-8.2). */
export const maskedColumn = (field: string) => `${field}__masked`;

/**
 * R-7.3, R-4.6: only `normal` and `sensitive` data enters the warehouse; `secret` and `top_secret`
 * never does, and a dataset classified secret later is dropped from it on the next pass. Only
 * hosted datasets have data on the platform to take.
 */
export const entersWarehouse = (d: Pick<Dataset, 'classification' | 'mode'>) =>
  d.mode === 'hosted' && (d.classification === 'normal' || d.classification === 'sensitive');

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
 * Personal fields with a mask are also kept masked, computed by the gateway's own shaping, so a
 * view shows the masked form without the warehouse reimplementing it.
 */
export function createIngestion(store: () => Promise<Store>, deps: { catalog: Catalog; feed: Feed; codeLists: Pick<CodeLists, 'list' | 'lookup'> }) {
  async function ensureTable(s: Store, code: string, fields: ResolvedField[]): Promise<void> {
    const t = `base.${ident(code)}`;
    await s.writer.run(`CREATE TABLE IF NOT EXISTS ${t} (_key VARCHAR NOT NULL, _version INTEGER NOT NULL, _position BIGINT NOT NULL,
      _valid_from TIMESTAMPTZ NOT NULL, _valid_to TIMESTAMPTZ)`);
    const have = new Set(
      (await s.writer.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE schema_name = 'base' AND table_name = $1`, [code]))
        .getRowObjectsJS()
        .map((r) => String(r.column_name)),
    );
    const want: [string, string][] = [];
    for (const f of fields) {
      want.push([f.name, duckType(f)]);
      if (f.personal !== 'none' && f.mask) want.push([maskedColumn(f.name), 'VARCHAR']);
    }
    // A field added to the dataset later becomes a column (empty for the versions before it).
    for (const [name, type] of want) if (!have.has(name)) await s.writer.run(`ALTER TABLE ${t} ADD COLUMN ${ident(name)} ${type}`);
  }

  async function position(s: Store, code: string): Promise<number> {
    const r = await s.writer.runAndReadAll('SELECT position FROM meta.positions WHERE dataset = $1', [code]);
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  /** The batch into `meta.stage` through DuckDB's appender: content as the JSON text stored, and as the masks show it. */
  async function stage(s: Store, changes: readonly TextChange[], maskOnly: ShapePlan): Promise<void> {
    const app = await s.writer.createAppender('stage', 'meta');
    for (const c of changes) {
      app.appendVarchar(c.key);
      app.appendInteger(c.version);
      app.appendBigInt(BigInt(c.position));
      app.appendVarchar(c.written_at.toISOString());
      app.appendBoolean(c.deleted || c.json === null);
      if (c.json !== null) {
        app.appendVarchar(c.json);
        // Parsed only where a mask needs the values: the gateway's own shaping computes it.
        if (maskOnly.masked.size) app.appendVarchar(JSON.stringify(shapeRecord(JSON.parse(c.json) as Record<string, unknown>, maskOnly)));
        else app.appendNull();
      } else {
        app.appendNull();
        app.appendNull();
      }
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  async function ingestDataset(s: Store, d: Dataset): Promise<number> {
    const fields = await deps.catalog.fields(d.code);
    await ensureTable(s, d.code, fields);
    const maskOnly = shapePlan(fields, []);
    const t = `base.${ident(d.code)}`;
    // Each row's JSON is parsed once for all its fields (a list of paths), not once per field.
    const maskedFields = fields.filter((f) => maskOnly.masked.has(f.name));
    const paths = (fs: readonly ResolvedField[]) => `[${fs.map((f) => literal(`$."${f.name}"`)).join(', ')}]`;
    const typed = fields.map((f, i) => `TRY_CAST(_values[${i + 1}] AS ${duckType(f)}) AS ${ident(f.name)}`);
    const masked = maskedFields.map((f, i) => `_masks[${i + 1}] AS ${ident(maskedColumn(f.name))}`);
    const extracted = [
      ...(fields.length ? [`json_extract_string(_data, ${paths(fields)}) AS _values`] : []),
      ...(maskedFields.length ? [`json_extract_string(_masked, ${paths(maskedFields)}) AS _masks`] : []),
    ];
    const columns = [...fields.map((f) => ident(f.name)), ...maskedFields.map((f) => ident(maskedColumn(f.name)))];
    let total = 0;
    // The next batch is read from the feed while DuckDB writes this one: the two overlap.
    let next = deps.feed.changesAsText(d.code, await position(s, d.code), BATCH);
    for (;;) {
      const changes = await next;
      if (changes.length === 0) return total;
      const last = changes.at(-1)!.position;
      next = deps.feed.changesAsText(d.code, last, BATCH);
      // (awaited on the next turn of the loop; a failure here ends the pass without it)
      void next.catch(() => undefined);
      await stage(s, changes, maskOnly);
      await s.writer.run('BEGIN TRANSACTION');
      try {
        await s.writer.run(`UPDATE ${t} SET _valid_to = s.first_at FROM (SELECT _key, min(_at::TIMESTAMPTZ) AS first_at FROM meta.stage GROUP BY _key) s
          WHERE ${t}._key = s._key AND ${t}._valid_to IS NULL`);
        await s.writer.run(`INSERT INTO ${t} (_key, _version, _position, _valid_from, _valid_to${columns.length ? ', ' : ''}${columns.join(', ')})
          SELECT _key, _version, _position, _at::TIMESTAMPTZ, _next${[...typed, ...masked].length ? ', ' : ''}${[...typed, ...masked].join(', ')}
          FROM (SELECT *, lead(_at::TIMESTAMPTZ) OVER (PARTITION BY _key ORDER BY _position) AS _next${extracted.map((e) => `, ${e}`).join('')} FROM meta.stage) WHERE NOT _deleted`);
        await s.writer.run(
          `INSERT INTO meta.positions VALUES ($1, $2, now()) ON CONFLICT (dataset) DO UPDATE SET position = excluded.position, ingested_at = excluded.ingested_at`,
          [d.code, last],
        );
        await s.writer.run('DELETE FROM meta.stage');
        await s.writer.run('COMMIT');
      } catch (err) {
        await s.writer.run('ROLLBACK').catch(() => undefined);
        await s.writer.run('DELETE FROM meta.stage').catch(() => undefined);
        throw err;
      }
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
      await s.writer.run('BEGIN TRANSACTION');
      try {
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
        await s.writer.run('COMMIT');
      } catch (err) {
        await s.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
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
        const existing = new Set(
          (await s.writer.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'base'"))
            .getRowObjectsJS()
            .map((r) => String(r.table_name)),
        );
        for (const d of all.items) {
          if (!entersWarehouse(d)) {
            // R-7.3, R-4.6: data that is (now) secret, or no longer hosted, leaves the warehouse at once.
            if (existing.has(d.code)) {
              await s.writer.run(`DROP TABLE base.${ident(d.code)}; DELETE FROM meta.positions WHERE dataset = ${literal(d.code)}`);
              result.dropped.push(d.code);
            }
            continue;
          }
          result.changes += await ingestDataset(s, d);
          result.datasets += 1;
        }
        result.dimensions = await dimensions(s);
        return result;
      });
    },
  };
}
