import { createRequire } from 'node:module';
import path from 'node:path';
import type { Content, TableCell } from 'pdfmake';
import { type Cell, type Table, dmy } from './tables.ts';

/**
 * A report laid out as a Party document (Hướng dẫn 36-HD/VPTW): the issuing body and its number
 * top left, "ĐẢNG CỘNG SẢN VIỆT NAM" and the place-and-date line top right, the title "BÁO CÁO"
 * and its subject, the body, "Nơi nhận:" and the signature block. Rendered to PDF (pdfmake) and
 * XLSX (exceljs) from the same tables.
 */

export interface PartyDocument {
  /** The body above the issuer, if any (first line of the heading, not bold). */
  parent: string | null;
  issuer: string;
  issuer_code: string;
  /** The document's number; null in a preview (the line keeps its blank). */
  number: string | null;
  /** Viet Nam date of the document (YYYY-MM-DD). */
  date: string;
  place: string;
  subject: string;
  intro: string[];
  /** A line under each table's title: what its figures are counted from. */
  tables: Table[];
  closing: string[];
  recipients: string[];
  signature: { on_behalf: string; title: string; name: string };
  /** What the XLSX's first sheet states besides the heading (label, value). */
  facts: [string, string][];
}

/**
 * "Hà Nội, ngày 05 tháng 12 năm 2026": Hướng dẫn 36 writes days under 10 and the months 1 and 2
 * with a leading zero, other months without.
 */
function placeAndDate(place: string, iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const day = String(d).padStart(2, '0');
  const month = m < 3 ? String(m).padStart(2, '0') : String(m);
  return `${place}, ngày ${day} tháng ${month} năm ${y}`;
}

const upper = (s: string) => s.normalize('NFC').toLocaleUpperCase('vi-VN');
const numberFormat = new Intl.NumberFormat('vi-VN');

