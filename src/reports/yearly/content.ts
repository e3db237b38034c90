import type { Clock } from '../../core/clock.ts';
import { vietnamDate } from '../../core/time.ts';
import type { Database } from '../../db/database.ts';
import type { Agreements } from '../../agreements/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import type { Lifecycle } from '../../lifecycle/index.ts';
import { COORDINATOR_AGENCY, type Principal, type Registry } from '../../registry/index.ts';
import type { Sync } from '../../sync/index.ts';

/**
 * What the yearly report of one custodian says (R-18.1): the year's figures from its sharing log
 * — read from the daily figures in one pass, with the log position they are counted up to, so
 * every number states its basis — and the control plane's facts of the year, read through the
 * other modules' services.
 */

interface Measure {
  exchanges: number;
  bytes: number;
  refused: number;
}

interface YearlyBasis {
  log: string;
  /** Entries [0, position) of the log are counted: the size of a signed checkpoint. */
  position: number;
  counted_at: string | null;
}

export interface YearlyContent {
  custodian: { code: string; name_vi: string; name_en: string };
  year: number;
  /** Viet Nam dates, both included. */
  period: { from: string; to: string };
  generated_at: string;
  basis: YearlyBasis;
  totals: Measure;
  by_month: (Measure & { month: number })[];
  by_dataset: (Measure & { dataset: string })[];
  by_consumer: (Measure & { consumer_agency: string; consumer_system: string })[];
  by_form: (Measure & { form: string })[];
  by_status: (Measure & { status: number })[];
  datasets: {
    code: string;
    name_vi: string;
    status: string;
    classification: string;
    mode: string;
    fields: number;
    frequency: string;
    format: string;
    /** the sharing specification states fields, frequency and format. */
    spec_complete: boolean;
    last_reviewed_on: string | null;
  }[];
  agreements: {
    opened: AgreementLine[];
    closed: AgreementLine[];
  };
  lifecycle: { entity: string; action: string; count: number }[];
  incidents: { at: string; entity: string; action: string; reason: string | null }[];
  quality: { dataset: string; live: number; completeness: number | null; validity: number | null; fresh: boolean | null }[];
  findings: { rule: string; severity: string; status: string; subject: string; summary_vi: string; summary_en: string; opened_at: string }[];
}

interface AgreementLine {
  id: string;
  dataset: string;
  consumer: string;
  system: string;
  status: string;
  valid_from: string;
  valid_to: string;
}

export interface ContentDeps {
  registry: Pick<Registry, 'agencies'>;
  catalog: Pick<Catalog, 'datasets'>;
  agreements: Pick<Agreements, 'service'>;
  lifecycle: Pick<Lifecycle, 'events'>;
  quality: Pick<Sync['quality'], 'report'>;
}

/** The platform reading for a report: the coordinator's inspection view, never a person's. */
const REPORT_READER: Principal = {
  userId: 'system',
  username: 'system',
  fullName: 'Liên Thông',
  agencyCode: COORDINATOR_AGENCY,
  roles: ['auditor'],
  sessionId: 'system',
  sessionExpiresAt: new Date(8.64e15),
};

const PAGE = 500;
/** Agreements that were in force at some time: opened (approved) rather than only asked for. */
const OPENED = new Set(['active', 'suspended', 'expired', 'revoked', 'terminated']);
const CLOSED = new Set(['expired', 'revoked', 'terminated']);
/** Lifecycle actions that are incidents: a stop for force majeure, a consumer suspended for a violation. */
const INCIDENTS = new Set(['record_stop', 'suspend', 'terminate']);

interface Grouped {
  g_month: number | null;
  dataset_code: string | null;
  consumer_agency: string | null;
  consumer_system: string | null;
  form: string | null;
  status: number | null;
  set_id: number;
  exchanges: number;
  bytes: number;
  refused: number;
}

