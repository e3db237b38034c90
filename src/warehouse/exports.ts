import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Column } from './query.ts';
import { ident, literal } from './store.ts';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  parquet: 'application/vnd.apache.parquet',
};

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The bytes of an answer as a file. The rows are the answer already checked, masked and
 * suppressed: a file is never made from anything else. Parquet is written by a DuckDB instance of
 * its own (in memory, with file access, never running an analyst's SQL): the warehouse's own
 * instance has external access switched off.
 */
export async function exportBytes(format: ExportFormat, columns: Column[], rows: unknown[][]): Promise<Buffer> {
  if (format === 'csv') {
    // A BOM so that spreadsheet programs read Vietnamese as UTF-8.
    return Buffer.concat([
      Buffer.from('\ufeff'),
      Buffer.from(stringify([columns.map((c) => c.name), ...rows.map((r) => r.map(cell))], { record_delimiter: '\r\n' })),
    ]);
  }
  if (format === 'xlsx') {
    // exceljs loaded on first use, as the code lists do: a third of a second of every start otherwise.
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Kết quả');
    ws.addRow(columns.map((c) => c.name));
    for (const r of rows) ws.addRow(r.map((v) => (v === null || typeof v === 'number' || typeof v === 'boolean' ? v : cell(v))));
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  return parquetOf(columns, rows);
}

/** Rows → Parquet with the answer's column types, through a private in-memory DuckDB. */
async function parquetOf(columns: Column[], rows: unknown[][]): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-wh-'));
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const input = path.join(dir, 'rows.ndjson');
    fs.writeFileSync(input, rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, r[i] ?? null])))).join('\n'));
    const types = `{${columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ')}}`;
    const output = path.join(dir, 'answer.parquet');
    const select = columns.map((c) => ident(c.name)).join(', ') || '*';
    await conn.run(
      `COPY (SELECT ${select} FROM read_json(${literal(input)}, format = 'newline_delimited', columns = ${types})) TO ${literal(output)} (FORMAT parquet)`,
    );
    return fs.readFileSync(output);
  } finally {
    conn.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const digestOf = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