function show(v: Cell, kind: Table['columns'][number]['kind']): string {
  if (v === null || v === '') return '—';
  if (kind === 'int' && typeof v === 'number') return numberFormat.format(v);
  if (kind === 'ratio' && typeof v === 'number') return `${(v * 100).toFixed(2).replace('.', ',')}%`;
  if (kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return dmy(v);
  return String(v);
}

// ——— PDF ———

/** The serif font the PDF embeds, shipped from npm (never a system font): Noto Serif covers Vietnamese in full. */
const require = createRequire(import.meta.url);
const FONT_DIR = path.dirname(require.resolve('@expo-google-fonts/noto-serif/package.json'));
const FONTS = {
  NotoSerif: {
    normal: path.join(FONT_DIR, '400Regular/NotoSerif_400Regular.ttf'),
    bold: path.join(FONT_DIR, '700Bold/NotoSerif_700Bold.ttf'),
    italics: path.join(FONT_DIR, '400Regular_Italic/NotoSerif_400Regular_Italic.ttf'),
    bolditalics: path.join(FONT_DIR, '700Bold_Italic/NotoSerif_700Bold_Italic.ttf'),
  },
};

type PdfMake = typeof import('pdfmake');
type TDocumentDefinitions = Parameters<PdfMake['createPdf']>[0];
let pdfmake: PdfMake | undefined;
/** pdfmake loaded on first use, reading only the font files and nothing from the network. */
function printer(): PdfMake {
  if (!pdfmake) {
    const p = require('pdfmake') as PdfMake;
    p.setFonts(FONTS);
    p.setLocalAccessPolicy((file) => path.resolve(file).startsWith(FONT_DIR));
    p.setUrlAccessPolicy(() => false);
    pdfmake = p;
  }
  return pdfmake;
}

function pdfTable(t: Table, index: number): Content[] {
  const header: TableCell[] = t.columns.map((c) => ({ text: c.vi, bold: true, alignment: 'center', fontSize: 9 }));
  const body: TableCell[][] = t.rows.map((r) =>
    r.map((v, i) => {
      const kind = t.columns[i]!.kind;
      return { text: show(v, kind), alignment: kind === 'int' || kind === 'ratio' ? 'right' : 'left', fontSize: 9 };
    }),
  );
  const empty: TableCell[] = [{ text: 'Không có.', italics: true, colSpan: t.columns.length, fontSize: 9 }, ...t.columns.slice(1).map(() => ({ text: '' }))];
  return [
    { text: `${index + 1}. ${t.title_vi}`, bold: true, margin: [0, 8, 0, 2] },
    ...(t.basis_vi ? [{ text: t.basis_vi, italics: true, fontSize: 9, margin: [0, 0, 0, 3] } as Content] : []),
    {
      table: { headerRows: 1, widths: t.columns.map((c) => (c.kind === 'text' ? '*' : 'auto')), body: [header, ...(body.length ? body : [empty])] },
      layout: 'lightHorizontalLines',
    },
  ];
}

function pdfDefinition(d: PartyDocument): TDocumentDefinitions {
  const left: Content[] = [
    ...(d.parent ? [{ text: upper(d.parent), alignment: 'center', fontSize: 12 } as Content] : []),
    { text: upper(d.issuer), alignment: 'center', bold: true, fontSize: 13 },
    { text: '*', alignment: 'center' },
    { text: `Số ${d.number ?? '       '}-BC/${d.issuer_code}`, alignment: 'center', fontSize: 13 },
  ];
  const right: Content[] = [
    { text: 'ĐẢNG CỘNG SẢN VIỆT NAM', alignment: 'center', bold: true, fontSize: 14, decoration: 'underline' },
    { text: ' ', fontSize: 6 },
    { text: placeAndDate(d.place, d.date), alignment: 'center', italics: true, fontSize: 13 },
  ];
  return {
    info: { title: `BÁO CÁO ${d.subject}`, author: d.issuer, subject: d.subject, creator: 'Liên Thông' },
    pageSize: 'A4',
    // Hướng dẫn 36: margins top 20–25 mm, bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
    pageMargins: [85, 60, 50, 60],
    defaultStyle: { font: 'NotoSerif', fontSize: 12, lineHeight: 1.15 },
    footer: (page: number, pages: number) => ({ text: pages > 1 ? `${page}` : '', alignment: 'center', fontSize: 10 }),
    content: [
      { columns: [{ width: '45%', stack: left }, { width: '55%', stack: right }] },
      { text: 'BÁO CÁO', alignment: 'center', bold: true, fontSize: 15, margin: [0, 24, 0, 2] },
      { text: d.subject, alignment: 'center', bold: true, fontSize: 14 },
      { text: '-----', alignment: 'center', margin: [0, 0, 0, 12] },
      ...d.intro.map((p) => ({ text: p, alignment: 'justify', margin: [0, 0, 0, 6], leadingIndent: 28 }) as Content),
      ...d.tables.flatMap(pdfTable),
      ...d.closing.map((p) => ({ text: p, alignment: 'justify', margin: [0, 10, 0, 0], leadingIndent: 28 }) as Content),
      {
        margin: [0, 20, 0, 0],
        unbreakable: true,
        columns: [
          {
            width: '45%',
            stack: [
              { text: 'Nơi nhận:', italics: true, bold: true, decoration: 'underline', fontSize: 12 },
              ...d.recipients.map((r) => ({ text: r, fontSize: 11 }) as Content),
            ],
          },
          {
            width: '55%',
            stack: [
              { text: `T/M ${upper(d.signature.on_behalf)}`, alignment: 'center', bold: true },
              { text: upper(d.signature.title), alignment: 'center', bold: true },
              { text: ' ', margin: [0, 40, 0, 0] },
              { text: d.signature.name, alignment: 'center', bold: true },
            ],
          },
        ],
      },
    ],
  };
}

export async function renderPdf(d: PartyDocument): Promise<Buffer> {
  const doc = printer().createPdf(pdfDefinition(d));
  return Buffer.from(await doc.getBuffer());
}

// ——— XLSX ———

/** exceljs loaded on first use (a third of a second of every start otherwise). */
const excel = async () => (await import('exceljs')).default;

export async function renderXlsx(d: PartyDocument): Promise<Buffer> {
  const ExcelJS = await excel();
  const wb = new ExcelJS.Workbook();
  wb.creator = d.issuer;
  wb.title = `BÁO CÁO ${d.subject}`;
  // Fixed, so the same report makes the same bytes (its digest is recorded on submission).
  wb.created = wb.modified = new Date(`${d.date}T00:00:00Z`);

  const head = wb.addWorksheet('Thong tin');
  head.columns = [{ width: 42 }, { width: 70 }];
  const lines: [string, string][] = [
    ['ĐẢNG CỘNG SẢN VIỆT NAM', ''],
    [upper(d.issuer), `Số ${d.number ?? '…'}-BC/${d.issuer_code}`],
    ['', placeAndDate(d.place, d.date)],
    ['BÁO CÁO', d.subject],
    ...d.facts,
  ];
  for (const l of lines) head.addRow(l);
  head.getRow(1).font = { bold: true };
  head.getRow(4).font = { bold: true };
  head.getCell('B3').font = { italic: true };

  for (const t of d.tables) {
    const ws = wb.addWorksheet(t.sheet);
    ws.addRow([t.title_vi, t.title_en]).font = { bold: true };
    ws.addRow([t.basis_vi ?? '', t.basis_en ?? '']).font = { italic: true };
    ws.addRow(t.columns.map((c) => `${c.vi} / ${c.en}`)).font = { bold: true };
    t.columns.forEach((c, i) => {
      const col = ws.getColumn(i + 1);
      col.width = c.kind === 'text' ? 36 : 18;
      if (c.kind === 'int') col.numFmt = '#,##0';
      if (c.kind === 'ratio') col.numFmt = '0.00%';
      if (c.kind === 'date') col.numFmt = 'dd/mm/yyyy';
    });
    for (const r of t.rows) {
      ws.addRow(r.map((v, i) => (t.columns[i]!.kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : v)));
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
