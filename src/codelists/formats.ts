import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Problem, PROBLEMS, type FieldViolation } from '../core/errors.ts';
import { nfc } from '../core/text.ts';
import type { AttributeValue, CodeItem, ImportFormat } from './types.ts';

/**
 * One tabular shape for CSV and XLSX: columns `code, name_vi, name_en,
 * parent_code`, then one `attr.<name>` column per attribute. JSON is an array
 * of items (or `{items: [...]}`). Row numbers in errors are spreadsheet rows
 * (the header is row 1) so an official can find the cell.
 */
const BASE_COLUMNS = ['code', 'name_vi', 'name_en', 'parent_code'] as const;
const ATTR = 'attr.';
const MAX_ITEMS = 100_000;

export const MEDIA_TYPES: Record<ImportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function formatOfMediaType(contentType: string | undefined): ImportFormat | null {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'text/csv') return 'csv';
  if (t === 'application/json') return 'json';
  if (t === MEDIA_TYPES.xlsx) return 'xlsx';
  return null;
}

function invalidRows(errors: FieldViolation[]): Problem {
  return new Problem(PROBLEMS.validation, {
    detail: `Tệp có ${errors.length} lỗi; không có gì được lưu.`,
    detail_en: `The file has ${errors.length} error(s); nothing was stored.`,
    errors: errors.slice(0, 200),
  });
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'text' in (v as object)) return String((v as { text: unknown }).text); // rich text cell
  if (typeof v === 'object' && 'result' in (v as object)) return String((v as { result: unknown }).result); // formula cell
  return String(v).trim();
}

/** Turns table rows (header → value) into items, collecting every problem with its row number. */
function itemsFromRows(rows: Record<string, unknown>[], firstRow: number, pathOf: (row: number, col: string) => string): CodeItem[] {
  const errors: FieldViolation[] = [];
  const seen = new Map<string, number>();
  const items = rows.map((r, i) => {
    const row = firstRow + i;
    const code = cell(r.code);
    const name_vi = nfc(cell(r.name_vi));
    if (!code) errors.push({ path: pathOf(row, 'code'), message: 'Thiếu mã.', message_en: 'Missing code.' });
    else if (code.length > 64 || /\s/.test(code))
      errors.push({
        path: pathOf(row, 'code'),
        message: 'Mã không được có khoảng trắng và dài tối đa 64 ký tự.',
        message_en: 'A code has no spaces and at most 64 characters.',
      });
    else if (seen.has(code))
      errors.push({
        path: pathOf(row, 'code'),
        message: `Mã "${code}" trùng với dòng ${seen.get(code)}.`,
        message_en: `Code "${code}" repeats row ${seen.get(code)}.`,
      });
    if (code) seen.set(code, row);
    if (!name_vi) errors.push({ path: pathOf(row, 'name_vi'), message: 'Thiếu tên tiếng Việt.', message_en: 'Missing Vietnamese name.' });
    const attributes: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k.startsWith(ATTR) && cell(v) !== '') attributes[k.slice(ATTR.length)] = typeof v === 'number' || typeof v === 'boolean' ? v : nfc(cell(v));
    }
    return { code, name_vi, name_en: cell(r.name_en) || null, parent_code: cell(r.parent_code) || null, attributes };
  });
  if (items.length > MAX_ITEMS) errors.push({ path: '/', message: `Tối đa ${MAX_ITEMS} mục.`, message_en: `At most ${MAX_ITEMS} items.` });
  if (items.length === 0) errors.push({ path: '/', message: 'Tệp không có mục nào.', message_en: 'The file has no items.' });
  if (errors.length) throw invalidRows(errors);
  return items;
}

function parseCsv(text: string): CodeItem[] {
  let rows: Record<string, unknown>[];
  try {
    rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim()), bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new Problem(PROBLEMS.validation, { detail: 'Tệp CSV không đọc được.', detail_en: `Unreadable CSV: ${(err as Error).message}` });
  }
  requireColumns(rows[0] ? Object.keys(rows[0]) : []);
  return itemsFromRows(rows, 2, (row, col) => `/rows/${row}/${col}`);
}

