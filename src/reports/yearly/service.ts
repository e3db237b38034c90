import crypto from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { PROBLEMS, Problem, conflict, forbidden, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { nfc } from '../../core/text.ts';
import { vietnamDate } from '../../core/time.ts';
import type { Database, Queryable } from '../../db/database.ts';
import type { Calendar } from '../../calendar/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { NotificationService } from '../../notifications/index.ts';
import { COORDINATOR_AGENCY, type Principal, hasRole, seesEverything } from '../../registry/index.ts';
import { type ContentDeps, type YearlyContent, buildContent } from './content.ts';
import { type PartyDocument, renderPdf, renderXlsx } from './document.ts';
import { aggregateTables, reportDocument } from './layout.ts';
import type { Format, OverviewRow, OverviewStatus, SubmitInput, Submission } from './types.ts';

/**
 * The yearly report of sharing results: each custodian's report for a year, generated
 * from its figures and the control plane as XLSX and PDF, submitted to the Central Party Office
 * as a recorded act — a version never changes; a correction is the next version, with its
 * reason — and the Office's view of who has submitted, with the aggregate for the Secretariat.
 */

export interface YearlyDeps extends ContentDeps {
  ledger: Pick<Ledger, 'append' | 'logs'>;
  notifications: Pick<NotificationService, 'notify'>;
  calendar: Pick<Calendar, 'addWorkingDays'>;
  /** Working days before 25/12 the reminder reaches each custodian's inbox. */
  reminderWorkingDays: number;
}

const SUBMISSION_COLUMNS = `id, custodian_code, year, version, document_number, submitted_by, submitted_at, reason, late, signer_name, signer_title,
  basis, xlsx_sha256, pdf_sha256, log_entry_id, log_leaf_hash`;

/** the report reaches the Central Party Office before 25 December of its year; from 26/12 it is late. */
const deadlineOf = (year: number) => `${year}-12-25`;

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

export function createYearlyReports(db: Database, clock: Clock, deps: YearlyDeps) {
  const today = () => vietnamDate(clock.now());

  function checkYear(year: number): void {
    const current = Number(today().slice(0, 4));
    if (!Number.isInteger(year) || year < 2000 || year > current) {
      throw invalid('/year', `Năm báo cáo phải từ 2000 đến ${current}.`, `The report's year must be from 2000 to ${current}.`);
    }
  }

  /** The custodian's officials see its report; the Central Party Office (coordinators, auditors) sees every one. */
  function requireReader(p: Principal, custodian: string): void {
    if (!seesEverything(p) && p.agencyCode !== custodian) throw notFound('báo cáo năm', 'yearly report', custodian);
  }

  function requireOffice(p: Principal): void {
    if (!seesEverything(p)) {
      throw forbidden(
        'Chỉ Văn phòng Trung ương Đảng xem tình hình nộp báo cáo năm và báo cáo tổng hợp.',
        'Only the Central Party Office sees who has submitted and the aggregated report.',
        'R-18.1',
      );
    }
  }

  /** Every custodian: an agency owning a dataset in the catalog or keeping a sharing log. */
  async function custodians(): Promise<string[]> {
    const codes = new Set(await deps.ledger.logs());
    for (let offset = 0; ; offset += 500) {
      const page = await deps.catalog.datasets.list({ limit: 500, offset });
      for (const d of page.items) codes.add(d.custodian_code);
      if (page.items.length < 500) break;
    }
    codes.delete(COORDINATOR_AGENCY);
    return [...codes].sort();
  }

  async function document(p: Principal, custodian: string, year: number, sub?: { number: string; signer_name: string; signer_title: string; date: string }) {
    const content = await buildContent(db, clock, deps, custodian, year);
    const agency = await deps.registry.agencies.get(custodian);
    const parent = agency.parent_code ? (await deps.registry.agencies.get(agency.parent_code)).name_vi : null;
    const doc = reportDocument(content, {
      parent,
      number: sub?.number ?? null,
      date: sub?.date ?? today(),
      signer_name: sub?.signer_name ?? p.fullName,
      signer_title: sub?.signer_title ?? 'Thủ trưởng cơ quan',
    });
    return { content, doc };
  }

  const render = (doc: PartyDocument, format: Format) => (format === 'pdf' ? renderPdf(doc) : renderXlsx(doc));

  async function list(q: Queryable, custodian: string | null, year: number): Promise<Submission[]> {
    const r = await q.query<Submission>(
      `SELECT ${SUBMISSION_COLUMNS} FROM report_yearly_submissions WHERE ($1::text IS NULL OR custodian_code = $1) AND year = $2 ORDER BY custodian_code, version`,
      [custodian, year],
    );
    return r.rows;
  }

  async function aggregateDocument(p: Principal, year: number) {
    const latest = new Map<string, { s: Submission; content: YearlyContent }>();
    const r = await db.query<Submission & { content: YearlyContent }>(
      `SELECT DISTINCT ON (custodian_code) ${SUBMISSION_COLUMNS}, content FROM report_yearly_submissions WHERE year = $1 ORDER BY custodian_code, version DESC`,
      [year],
    );
    for (const x of r.rows) latest.set(x.custodian_code, { s: x, content: x.content });
    const overview = await overviewOf(year);
    const doc: PartyDocument = {
      parent: null,
      issuer: 'Văn phòng Trung ương Đảng',
      issuer_code: COORDINATOR_AGENCY,
      number: null,
      date: today(),
      place: 'Hà Nội',
      subject: `Tổng hợp kết quả kết nối, chia sẻ dữ liệu năm ${year}`,
      intro: [
        `Thực hiện Quy định số 384-QĐ/TW, Văn phòng Trung ương Đảng tổng hợp báo cáo kết quả kết nối, chia sẻ dữ liệu năm ${year} của ${latest.size}/${overview.length} cơ quan chủ quản dữ liệu đã nộp báo cáo, như sau:`,
      ],
      tables: aggregateTables(year, overview, latest),
      closing: ['Văn phòng Trung ương Đảng kính báo cáo Ban Bí thư.'],
      recipients: ['- Ban Bí thư (để báo cáo),', '- Lưu Văn phòng.'],
      signature: { on_behalf: 'Văn phòng Trung ương Đảng', title: 'Chánh Văn phòng', name: p.fullName },
      facts: [
        ['Năm báo cáo / Year', String(year)],
        ['Số cơ quan đã nộp / Custodians submitted', `${latest.size}/${overview.length}`],
      ],
    };
    return doc;
  }

  async function overviewOf(year: number): Promise<OverviewRow[]> {
    const codes = await custodians();
    const subs = await list(db, null, year);
    const notices = await db.query<{ custodian_code: string; kind: string; sent_at: Date }>(
      'SELECT custodian_code, kind, sent_at FROM report_yearly_notices WHERE year = $1',
      [year],
    );
    const past = today() > deadlineOf(year);
    const out: OverviewRow[] = [];
    for (const code of codes) {
      const agency = await deps.registry.agencies.get(code).catch(() => null);
      const mine = subs.filter((s) => s.custodian_code === code);
      const first = mine[0];
      const last = mine.at(-1);
      const status: OverviewStatus = first ? (first.late ? 'submitted_late' : 'submitted') : past ? 'overdue' : 'pending';
      const notice = (kind: string) => notices.rows.find((n) => n.custodian_code === code && n.kind === kind)?.sent_at ?? null;
      out.push({
        custodian_code: code,
        name_vi: agency?.name_vi ?? code,
        name_en: agency?.name_en ?? code,
        status,
        versions: mine.length,
        latest: last ? withoutBasis(last) : null,
        reminded_at: notice('reminder'),
        flagged_late_at: notice('late'),
      });
    }
    return out;
  }

  return {
    custodians,

    /** The report as it would be submitted now: its content (figures with their basis) and the deadline. */
    async preview(p: Principal, custodian: string, year: number) {
      checkYear(year);
      requireReader(p, custodian);
      const content = await buildContent(db, clock, deps, custodian, year);
      const subs = await list(db, custodian, year);
      return { content, deadline: deadlineOf(year), reminder_on: await reminderDay(year), submissions: subs };
    },

    /** The draft file (not submitted): its number left blank. */
    async draft(p: Principal, custodian: string, year: number, format: Format): Promise<Buffer> {
      checkYear(year);
      requireReader(p, custodian);
      return render((await document(p, custodian, year)).doc, format);
    },

    /**
     * the custodian's official submits version N of the year's report to the Central
     * Party Office. Both files are made now from the figures as of the latest counted checkpoint,
     * stored with their SHA-256, and the act is written to the custodian's sharing log in the
     * same transaction. A version is never changed; a correction is the next one, with a reason.
     */
    async submit(p: Principal, custodian: string, year: number, input: SubmitInput): Promise<Submission> {
      checkYear(year);
      requireReader(p, custodian);
      if (p.agencyCode !== custodian || !hasRole(p, 'custodian_admin')) {
        throw forbidden('Chỉ cán bộ quản trị của cơ quan chủ quản nộp báo cáo năm của cơ quan mình.', "Only the custodian's administrators submit its yearly report.", 'R-18.1');
      }
      const reason = input.reason ? nfc(input.reason).trim() : undefined;
      const id = newId();
      const now = clock.now();
      const date = vietnamDate(now);
      // Made before the transaction: rendering takes a while and needs no lock.
      const prior = await list(db, custodian, year);
      const version = (prior.at(-1)?.version ?? 0) + 1;
      if (version > 1 && !reason) {
        throw new Problem(PROBLEMS.unprocessable, {
          detail: `Báo cáo năm ${year} đã nộp (phiên bản ${version - 1}); bản nộp lại là bản đính chính, phải nêu lý do.`,
          detail_en: `The ${year} report was submitted (version ${version - 1}); a new version is a correction and needs a reason.`,
          rule: 'R-18.1',
        });
      }
      const number = nfc(input.document_number ?? String(version)).trim();
      const signer = { number, signer_name: p.fullName, signer_title: nfc(input.signer_title).trim(), date };
      const { content, doc } = await document(p, custodian, year, signer);
      const [xlsx, pdf] = await Promise.all([renderXlsx(doc), renderPdf(doc)]);
      const digests = { xlsx_sha256: sha256(xlsx), pdf_sha256: sha256(pdf) };
      const late = date > deadlineOf(year);
      return db.transaction(async (tx) => {
        const taken = await tx.query('SELECT 1 FROM report_yearly_submissions WHERE custodian_code = $1 AND year = $2 AND version = $3', [custodian, year, version]);
        if (taken.rows.length > 0) throw conflict('Một phiên bản khác vừa được nộp; hãy tải lại và nộp lại.', 'Another version was just submitted; reload and submit again.');
        const at = now.toISOString();
        const receipt = await deps.ledger.append(tx, custodian, {
          requested_at: at,
          responded_at: at,
          form: 'export',
          requester: { agency: COORDINATOR_AGENCY, system: null, account: null },
          request: {
            method: 'POST',
            resource: `/api/v1/reports/yearly/${year}/custodians/${custodian}/submissions`,
            query: { version: String(version), ...digests },
            purpose: 'R-18.1',
            fields: [],
          },
          dataset: null,
          record_keys: [],
          response: { status: 201, content_sha256: digests.pdf_sha256, content_kept: false, bytes: xlsx.length + pdf.length, rule: null },
          agreement_ids: [],
          policy_version: null,
          trace_id: id,
          gateway_instance: 'reports',
        });
        await insertOnce(tx)(
          `INSERT INTO report_yearly_submissions (id, custodian_code, year, version, document_number, submitted_by, submitted_at, reason, late, signer_name, signer_title,
             basis, content, xlsx, pdf, xlsx_sha256, pdf_sha256, log_entry_id, log_leaf_hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
          [
            id,
            custodian,
            year,
            version,
            number,
            p.username,
            now,
            reason ?? null,
            late,
            signer.signer_name,
            signer.signer_title,
            JSON.stringify(content.basis),
            JSON.stringify(content),
            xlsx,
            pdf,
            digests.xlsx_sha256,
            digests.pdf_sha256,
            receipt.id,
            receipt.leaf_hash,
          ],
        );
        await deps.notifications.notify(tx, {
          agency: COORDINATOR_AGENCY,
          kind: 'yearly-report-submitted',
          subject_vi: `${custodian} đã nộp báo cáo kết quả chia sẻ dữ liệu năm ${year} (phiên bản ${version})${late ? ', nộp muộn' : ''}.`,
          subject_en: `${custodian} submitted its ${year} sharing report (version ${version})${late ? ', late' : ''}.`,
          ref_type: 'yearly_report',
          ref_id: id,
          payload: { custodian, year, version, late },
        });
        const r = await tx.query<Submission>(`SELECT ${SUBMISSION_COLUMNS} FROM report_yearly_submissions WHERE id = $1`, [id]);
        return r.rows[0]!;
      });
    },

    async submissions(p: Principal, custodian: string, year: number): Promise<Submission[]> {
      requireReader(p, custodian);
      return list(db, custodian, year);
    },

    /** A submitted file, exactly as submitted (its SHA-256 is the recorded one). */
    async submittedFile(p: Principal, id: string, format: Format): Promise<{ body: Buffer; submission: Submission }> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('bản báo cáo đã nộp', 'submitted report', id);
      const r = await db.query<Submission & { body: Buffer }>(`SELECT ${SUBMISSION_COLUMNS}, ${format} AS body FROM report_yearly_submissions WHERE id = $1`, [id]);
      const row = r.rows[0];
      if (!row) throw notFound('bản báo cáo đã nộp', 'submitted report', id);
      requireReader(p, row.custodian_code);
      const { body, ...submission } = row;
      return { body: Buffer.from(body), submission };
    },

    /** The Central Party Office's view: each custodian submitted, submitted late, pending or overdue. */
    async overview(p: Principal, year: number) {
      checkYear(year);
      requireOffice(p);
      return { year, deadline: deadlineOf(year), reminder_on: await reminderDay(year), custodians: await overviewOf(year) };
    },

    /** The aggregate over the latest version each custodian submitted, for the Secretariat. */
    async aggregated(p: Principal, year: number, format: Format): Promise<Buffer> {
      checkYear(year);
      requireOffice(p);
      return render(await aggregateDocument(p, year), format);
    },

    /**
     * The job: the reminder to each custodian not yet submitted, from K working days before 25/12
     * of the current year until that day, and the late flag from 26/12 — for last year's report
     * too in January, so a job that did not run over the new year still flags it. Each notice
     * once per custodian, year and kind.
     */
    async remind(): Promise<{ reminded: number; flagged: number }> {
      const now = today();
      const year = Number(now.slice(0, 4));
      let reminded = 0;
      let flagged = 0;
      const due = await reminderDay(year);
      if (now >= due && now <= deadlineOf(year)) reminded += await notifyUnsubmitted(year, 'reminder');
      for (const y of [year - 1, year]) if (now > deadlineOf(y) && (y === year || now.slice(5, 7) === '01')) flagged += await notifyUnsubmitted(y, 'late');
      return { reminded, flagged };
    },

    reminderDay,
  };

  /** The K-th working day before 25/12 of `year` (the working-day calendar). */
  async function reminderDay(year: number): Promise<string> {
    return deps.calendar.addWorkingDays(deadlineOf(year), -deps.reminderWorkingDays);
  }

  async function notifyUnsubmitted(year: number, kind: 'reminder' | 'late'): Promise<number> {
    const submitted = new Set((await list(db, null, year)).map((s) => s.custodian_code));
    let n = 0;
    for (const code of await custodians()) {
      if (submitted.has(code)) continue;
      n += await db.transaction(async (tx) => {
        const r = await tx.query(
          'INSERT INTO report_yearly_notices (custodian_code, year, kind, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1',
          [code, year, kind, clock.now()],
        );
        if (r.rows.length === 0) return 0;
        const deadline = `25/12/${year}`;
        await deps.notifications.notify(
          tx,
          kind === 'reminder'
            ? {
                agency: code,
                kind: 'yearly-report-reminder',
                subject_vi: `Nhắc nộp báo cáo kết quả chia sẻ dữ liệu năm ${year} cho Văn phòng Trung ương Đảng trước ngày ${deadline}.`,
                subject_en: `Reminder: submit the ${year} sharing report to the Central Party Office by ${year}-12-25.`,
                ref_type: 'yearly_report',
                ref_id: `${code}/${year}`,
                payload: { year, deadline: deadlineOf(year) },
              }
            : {
                agency: code,
                kind: 'yearly-report-late',
                subject_vi: `Báo cáo kết quả chia sẻ dữ liệu năm ${year} chưa nộp, đã quá hạn ${deadline}.`,
                subject_en: `The ${year} sharing report is not submitted and is past its deadline of ${year}-12-25.`,
                ref_type: 'yearly_report',
                ref_id: `${code}/${year}`,
                payload: { year, deadline: deadlineOf(year) },
              },
        );
        return 1;
      });
    }
    return n;
  }
}

/** The unique version caught as a conflict: two officials submitting at once make one version, the other reloads. */
function insertOnce(tx: Queryable) {
  return async (sql: string, params: unknown[]) => {
    try {
      await tx.query(sql, params);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('Một phiên bản khác vừa được nộp; hãy tải lại và nộp lại.', 'Another version was just submitted; reload and submit again.');
      throw e;
    }
  };
}

function withoutBasis(s: Submission): Omit<Submission, 'basis'> {
  const { basis: _basis, ...rest } = s;
  return rest;
}

export type YearlyReports = ReturnType<typeof createYearlyReports>;
