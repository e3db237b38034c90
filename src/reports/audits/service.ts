import crypto from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { PROBLEMS, Problem, forbidden, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Database } from '../../db/database.ts';
import type { Agreements } from '../../agreements/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import { type Ledger, type LedgerEntry, verifyConsistency } from '../../ledger/index.ts';
import { type Principal, seesEverything } from '../../registry/index.ts';
import type { Sync } from '../../sync/index.ts';
import type { Finding } from '../findings.ts';
import type { LogChecks, LogVerification } from '../log-checks.ts';
import { INSPECTOR } from '../rules.ts';
import { type AgreementAtTime, type SampleProblem, checkExchange } from './check.ts';

/**
 * Data audits (R-18.2 "kiểm soát dữ liệu, kiểm toán dữ liệu"): an auditor of the Central Party
 * Office audits one custodian over a period. The platform verifies the custodian's sharing log
 * (recorded, R-17.1), checks that the log is consistent with a checkpoint the auditor saw before
 * (RFC 9162 consistency proof), re-checks a random sample of the exchanges served in the period
 * against the agreements as they stood then, and summarises quality and open findings. Every
 * number of the result points to its evidence: log positions, receipt ids, API paths.
 */

export interface Evidence {
  label_vi: string;
  label_en: string;
  href: string;
}

export interface SampleResult {
  leaf_index: number;
  receipt_id: string;
  requested_at: string;
  consumer_agency: string | null;
  consumer_system: string | null;
  dataset: string | null;
  fields: string[];
  agreement_ids: string[];
  ok: boolean;
  problems: SampleProblem[];
  evidence: Evidence[];
}

export interface AuditResult {
  verification: LogVerification & { evidence: Evidence[] };
  consistency: {
    checked: boolean;
    ok: boolean | null;
    from_size: number | null;
    to_size: number;
    to_root_hash: string | null;
    detail_vi: string;
    detail_en: string;
    evidence: Evidence[];
  };
  population: { entries: number; served: number; refused: number; first_index: number | null; last_index: number | null; evidence: Evidence[] };
  sample: { size: number; violations: number; items: SampleResult[] };
  quality: {
    dataset: string;
    live_records: number;
    completeness: number | null;
    validity: number | null;
    fresh: boolean | null;
    evidence: Evidence[];
  }[];
  findings: { open: number; by_rule: { rule: string; count: number; ids: string[] }[]; evidence: Evidence[] };
}

export interface Audit {
  id: string;
  custodian_code: string;
  period_from: string;
  period_to: string;
  opened_by: string;
  opened_at: Date;
  sample_size: number;
  seen_checkpoint: { tree_size: number; root_hash: string } | null;
  ok: boolean;
  result: AuditResult;
}

export interface OpenAudit {
  custodian: string;
  from: string;
  to: string;
  sample_size?: number | undefined;
  seen_checkpoint?: { tree_size: number; root_hash: string } | undefined;
}

const COLUMNS = `id, custodian_code, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  opened_by, opened_at, sample_size, seen_checkpoint, ok, result`;
const PAGE = 1000;
const DEFAULT_SAMPLE = 50;

/** The first instant of Viet Nam date `d` (UTC+7), as an ISO string. */
const dayStart = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 7 * 3600_000).toISOString();
const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export interface AuditDeps {
  ledger: Ledger;
  agreements: Agreements;
  catalog: Catalog;
  sync: Sync;
  logChecks: LogChecks;
  openFindings: (owner: string) => Promise<Finding[]>;
}