function requireColumns(header: string[]): void {
  const missing = ['code', 'name_vi'].filter((c) => !header.includes(c));
  if (header.length && missing.length) {
    throw invalidRows(missing.map((c) => ({ path: `/header/${c}`, message: `Thiếu cột "${c}".`, message_en: `Missing column "${c}".` })));
  }
}

function parseJson(body: unknown): CodeItem[] {
  const list = Array.isArray(body) ? body : (body as { items?: unknown })?.items;
  if (!Array.isArray(list)) {
    throw new Problem(PROBLEMS.validation, {
      detail: 'Cần một mảng các mục hoặc {"items": [...]}.',
      detail_en: 'Expected an array of items or {"items": [...]}.',
    });
  }
  const rows = list.map((it) => {
    const o = (it ?? {}) as Record<string, unknown>;
    const attrs = (o.attributes ?? {}) as Record<string, unknown>;
    return {
      code: o.code,
      name_vi: o.name_vi,
      name_en: o.name_en,
      parent_code: o.parent_code,
      ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [ATTR + k, v])),
    };
  });
  return itemsFromRows(rows, 0, (row, col) => `/items/${row}/${col}`);
}

/** exceljs loaded on first use: it is a third of a second of every start otherwise, for a rare import or export. */
const excel = async () => (await import('exceljs')).default;

async function parseXlsx(bytes: Buffer): Promise<CodeItem[]> {
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new Problem(PROBLEMS.validation, { detail: 'Tệp XLSX không đọc được.', detail_en: 'Unreadable XLSX file.' });
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw new Problem(PROBLEMS.validation, { detail: 'Tệp XLSX không có trang tính.', detail_en: 'The XLSX file has no worksheet.' });
  const header = (sheet.getRow(1).values as unknown[]).slice(1).map(cell);
  requireColumns(header);
  const rows: Record<string, unknown>[] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const values = (sheet.getRow(r).values as unknown[]).slice(1);
    if (values.every((v) => cell(v) === '')) continue;
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]])));
  }
  return itemsFromRows(rows, 2, (row, col) => `/rows/${row}/${col}`);
}

export async function parseItems(format: ImportFormat, body: unknown): Promise<CodeItem[]> {
  if (format === 'csv') return parseCsv(Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
  if (format === 'xlsx') return parseXlsx(Buffer.isBuffer(body) ? body : Buffer.from(String(body)));
  // JSON arrives already parsed (by Fastify, or by the CLI): never parse a string twice.
  return parseJson(Buffer.isBuffer(body) ? JSON.parse(body.toString('utf8')) : body);
}

function attributeColumns(items: CodeItem[]): string[] {
  return [...new Set(items.flatMap((i) => Object.keys(i.attributes)))].sort();
}

function toRows(items: CodeItem[]): { header: string[]; rows: unknown[][] } {
  const attrs = attributeColumns(items);
  const header = [...BASE_COLUMNS, ...attrs.map((a) => ATTR + a)];
  const rows = items.map((i) => [i.code, i.name_vi, i.name_en ?? '', i.parent_code ?? '', ...attrs.map((a) => i.attributes[a] ?? '')]);
  return { header, rows };
}

export async function serializeItems(format: ImportFormat, items: CodeItem[], sheetName = 'Danh mục'): Promise<Buffer> {
  if (format === 'json') return Buffer.from(JSON.stringify({ items }, null, 1));
  const { header, rows } = toRows(items);
  // A BOM so that Excel opens UTF-8 Vietnamese text correctly.
  if (format === 'csv') return Buffer.from('\uFEFF' + stringify([header, ...rows]));
  const wb = new (await excel()).Workbook();
  // Excel sheet names: at most 31 characters, none of \ / ? * [ ] :
  const sheet = wb.addWorksheet(
    sheetName
      .replace(/[\\/?*[\]:]/g, ' ')
      .slice(0, 31)
      .trim() || 'Sheet1',
  );
  sheet.addRow(header).font = { bold: true };
  for (const r of rows) sheet.addRow(r);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  // Codes stay text ("01", "00004"), never numbers that lose their leading zeros.
  sheet.getColumn(1).numFmt = '@';
  sheet.getColumn(4).numFmt = '@';
  return Buffer.from(await wb.xlsx.writeBuffer());
}
