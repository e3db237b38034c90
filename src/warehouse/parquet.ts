import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Store, ident, literal } from './store.ts';

/** The date column each dataset's directory is partitioned by: the UTC day a version became valid. */
const PARTITION_COLUMN = 'valid_from_date';
const MANIFEST_FORMAT = 'lienthong-warehouse-parquet/1';

interface ManifestFile {
  /** Relative to the export's root, `/`-separated: `<dataset>/valid_from_date=YYYY-MM-DD/data_N.parquet`. */
  path: string;
  dataset: string;
  valid_from_date: string;
  rows: number;
  bytes: number;
  sha256: string;
}

interface ManifestDataset {
  code: string;
  custodian: string;
  classification: string;
  /** The change-feed position the table had reached when it was read, and when that position was ingested. */
  position: number;
  ingested_at: string | null;
  rows: number;
  bytes: number;
  /** The columns inside the files; `valid_from_date` is the partition directory, not a column of the files. */
  columns: { name: string; type: string }[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  export_id: string;
  taken_at: string;
  partitioning: { style: 'hive'; by: ['dataset', typeof PARTITION_COLUMN]; column_type: 'DATE'; timezone: 'UTC' };
  datasets: ManifestDataset[];
  files: ManifestFile[];
}

/** What of a base table goes out, decided by the caller (the catalog's custodian and classification). */
export interface TableToExport {
  code: string;
  custodian: string;
  classification: string;
}

const sha256OfFile = async (file: string): Promise<string> => {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
};

/**
 * The warehouse's base tables as Parquet, partitioned by dataset and date (hive style:
 * `<dataset>/valid_from_date=YYYY-MM-DD/data_N.parquet`), for a distributed engine (Trino, Spark,
 * ClickHouse) to read as it is (docs/warehouse.md, "Past one machine").
 *
 * The warehouse's own instance cannot write a file (external access is off and locked): its rows
 * are streamed chunk by chunk into a private DuckDB instance (a file in a temporary directory, so
 * a large table spills to disk), which alone writes, with `COPY … (FORMAT parquet, PARTITION_BY …)`.
 * That instance runs only statements built here, never an analyst's SQL. The tables are read
 * under the store's `exclusive` lock, so no ingestion pass lands between two of them and each
 * table's rows match the feed position written beside it in the manifest.
 */
export async function writePartitionedParquet(
  s: Store,
  candidates: TableToExport[],
  out: string,
  exportId: string,
  takenAt: Date,
): Promise<{ manifest: Manifest; manifestBytes: Buffer }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-wh-parquet-'));
  const instance = await DuckDBInstance.create(path.join(work, 'stage.duckdb'), {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: '2',
  });
  const conn = await instance.connect();
  try {
    // The partition's day is a UTC day whatever the machine's zone.
    await conn.run("SET TimeZone = 'UTC'");
    const { positions, tables } = await s.exclusive(async () => {
      const got = new Map<string, { position: number; ingested_at: string | null }>();
      const r = await s.writer.runAndReadAll('SELECT dataset, position, epoch_ms(ingested_at) AS ingested_ms FROM meta.positions');
      for (const row of r.getRowObjectsJS())
        got.set(String(row.dataset), {
          position: Number(row.position),
          ingested_at: row.ingested_ms === null ? null : new Date(Number(row.ingested_ms)).toISOString(),
        });
      const present = new Set(
        (await s.writer.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'base'")).getRows().map((r) => String(r[0])),
      );
      // A table dropped since the caller listed it (a dataset reclassified secret, R-4.6) is not exported.
      const kept = candidates.filter((t) => present.has(t.code));
      for (const t of kept) {
        const result = await s.writer.stream(`SELECT * FROM base.${ident(t.code)} ORDER BY _position`);
        const names = result.columnNames();
        const types = result.columnTypes();
        await conn.run(`CREATE TABLE ${ident(t.code)} (${names.map((n, i) => `${ident(n)} ${types[i]!.toString()}`).join(', ')})`);
        const app = await conn.createAppender(t.code);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) app.appendDataChunk(chunk);
        app.flushSync();
        app.closeSync();
      }
      return { positions: got, tables: kept };
    });

    fs.mkdirSync(out, { recursive: true, mode: 0o700 });
    const datasets: ManifestDataset[] = [];
    const files: ManifestFile[] = [];
    for (const t of tables) {
      const dir = path.join(out, t.code);
      fs.mkdirSync(dir, { mode: 0o700 });
      const columns = (await conn.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $1 ORDER BY column_index`, [t.code]))
        .getRows()
        .map(([name, type]) => ({ name: String(name), type: String(type) }));
      await conn.run(
        `COPY (SELECT *, CAST(_valid_from AS DATE) AS ${PARTITION_COLUMN} FROM ${ident(t.code)}) TO ${literal(dir)} (FORMAT parquet, PARTITION_BY (${PARTITION_COLUMN}), OVERWRITE_OR_IGNORE false)`,
      );
      const written = fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
        .map((e) => path.join(e.parentPath, e.name));
      // A table whose every record was deleted writes no file: it is listed with its schema and no rows.
      const meta = written.length
        ? (await conn.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata([${written.map(literal).join(', ')}]) ORDER BY file_name`)).getRows()
        : [];
      let rows = 0;
      let bytes = 0;
      for (const [fileName, numRows] of meta) {
        const abs = String(fileName);
        const rel = path.relative(out, abs).split(path.sep).join('/');
        const day = new RegExp(`/${PARTITION_COLUMN}=(\\d{4}-\\d{2}-\\d{2})/`).exec(`/${rel}`)?.[1] ?? '';
        const f: ManifestFile = {
          path: rel,
          dataset: t.code,
          valid_from_date: day,
          rows: Number(numRows),
          bytes: fs.statSync(abs).size,
          sha256: await sha256OfFile(abs),
        };
        files.push(f);
        rows += f.rows;
        bytes += f.bytes;
      }
      const p = positions.get(t.code);
      datasets.push({ ...t, position: p?.position ?? 0, ingested_at: p?.ingested_at ?? null, rows, bytes, columns });
      await conn.run(`DROP TABLE ${ident(t.code)}`);
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      export_id: exportId,
      taken_at: takenAt.toISOString(),
      partitioning: { style: 'hive', by: ['dataset', PARTITION_COLUMN], column_type: 'DATE', timezone: 'UTC' },
      datasets,
      files,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(out, 'manifest.json'), manifestBytes, { mode: 0o600 });
    return { manifest, manifestBytes };
  } finally {
    conn.closeSync();
    instance.closeSync();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