/**
 * The year's figures of one log in one statement (GROUPING SETS: totals, by month, dataset,
 * consumer, form, status, over the rows summed by month), under a share lock of the log's counted position so the counting job
 * cannot move it between reading the position and reading the rows.
 */
async function yearFigures(db: Database, log: string, year: number) {
  return db.transaction(async (tx) => {
    const pos = await tx.query<{ position: string | number; updated_at: Date }>(
      'SELECT position, updated_at FROM report_positions WHERE custodian_code = $1 FOR SHARE',
      [log],
    );
    const basis: YearlyBasis = {
      log,
      position: Number(pos.rows[0]?.position ?? 0),
      counted_at: pos.rows[0] ? pos.rows[0].updated_at.toISOString() : null,
    };
    // By month first (one hash aggregation over the daily rows), then the grouping sets over that
    // far smaller set: the sets cost one pass each, and over the daily rows six passes were most of the time.
    const r = await tx.query<Grouped>(
      `WITH m AS (
         SELECT extract(month FROM day)::int AS g_month, dataset_code, consumer_agency, consumer_system, form, status,
                sum(exchanges) AS exchanges, sum(bytes) AS bytes
           FROM report_daily
          WHERE custodian_code = $1 AND day >= $2::date AND day <= $3::date
          GROUP BY 1, 2, 3, 4, 5, 6)
       SELECT g_month, dataset_code, consumer_agency, consumer_system, form, status,
              GROUPING(g_month, dataset_code, consumer_agency, consumer_system, form, status)::int AS set_id,
              sum(exchanges)::float8 AS exchanges, sum(bytes)::float8 AS bytes,
              coalesce(sum(exchanges) FILTER (WHERE status >= 400), 0)::float8 AS refused
         FROM m
        GROUP BY GROUPING SETS ((), (g_month), (dataset_code), (consumer_agency, consumer_system), (form), (status))`,
      [log, `${year}-01-01`, `${year}-12-31`],
    );
    return { basis, rows: r.rows };
  });
}

/** Bits of GROUPING(month, dataset, agency, system, form, status): 1 = not grouped by it. */
const SETS = { total: 0b111111, month: 0b011111, dataset: 0b101111, consumer: 0b110011, form: 0b111101, status: 0b111110 };

function measure(x: Grouped): Measure {
  return { exchanges: Number(x.exchanges), bytes: Number(x.bytes), refused: Number(x.refused) };
}

const byDesc = <T extends Measure>(a: T, b: T) => b.exchanges - a.exchanges;