export function createAudits(db: Database, clock: Clock, deps: AuditDeps) {
  function requireAuditor(p: Principal): void {
    // the inspection is the Central Party Office's: its coordinators and auditors.
    if (!seesEverything(p))
      throw forbidden(
        'Chỉ Văn phòng Trung ương Đảng (điều phối, kiểm tra) được mở cuộc kiểm toán dữ liệu.',
        'Only the Central Party Office (coordinator, auditor) opens a data audit.',
        'R-18.2',
      );
  }

  async function consistency(log: string, seen: OpenAudit['seen_checkpoint']): Promise<AuditResult['consistency']> {
    const cp = await deps.ledger.checkpoint(log).catch(() => null);
    const toSize = cp?.tree_size ?? 0;
    const evidence: Evidence[] = [{ label_vi: 'Điểm kiểm tra mới nhất', label_en: 'Newest checkpoint', href: `/api/v1/ledger/${log}/checkpoint` }];
    const base = { from_size: seen?.tree_size ?? null, to_size: toSize, to_root_hash: cp?.root_hash ?? null };
    if (!seen) {
      return {
        ...base,
        checked: false,
        ok: null,
        detail_vi: 'Kiểm toán viên không cung cấp điểm kiểm tra đã thấy trước đó.',
        detail_en: 'The auditor gave no previously seen checkpoint.',
        evidence,
      };
    }
    const fail = (vi: string, en: string) => ({ ...base, checked: true, ok: false, detail_vi: vi, detail_en: en, evidence });
    if (!cp || seen.tree_size > toSize)
      return fail(
        `Nhật ký hiện có ${toSize} mục, ít hơn ${seen.tree_size} mục của điểm kiểm tra đã thấy: lịch sử đã bị cắt bớt.`,
        `The log now has ${toSize} entries, fewer than the ${seen.tree_size} of the checkpoint seen: history was cut.`,
      );
    const rootM = Buffer.from(seen.root_hash, 'base64');
    const rootN = Buffer.from(cp.root_hash, 'base64');
    let ok: boolean;
    if (seen.tree_size === toSize) ok = rootM.equals(rootN);
    else if (seen.tree_size === 0) ok = true;
    else {
      const proof = (await deps.ledger.consistency(log, seen.tree_size, toSize)).hashes.map((h) => Buffer.from(h, 'base64'));
      ok = verifyConsistency(seen.tree_size, toSize, proof, rootM, rootN);
      evidence.push({
        label_vi: 'Bằng chứng nhất quán',
        label_en: 'Consistency proof',
        href: `/api/v1/ledger/${log}/proof/consistency?from=${seen.tree_size}&to=${toSize}`,
      });
    }
    return ok
      ? {
          ...base,
          checked: true,
          ok,
          detail_vi: `Nhật ký ${toSize} mục nhất quán với điểm kiểm tra ${seen.tree_size} mục đã thấy: lịch sử chỉ được nối thêm.`,
          detail_en: `The log of ${toSize} entries is consistent with the checkpoint of ${seen.tree_size} seen: history was only appended to.`,
          evidence,
        }
      : fail(
          `Nhật ký không nhất quán với điểm kiểm tra ${seen.tree_size} mục đã thấy: lịch sử đã bị viết lại.`,
          `The log is not consistent with the checkpoint of ${seen.tree_size} entries seen: history was rewritten.`,
        );
  }

  /** The served exchanges of the period, and a uniform random sample of them (reservoir sampling). */
  async function sampleOf(p: Principal, log: string, from: string, to: string, size: number) {
    const reservoir: { leaf_index: number; receipt_id: string; entry: LedgerEntry }[] = [];
    let entries = 0;
    let served = 0;
    let first: number | null = null;
    let last: number | null = null;
    let after: number | undefined;
    for (;;) {
      const page = await deps.ledger.entries(p, log, { from: dayStart(from), to: dayStart(dayAfter(to)), limit: PAGE, after });
      for (const it of page.items) {
        entries++;
        first ??= it.leaf_index;
        last = it.leaf_index;
        const e = it.entry as LedgerEntry | null;
        // Reads by consumer systems that were answered with data are what a grant must cover.
        if (!e || e.form !== 'api' || e.response.status >= 400 || !e.dataset) continue;
        served++;
        const item = { leaf_index: it.leaf_index, receipt_id: it.receipt_id, entry: e };
        if (reservoir.length < size) reservoir.push(item);
        else {
          const j = crypto.randomInt(served);
          if (j < size) reservoir[j] = item;
        }
      }
      if (page.next_after === null) break;
      after = page.next_after;
    }
    reservoir.sort((a, b) => a.leaf_index - b.leaf_index);
    return { reservoir, entries, served, first, last };
  }

  async function check(items: { leaf_index: number; receipt_id: string; entry: LedgerEntry }[]): Promise<SampleResult[]> {
    const agreements = new Map<string, AgreementAtTime | null>();
    const openData = new Map<string, boolean>();
    for (const { entry } of items) {
      for (const id of entry.agreement_ids)
        if (!agreements.has(id)) agreements.set(id, await deps.agreements.service.get(INSPECTOR, id).catch(() => null));
      if (entry.dataset && !openData.has(entry.dataset))
        openData.set(entry.dataset, (await deps.catalog.datasets.get(entry.dataset).catch(() => null))?.auth_required === false);
    }
    return items.map(({ leaf_index, receipt_id, entry }) => {
      const problems = checkExchange(entry, agreements, openData.get(entry.dataset ?? '') ?? false);
      return {
        leaf_index,
        receipt_id,
        requested_at: entry.requested_at,
        consumer_agency: entry.requester.agency,
        consumer_system: entry.requester.system,
        dataset: entry.dataset,
        fields: entry.request.fields,
        agreement_ids: entry.agreement_ids,
        ok: problems.length === 0,
        problems,
        evidence: [
          { label_vi: 'Biên nhận và bằng chứng chứa trong nhật ký', label_en: 'Receipt and inclusion proof', href: `/api/v1/ledger/receipts/${receipt_id}` },
          ...entry.agreement_ids.map((id) => ({ label_vi: 'Thỏa thuận', label_en: 'Agreement', href: `/api/v1/agreements/${id}` })),
        ],
      };
    });
  }

  async function load(id: string): Promise<Audit> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('cuộc kiểm toán', 'audit', id);
    const r = await db.query<Audit>(`SELECT ${COLUMNS} FROM report_audits WHERE id = $1`, [id]);
    if (!r.rows[0]) throw notFound('cuộc kiểm toán', 'audit', id);
    return r.rows[0];
  }

  return {
    /** Opens and runs an audit (synchronously: the verification and the sample are bounded by the period and the sample size). */
    async open(p: Principal, input: OpenAudit): Promise<Audit> {
      requireAuditor(p);
      if (input.from > input.to)
        throw new Problem(PROBLEMS.validation, {
          detail: 'Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.',
          detail_en: 'The period must start on or before its end.',
          errors: [{ path: '/from', message: 'Ngày bắt đầu sau ngày kết thúc.', message_en: 'Start after end.' }],
        });
      const log = input.custodian;
      if (!(await deps.ledger.logs()).includes(log)) throw notFound('nhật ký chia sẻ', 'sharing log', log);
      const id = newId();
      const size = input.sample_size ?? DEFAULT_SAMPLE;
      const verification = await deps.logChecks.verify(log, p.username, id);
      const cons = await consistency(log, input.seen_checkpoint);
      const pop = await sampleOf(p, log, input.from, input.to, size);
      const items = await check(pop.reservoir);
      const quality = (await deps.sync.quality.report(INSPECTOR, { custodian: log })).map((q) => ({
        dataset: q.dataset,
        live_records: q.records.live,
        completeness: q.completeness.required_ratio,
        validity: q.validity.ratio,
        fresh: q.freshness.fresh,
        evidence: [{ label_vi: 'Chỉ số chất lượng', label_en: 'Quality figures', href: `/api/v1/datasets/${q.dataset}/quality` }],
      }));
      const open = await deps.openFindings(log);
      const byRule = new Map<string, string[]>();
      for (const f of open) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f.id]);
      const entriesLink = (from: number | null) =>
        from === null ? [] : [{ label_vi: 'Các mục nhật ký của kỳ', label_en: 'Log entries of the period', href: `/api/v1/ledger/${log}/entries?from=${dayStart(input.from)}&to=${dayStart(dayAfter(input.to))}` }];
      const result: AuditResult = {
        verification: {
          ...verification,
          evidence: [{ label_vi: 'Các lần kiểm tra nhật ký', label_en: 'Verifications of the log', href: `/api/v1/reports/logs/${log}/verifications` }],
        },
        consistency: cons,
        population: {
          entries: pop.entries,
          served: pop.served,
          refused: pop.entries - pop.served,
          first_index: pop.first,
          last_index: pop.last,
          evidence: entriesLink(pop.first),
        },
        sample: { size: items.length, violations: items.filter((i) => !i.ok).length, items },
        quality,
        findings: {
          open: open.length,
          by_rule: [...byRule].map(([rule, ids]) => ({ rule, count: ids.length, ids })),
          evidence: [{ label_vi: 'Phát hiện đang mở', label_en: 'Open findings', href: `/api/v1/reports/findings?owner=${log}` }],
        },
      };
      const ok = verification.ok && cons.ok !== false && result.sample.violations === 0;
      const audit: Audit = {
        id,
        custodian_code: log,
        period_from: input.from,
        period_to: input.to,
        opened_by: p.username,
        opened_at: clock.now(),
        sample_size: size,
        seen_checkpoint: input.seen_checkpoint ?? null,
        ok,
        result,
      };
      await db.query(
        `INSERT INTO report_audits (id, custodian_code, period_from, period_to, opened_by, opened_at, sample_size, seen_checkpoint, ok, result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          id,
          log,
          input.from,
          input.to,
          p.username,
          audit.opened_at,
          size,
          input.seen_checkpoint ? JSON.stringify(input.seen_checkpoint) : null,
          ok,
          JSON.stringify(result),
        ],
      );
      return audit;
    },

    /** The Central Party Office sees every audit; the audited custodian its own. */
    async get(p: Principal, id: string): Promise<Audit> {
      const a = await load(id);
      if (!seesEverything(p) && p.agencyCode !== a.custodian_code) throw notFound('cuộc kiểm toán', 'audit', id);
      return a;
    },

    async list(p: Principal, f: { custodian?: string | undefined; limit: number; offset: number }) {
      const custodian = seesEverything(p) ? (f.custodian ?? null) : p.agencyCode;
      const total = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM report_audits WHERE ($1::text IS NULL OR custodian_code = $1)', [custodian]);
      const rows = await db.query<Audit>(
        `SELECT ${COLUMNS} FROM report_audits WHERE ($1::text IS NULL OR custodian_code = $1) ORDER BY opened_at DESC, id LIMIT $2 OFFSET $3`,
        [custodian, f.limit, f.offset],
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },
  };
}


