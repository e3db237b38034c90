import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';
import { settleLogs } from './helpers.ts';

interface Logged {
  entry: {
    requested_at: string;
    form: string;
    dataset: string | null;
    trace_id: string;
    requester: { agency: string | null; system: string | null };
    request: { purpose: string | null; query: Record<string, string> };
    response: { status: number; bytes?: number; content_sha256: string | null };
  };
}

interface Submission {
  id: string;
  version: number;
  late: boolean;
  reason: string | null;
  submitted_at: string;
  pdf_sha256: string;
  xlsx_sha256: string;
  log_entry_id: string;
  basis: { log: string; position: number };
}

interface OverviewRow {
  custodian_code: string;
  status: string;
  versions: number;
  reminded_at: string | null;
  flagged_late_at: string | null;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Every entry of a log, read through the ledger's own search API (not the reports module). */
async function allEntries(w: World, log: string): Promise<Logged[]> {
  const out: Logged[] = [];
  let after: number | null = -1;
  while (after !== null) {
    const res = await w.call('GET', `/api/v1/ledger/${log}/entries?limit=200${after >= 0 ? `&after=${after}` : ''}`, await w.env.adminAuth());
    const page = res.json() as { items: Logged[]; next_after: number | null };
    out.push(...page.items);
    after = page.next_after;
  }
  return out;
}

/** A sheet's data rows (after the title, basis and header rows) as arrays of plain values. */
function sheetRows(wb: ExcelJS.Workbook, name: string): unknown[][] {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}`);
  const rows: unknown[][] = [];
  ws.eachRow((row, n) => {
    if (n > 3) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

async function pdfText(body: Buffer): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(body));
  const { text } = await extractText(pdf, { mergePages: true });
  return text.normalize('NFC');
}

for (const driver of DRIVERS) {
  describe(`[${driver}] reports: the yearly report of sharing results, submitted to the Central Party Office (R-18.1)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());
    const as = (username: string) => w.env.login(username, `mat-khau-${username}-2025`);
    const base = '/api/v1/reports/yearly/2026';
    /** Moves the test clock forward to an instant (the clock only moves forward). */
    const moveTo = (iso: string) => {
      const ms = new Date(iso).getTime() - w.env.clock.now().getTime();
      expect(ms).toBeGreaterThanOrEqual(0);
      w.env.clock.advance(ms);
    };

    /** Exchanges through the real gateway: writes by the custodian, reads served and refused. */
    async function exchanges(): Promise<void> {
      const custodian = w.client('BTCTW-CSDL');
      const qlcb = w.client('VPCP-QLCB', { purpose: 'to-chuc-can-bo' });
      for (let i = 1; i <= 6; i++) await custodian.putRecord('can-bo-dang-vien', `dv-${i}`, member(i));
      const calls: Promise<unknown>[] = [];
      for (let i = 1; i <= 6; i++) calls.push(qlcb.getRecord('can-bo-dang-vien', `dv-${i}`));
      calls.push(qlcb.getRecord('can-bo-dang-vien', 'khong-co')); // 404
      calls.push(qlcb.getRecord('can-bo-dang-vien', 'dv-1', { purpose: 'bao-cao-thong-ke' })); // 403 R-5.2
      await Promise.all(calls.map((c) => c.catch(() => undefined)));
    }

    it('R-18.1: the XLSX holds the figures equal to a recount of the log, each stating its checkpoint; the PDF is a Party document with correct Vietnamese', async () => {
      await exchanges();
      await settleLogs(w);
      const entries = await allEntries(w, 'BTCTW');
      expect(entries.length).toBeGreaterThan(10);
      const refused = entries.filter((e) => e.entry.response.status >= 400).length;
      const bytes = entries.reduce((a, e) => a + (e.entry.response.bytes ?? 0), 0);
      const byDataset = new Map<string, number>();
      for (const e of entries) byDataset.set(e.entry.dataset ?? '', (byDataset.get(e.entry.dataset ?? '') ?? 0) + 1);

      const custodian = await as('cq.btctw');
      const preview = await w.call('GET', `${base}/custodians/BTCTW`, custodian);
      expect(preview.statusCode, preview.body).toBe(200);
      const p = preview.json() as { content: { totals: { exchanges: number; refused: number; bytes: number }; basis: { position: number } }; deadline: string };
      expect(p.content.totals).toEqual({ exchanges: entries.length, refused, bytes });
      expect(p.content.basis.position).toBe(entries.length);
      expect(p.deadline).toBe('2026-12-25');

      const xlsx = await w.call('GET', `${base}/custodians/BTCTW/draft/xlsx`, custodian);
      expect(xlsx.statusCode, xlsx.body).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const totals = sheetRows(wb, 'Tong hop');
      expect(totals[0]).toEqual(['Tổng số lượt trao đổi / Exchanges', entries.length]);
      expect(totals[1]).toEqual(['Số lượt từ chối / Refused', refused]);
      expect(totals[2]).toEqual(['Dung lượng đã cung cấp (byte) / Bytes delivered', bytes]);
      // Every figure states its basis: the signed checkpoint its log is counted up to.
      expect(String(wb.getWorksheet('Tong hop')!.getCell('A2').value)).toContain(`điểm chốt có chữ ký cỡ ${entries.length}`);
      const datasets = new Map(sheetRows(wb, 'Theo bo du lieu').map((r) => [String(r[0]), r[1]]));
      expect(datasets.get('can-bo-dang-vien')).toBe(byDataset.get('can-bo-dang-vien'));
      const months = sheetRows(wb, 'Theo thang');
      expect(months).toHaveLength(12);
      expect(months[2]![1]).toBe(entries.length); // all in March 2026
      expect(wb.getWorksheet('Theo thang')!.getColumn(2).numFmt).toBe('#,##0');
      expect(wb.getWorksheet('Bo du lieu')!.getColumn(9).numFmt).toBe('dd/mm/yyyy');

      const pdf = await w.call('GET', `${base}/custodians/BTCTW/draft/pdf`, custodian);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const text = await pdfText(pdf.rawPayload);
      for (const heading of ['ĐẢNG CỘNG SẢN VIỆT NAM', 'BÁO CÁO', 'Hà Nội, ngày 02 tháng 3 năm 2026', 'Kết quả kết nối, chia sẻ dữ liệu năm 2026', 'Nơi nhận:', 'T/M ']) {
        expect(text, heading).toContain(heading.normalize('NFC'));
      }
      expect(text).toMatch(/Số\s+-BC\/BTCTW/);
      expect(text).toContain(`điểm chốt có chữ ký cỡ ${entries.length}`);

      // Another custodian sees nothing of it; a bad year is a problem, not a failure.
      expect((await w.call('GET', `${base}/custodians/BTCTW`, await as('cq.bnctw'))).statusCode).toBe(404);
      const bad = await w.call('GET', '/api/v1/reports/yearly/2031/custodians/BTCTW', custodian);
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
    });

    it('R-18.1: a submission is immutable — a second one is version 2 with a reason, version 1 unchanged; the act is in the sharing log', async () => {
      const custodian = await as('cq.btctw');
      const first = await w.call('POST', `${base}/custodians/BTCTW/submissions`, custodian, { signer_title: 'Chánh Văn phòng' });
      expect(first.statusCode, first.body).toBe(201);
      const v1 = first.json() as Submission;
      expect(v1).toMatchObject({ version: 1, late: false, reason: null, basis: { log: 'BTCTW' } });
      const file1 = await w.call('GET', `/api/v1/reports/yearly/submissions/${v1.id}/pdf`, custodian);
      expect(sha256(file1.rawPayload)).toBe(v1.pdf_sha256);
      const text = await pdfText(file1.rawPayload);
      expect(text).toMatch(/Số 1-BC\/BTCTW/);
      expect(text).toContain('CHÁNH VĂN PHÒNG');
      const xlsx1 = await w.call('GET', `/api/v1/reports/yearly/submissions/${v1.id}/xlsx`, custodian);
      expect(sha256(xlsx1.rawPayload)).toBe(v1.xlsx_sha256);

      // Only the custodian's administrators submit its report.
      const consumer = await w.call('POST', `${base}/custodians/BTCTW/submissions`, await as('kt.vpcp'), { signer_title: 'x' });
      expect(consumer.statusCode).toBe(404);
      const auditor = await w.call('POST', `${base}/custodians/BTCTW/submissions`, await w.env.adminAuth(), { signer_title: 'x' });
      expect(auditor.statusCode).toBe(403);

      // A correction without a reason is refused; with one it is version 2.
      const noReason = await w.call('POST', `${base}/custodians/BTCTW/submissions`, custodian, { signer_title: 'Chánh Văn phòng' });
      expect(noReason.statusCode).toBe(422);
      expect(noReason.json()).toMatchObject({ rule: 'R-18.1' });
      w.env.clock.advance(3600_000);
      const second = await w.call('POST', `${base}/custodians/BTCTW/submissions`, custodian, {
        signer_title: 'Chánh Văn phòng',
        reason: 'Đính chính số liệu tháng 3.',
      });
      expect(second.statusCode, second.body).toBe(201);
      const v2 = second.json() as Submission;
      expect(v2).toMatchObject({ version: 2, reason: 'Đính chính số liệu tháng 3.' });

      const list = (await w.call('GET', `${base}/custodians/BTCTW/submissions`, custodian)).json() as Submission[];
      expect(list.map((s) => s.version)).toEqual([1, 2]);
      expect(list[0]).toEqual(v1);
      const again = await w.call('GET', `/api/v1/reports/yearly/submissions/${v1.id}/pdf`, custodian);
      expect(sha256(again.rawPayload)).toBe(v1.pdf_sha256);

      // The database refuses to change a submitted version.
      await expect(w.env.platform.db.query("UPDATE report_yearly_submissions SET reason = 'x' WHERE id = $1", [v1.id])).rejects.toThrow();
      await expect(w.env.platform.db.query('DELETE FROM report_yearly_submissions WHERE id = $1', [v1.id])).rejects.toThrow();

      // The act is an entry of the custodian's sharing log, with both digests.
      await settleLogs(w);
      const acts = (await allEntries(w, 'BTCTW')).filter((e) => e.entry.request.purpose === 'R-18.1');
      expect(acts.map((e) => e.entry.trace_id)).toEqual([v1.id, v2.id]);
      expect(acts[0]!.entry.request.query).toMatchObject({ version: '1', pdf_sha256: v1.pdf_sha256, xlsx_sha256: v1.xlsx_sha256 });
      expect(acts[0]!.entry).toMatchObject({ form: 'export', requester: { agency: 'VPTW' }, response: { content_sha256: v1.pdf_sha256 } });
    });

    it('R-18.1: reminders on the K-th working day before 25/12, late flags after it, across the year boundary; the Office sees who has submitted', async () => {
      const yearly = w.env.platform.reports.yearly;
      // 25/12/2026 is a Friday: five working days before it is Friday 18/12. 25/12/2027 is a Saturday: Monday 20/12.
      expect(await yearly.reminderDay(2026)).toBe('2026-12-18');
      expect(await yearly.reminderDay(2027)).toBe('2027-12-20');
      const inbox = async (username: string, kind: string) =>
        ((await w.call('GET', `/api/v1/inbox?kind=${kind}`, await as(username))).json() as { items: { payload: { year: number } }[] }).items;

      moveTo('2026-12-17T16:00:00Z'); // 23:00 on Thursday 17/12 in Viet Nam
      expect((await yearly.remind()).reminded).toBe(0);
      moveTo('2026-12-17T17:30:00Z'); // 00:30 on Friday 18/12
      expect((await yearly.remind()).reminded).toBeGreaterThan(0);
      expect(await inbox('cq.bnctw', 'yearly-report-reminder')).toHaveLength(1);
      expect(await inbox('cq.btctw', 'yearly-report-reminder')).toHaveLength(0); // submitted already
      expect((await yearly.remind()).reminded).toBe(0); // once

      const read = async () => {
        const res = await w.call('GET', `${base}/overview`, await w.env.adminAuth());
        expect(res.statusCode, res.body).toBe(200);
        return res.json() as { custodians: OverviewRow[] };
      };
      let overview = await read();
      const row = (code: string) => overview.custodians.find((c) => c.custodian_code === code)!;
      expect(row('BTCTW')).toMatchObject({ status: 'submitted', versions: 2, reminded_at: null });
      expect(row('BNCTW')).toMatchObject({ status: 'pending', versions: 0 });
      expect(row('BNCTW').reminded_at).not.toBeNull();
      expect((await w.call('GET', `${base}/overview`, await as('cq.btctw'))).statusCode).toBe(403);

      // The job did not run over the new year: on 4/1/2027 it flags the 2026 report late, and sends no 2027 reminder.
      moveTo('2027-01-04T02:00:00Z');
      expect(await yearly.remind()).toEqual({ reminded: 0, flagged: expect.any(Number) });
      const late = await inbox('cq.bnctw', 'yearly-report-late');
      expect(late.map((n) => n.payload.year)).toEqual([2026]);
      overview = await read();
      expect(row('BNCTW').status).toBe('overdue');
      expect(row('BNCTW').flagged_late_at).not.toBeNull();

      // A late submission is marked late.
      const s = await w.call('POST', `${base}/custodians/BNCTW/submissions`, await as('cq.bnctw'), { signer_title: 'Chánh Văn phòng' });
      expect(s.statusCode, s.body).toBe(201);
      expect(s.json()).toMatchObject({ version: 1, late: true });
      overview = await read();
      expect(row('BNCTW').status).toBe('submitted_late');
      expect(row('BTCTW').status).toBe('submitted');

      // The aggregate for the Secretariat: the latest version of each submitted report.
      const office = await w.env.adminAuth();
      const v2 = ((await w.call('GET', `${base}/custodians/BTCTW/submissions`, office)).json() as Submission[])[1]!;
      const agg = await w.call('GET', `${base}/aggregated/xlsx`, office);
      expect(agg.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(agg.rawPayload as unknown as ArrayBuffer);
      const lines = sheetRows(wb, 'Tong hop');
      const btctw = lines.find((r) => r[0] === 'BTCTW')!;
      expect(btctw[9]).toBe(v2.basis.position);
      expect(lines.map((r) => r[0])).toEqual(['BNCTW', 'BTCTW', 'Cộng / Total']);
      const pdf = await pdfText((await w.call('GET', `${base}/aggregated/pdf`, office)).rawPayload);
      expect(pdf).toContain('VĂN PHÒNG TRUNG ƯƠNG ĐẢNG');
      expect(pdf).toContain('Tổng hợp kết quả kết nối, chia sẻ dữ liệu năm 2026');
      expect(pdf).toContain('Hà Nội, ngày 04 tháng 01 năm 2027');
      expect((await w.call('GET', `${base}/aggregated/pdf`, await as('cq.btctw'))).statusCode).toBe(403);
    });
  });
}
