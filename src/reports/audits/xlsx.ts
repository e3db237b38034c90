import type { Audit } from './service.ts';
import { auditTables } from './tables.ts';

/** Column widths by heading: evidence and problems are long, positions and counts short. */
const WIDTH: Record<string, number> = { Item: 48, Value: 28, Evidence: 70, Problems: 60, 'Fields served': 40, Agreements: 40, 'Receipt id': 38 };

/** The audit report as a workbook: a sheet per table of tables.ts, headings "Vietnamese / English". */
export async function auditWorkbook(a: Audit): Promise<Buffer> {
  // Loaded on first use: a third of a second of every start otherwise, for a rare download.
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Liên Thông';
  wb.created = new Date(a.opened_at);
  for (const t of auditTables(a)) {
    const ws = wb.addWorksheet(t.sheet);
    ws.columns = t.columns.map((c) => ({ header: `${c.vi} / ${c.en}`, width: WIDTH[c.en] ?? 18 }));
    ws.getRow(1).font = { bold: true };
    for (const r of t.rows) ws.addRow(r);
    ws.columns.forEach((c) => (c.alignment = { wrapText: true, vertical: 'top' }));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
