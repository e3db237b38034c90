import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Dataset, SharingSpec } from '../catalog/index.ts';
import { forbidden } from '../core/errors.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import type { RecordService } from './records.ts';

/**
 * Quality figures of hosted data (R-4.7 "đúng, đủ, sạch, sống"):
 * - completeness (đủ): share of filled cells over the shared fields of live records, overall and for required fields;
 * - validity (sạch): share of live records that pass validation today (types, formats, code lists in force);
 * - freshness (sống): age of the latest write against the interval the dataset's frequency promises.
 * Computed from the stored records, in pages, so it works on large datasets.
 */
export interface QualityFigures {
  dataset: string;
  custodian: string;
  computed_at: Date;
  records: { live: number; deleted: number };
  completeness: { ratio: number | null; required_ratio: number | null; fields: { name: string; filled_ratio: number | null }[] };
  validity: { ratio: number | null; checked: number; invalid_records: number };
  freshness: { last_write_at: Date | null; age_seconds: number | null; expected_interval_seconds: number | null; fresh: boolean | null };
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** How old the newest write may be for the data to count as live; on-change data promises no interval. */
const EXPECTED_INTERVAL: Record<SharingSpec['frequency'], number | null> = {
  realtime: HOUR,
  on_change: null,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 31 * DAY,
  quarterly: 92 * DAY,
  yearly: 366 * DAY,
};

const PAGE = 1000;
const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
const filled = (v: unknown) => v !== undefined && v !== null && v !== '';

export function createQualityService(db: Database, clock: Clock, catalog: Catalog, records: RecordService) {
  async function figures(dataset: Dataset): Promise<QualityFigures> {
    const fields = await catalog.fields(dataset.code);
    const counts = await db.query<{ live: number; deleted: number; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE NOT deleted)::int AS live, count(*) FILTER (WHERE deleted)::int AS deleted, max(written_at) AS last
         FROM records WHERE dataset_code = $1`,
      [dataset.code],
    );
    const { live, deleted, last } = counts.rows[0]!;
    const fill = new Map(fields.map((f) => [f.name, 0]));
    let invalid = 0;
    let after: string | null = null;
    for (;;) {
      // Opened page by page: the figures of secret data are computed on its content, which stays sealed in the database.
      const page = await records.livePage(dataset.code, after, PAGE);
      if (page.length === 0) break;
      for (const r of page) for (const f of fields) if (filled(r.data?.[f.name])) fill.set(f.name, fill.get(f.name)! + 1);
      const result = await catalog.validate(
        dataset.code,
        page.map((r) => r.data),
      );
      invalid += result.invalid;
      after = page.at(-1)!.key;
      if (page.length < PAGE) break;
    }
    const total = [...fill.values()].reduce((a, b) => a + b, 0);
    const required = fields.filter((f) => f.required);
    const requiredFilled = required.reduce((a, f) => a + fill.get(f.name)!, 0);
    const now = clock.now();
    const age = last ? Math.max(0, Math.round((now.getTime() - last.getTime()) / 1000)) : null;
    const expected = EXPECTED_INTERVAL[dataset.sharing_spec.frequency];
    return {
      dataset: dataset.code,
      custodian: dataset.custodian_code,
      computed_at: now,
      records: { live, deleted },
      completeness: {
        ratio: ratio(total, live * fields.length),
        required_ratio: ratio(requiredFilled, live * required.length),
        fields: fields.map((f) => ({ name: f.name, filled_ratio: ratio(fill.get(f.name)!, live) })),
      },
      validity: { ratio: ratio(live - invalid, live), checked: live, invalid_records: invalid },
      freshness: {
        last_write_at: last,
        age_seconds: age,
        expected_interval_seconds: expected,
        fresh: age === null || expected === null ? null : age <= expected,
      },
    };
  }

  return {
    /** The custodian's own figures; the coordinator and auditors inspect all. Record counts of a secret dataset are not for everyone. */
    async forDataset(p: Principal, code: string): Promise<QualityFigures> {
      const d = await catalog.datasets.get(code);
      if (!seesEverything(p) && p.agencyCode !== d.custodian_code) {
        throw forbidden(
          'Chỉ cơ quan chủ quản và Văn phòng Trung ương Đảng xem chất lượng dữ liệu này.',
          'Only the custodian and the coordinator see these quality figures.',
          'R-18.2',
        );
      }
      return figures(d);
    },
    /** Figures of every hosted, non-retired dataset matching the filter, for reports; a custodian sees its own. */
    async report(p: Principal, f: { custodian?: string | undefined; domain?: string | undefined }): Promise<QualityFigures[]> {
      const custodian = seesEverything(p) ? f.custodian : p.agencyCode;
      if (f.custodian !== undefined && custodian !== f.custodian) return [];
      const page = await catalog.datasets.list({ custodian, domain: f.domain, limit: 1000, offset: 0 });
      const hosted = page.items.filter((d) => d.mode === 'hosted' && d.status !== 'retired');
      const out: QualityFigures[] = [];
      for (const d of hosted) out.push(await figures(d));
      return out;
    },
  };
}