export async function buildContent(db: Database, clock: Clock, deps: ContentDeps, custodian: string, year: number): Promise<YearlyContent> {
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const agency = await deps.registry.agencies.get(custodian);
  const { basis, rows } = await yearFigures(db, custodian, year);
  const set = (s: number) => rows.filter((x) => x.set_id === s);
  const total = set(SETS.total)[0];
  const totals = total && total.exchanges !== null ? measure(total) : { exchanges: 0, bytes: 0, refused: 0 };

  const datasets = await allPages((limit, offset) => deps.catalog.datasets.list({ custodian, limit, offset }));
  const agreements = await allPages((limit, offset) => deps.agreements.service.list(REPORT_READER, { custodian, limit, offset }));
  const inYear = (d: string) => d >= from && d <= to;
  const line = (a: (typeof agreements)[number]): AgreementLine => ({
    id: a.id,
    dataset: a.dataset_code,
    consumer: a.consumer_code,
    system: a.system_code,
    status: a.status,
    valid_from: a.valid_from,
    valid_to: a.valid_to,
  });
  const events = await allPages((limit, offset) => deps.lifecycle.events(REPORT_READER, { custodian, from, to, limit, offset }));
  const counts = new Map<string, { entity: string; action: string; count: number }>();
  for (const e of events) {
    const k = `${e.entity}|${e.action}`;
    const c = counts.get(k) ?? { entity: e.entity, action: e.action, count: 0 };
    c.count++;
    counts.set(k, c);
  }
  const quality = await deps.quality.report(REPORT_READER, { custodian });
  const findings = await db.query<{ rule: string; severity: string; status: string; subject_type: string; subject_id: string; summary_vi: string; summary_en: string; opened_at: Date }>(
    `SELECT rule, severity, status, subject_type, subject_id, summary_vi, summary_en, opened_at FROM report_findings
      WHERE owner_agency = $1 AND opened_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
        AND (closed_at IS NULL OR closed_at >= ($2::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
      ORDER BY opened_at, id`,
    [custodian, from, to],
  );

  return {
    custodian: { code: agency.code, name_vi: agency.name_vi, name_en: agency.name_en },
    year,
    period: { from, to },
    generated_at: clock.now().toISOString(),
    basis,
    totals,
    by_month: Array.from({ length: 12 }, (_, i) => {
      const m = set(SETS.month).find((x) => x.g_month === i + 1);
      return { month: i + 1, ...(m ? measure(m) : { exchanges: 0, bytes: 0, refused: 0 }) };
    }),
    by_dataset: set(SETS.dataset)
      .map((x) => ({ dataset: x.dataset_code ?? '', ...measure(x) }))
      .sort(byDesc),
    by_consumer: set(SETS.consumer)
      .map((x) => ({ consumer_agency: x.consumer_agency ?? '', consumer_system: x.consumer_system ?? '', ...measure(x) }))
      .sort(byDesc),
    by_form: set(SETS.form)
      .map((x) => ({ form: x.form ?? '', ...measure(x) }))
      .sort(byDesc),
    by_status: set(SETS.status)
      .map((x) => ({ status: Number(x.status), ...measure(x) }))
      .sort((a, b) => a.status - b.status),
    datasets: datasets.map((d) => ({
      code: d.code,
      name_vi: d.name_vi,
      status: d.status,
      classification: d.classification,
      mode: d.mode,
      fields: d.sharing_spec.fields.length,
      frequency: d.sharing_spec.frequency,
      format: d.sharing_spec.format,
      spec_complete: d.sharing_spec.fields.length > 0 && !!d.sharing_spec.frequency && !!d.sharing_spec.format,
      last_reviewed_on: d.last_reviewed_on,
    })),
    agreements: {
      // Opened in the year: in force at some time, from a first day in the year.
      opened: agreements.filter((a) => OPENED.has(a.status) && inYear(a.valid_from)).map(line),
      // Closed in the year: ended (expired, revoked, terminated) by a change dated in the year.
      closed: agreements.filter((a) => CLOSED.has(a.status) && inYear(endDate(a))).map(line),
    },
    lifecycle: [...counts.values()].sort((a, b) => a.entity.localeCompare(b.entity) || a.action.localeCompare(b.action)),
    incidents: events
      .filter((e) => INCIDENTS.has(e.action))
      .map((e) => ({ at: new Date(e.at).toISOString(), entity: e.entity, action: e.action, reason: e.reason }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    quality: quality.map((q) => ({
      dataset: q.dataset,
      live: q.records.live,
      completeness: q.completeness.ratio,
      validity: q.validity.ratio,
      fresh: q.freshness.fresh,
    })),
    findings: findings.rows.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      status: f.status,
      subject: `${f.subject_type} ${f.subject_id}`,
      summary_vi: f.summary_vi,
      summary_en: f.summary_en,
      opened_at: f.opened_at.toISOString(),
    })),
  };
}

/** An agreement's end: an expired one on its last valid day, a revoked or terminated one on the day of that change. */
function endDate(a: { status: string; valid_to: string; updated_at: Date }): string {
  return a.status === 'expired' ? a.valid_to : vietnamDate(a.updated_at);
}

async function allPages<T>(page: (limit: number, offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const p = await page(PAGE, offset);
    out.push(...p.items);
    if (p.items.length < PAGE || out.length >= p.total) return out;
  }
}
