import { PROBLEMS, Problem, forbidden, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import { vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import type { DatasetService } from './datasets.ts';

/**
 * The yearly catalog review: each custodian confirms, before 25 December of year Y, the
 * specification of each of its datasets — fields, frequency, format, classification, procedure —
 * as it stands, after changing it through the catalog's own edit path (`PATCH /datasets/{code}`)
 * if it needed changing. A review row records who confirmed which version, when, and whether the
 * specification was changed during the year ("changed") or confirmed as it was ("confirmed").
 * The coordinator (VPTW) follows the progress per custodian; a dataset not reviewed when the
 * deadline has passed is a compliance finding (src/reports).
 */

export interface DatasetReview {
  id: string;
  year: number;
  dataset_code: string;
  custodian_code: string;
  outcome: 'confirmed' | 'changed';
  dataset_version: number;
  reviewed_by: string;
  reviewed_at: Date;
  note: string | null;
}

/** One dataset to review in a year, with its latest review of that year, if any. */
export interface ReviewItem {
  dataset_code: string;
  name_vi: string;
  name_en: string;
  custodian_code: string;
  status: string;
  version: number;
  updated_at: Date;
  created_at: Date;
  review: DatasetReview | null;
}

export interface ReviewProgress {
  custodian_code: string;
  total: number;
  reviewed: number;
  changed: number;
  last_reviewed_at: Date | null;
}

const COLUMNS = 'id, year, dataset_code, custodian_code, outcome, dataset_version, reviewed_by, reviewed_at, note';

/** the review of year Y is due before 25 December: the last day to confirm is 24 December (Viet Nam date). */
export const reviewDeadline = (year: number) => `${year}-12-24`;
/** The first instant of year Y in Viet Nam (UTC+7), in UTC. */
const yearStart = (year: number) => new Date(Date.UTC(year, 0, 1) - 7 * 3600_000);

export function createReviewService(db: Database, clock: Clock, datasets: DatasetService) {
  const currentYear = () => Number(vietnamDate(clock.now()).slice(0, 4));

  /** The non-retired datasets (of one custodian, or all) with their latest review of `year`. */
  async function items(year: number, custodian?: string): Promise<ReviewItem[]> {
    const r = await db.query<ReviewItem & { r: DatasetReview | null }>(
      `SELECT d.code AS dataset_code, d.name_vi, d.name_en, d.custodian_code, d.status, d.version, d.updated_at, d.created_at,
              (SELECT to_jsonb(x) FROM (SELECT ${COLUMNS} FROM catalog_reviews c WHERE c.year = $1 AND c.dataset_code = d.code
                ORDER BY reviewed_at DESC, id DESC LIMIT 1) x) AS r
         FROM datasets d WHERE d.status <> 'retired' AND ($2::text IS NULL OR d.custodian_code = $2)
        ORDER BY d.custodian_code, d.code`,
      [year, custodian ?? null],
    );
    return r.rows.map(({ r: review, ...d }) => ({
      ...d,
      review: review ? { ...review, reviewed_at: new Date(review.reviewed_at) } : null,
    }));
  }

  function checkYear(year: number): void {
    const now = currentYear();
    // A review is of the year in progress, or a late one of the year before.
    if (year !== now && year !== now - 1) {
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-18.1',
        detail: `Chỉ rà soát được danh mục của năm ${now} hoặc rà soát muộn của năm ${now - 1}.`,
        detail_en: `Only the review of ${now}, or a late review of ${now - 1}, can be recorded.`,
      });
    }
  }

  return {
    currentYear,
    items,

    /**
     * the custodian confirms the dataset's specification as it stands at `version` (what
     * it saw). A change is made first through the catalog's edit path; the review then says so.
     */
    async confirm(p: Principal, code: string, input: { year?: number | undefined; version: number; note?: string | undefined }): Promise<DatasetReview> {
      const year = input.year ?? currentYear();
      checkYear(year);
      const d = await datasets.get(code);
      if (!administers(p, d.custodian_code, 'custodian_admin')) {
        throw forbidden(
          'Chỉ cơ quan chủ quản dữ liệu (hoặc Văn phòng Trung ương Đảng) được rà soát bộ dữ liệu này.',
          "Only the dataset's custodian (or the coordinator) reviews this dataset.",
          'R-18.1',
        );
      }
      if (d.status === 'retired') {
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-18.1',
          detail: 'Bộ dữ liệu đã ngừng sử dụng, không cần rà soát.',
          detail_en: 'The dataset is retired; it is not reviewed.',
        });
      }
      return db.transaction(async (tx) => {
        const current = await datasets.get(code, tx);
        // The custodian confirms what it saw: a change made meanwhile must be seen first.
        if (current.version !== input.version) throw staleVersion(current.version);
        const from = yearStart(year).getTime();
        const to = yearStart(year + 1).getTime();
        const edited = (await historyOf(tx, 'dataset', code)).some(
          (h) => h.action === 'update' && new Date(h.at).getTime() >= from && new Date(h.at).getTime() < to,
        );
        const now = clock.now();
        const review: DatasetReview = {
          id: newId(),
          year,
          dataset_code: code,
          custodian_code: current.custodian_code,
          outcome: edited ? 'changed' : 'confirmed',
          dataset_version: current.version,
          reviewed_by: p.username,
          reviewed_at: now,
          note: input.note ? nfc(input.note) : null,
        };
        await tx.query(`INSERT INTO catalog_reviews (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          review.id,
          review.year,
          review.dataset_code,
          review.custodian_code,
          review.outcome,
          review.dataset_version,
          review.reviewed_by,
          review.reviewed_at,
          review.note,
        ]);
        // The dataset shows when it was last reviewed; not an edit of its specification, so no new version.
        await tx.query('UPDATE datasets SET last_reviewed_on = $2 WHERE code = $1', [code, vietnamDate(now)]);
        await recordChange(tx, {
          entity: 'dataset',
          key: code,
          action: 'review',
          actor: p.username,
          reason: review.note ?? undefined,
          at: now,
          after: { year, outcome: review.outcome, dataset_version: current.version },
        });
        return review;
      });
    },

    /** The datasets to review in `year`: a custodian's own; coordinators and auditors any custodian's, or all. */
    async list(p: Principal, year: number, custodian?: string): Promise<ReviewItem[]> {
      return items(year, seesEverything(p) ? custodian : p.agencyCode);
    },

    /** progress per custodian (reviewed / total) for the coordinator; a custodian sees its own line. */
    async progress(p: Principal, year: number): Promise<{ year: number; deadline: string; custodians: ReviewProgress[] }> {
      const all = await items(year, seesEverything(p) ? undefined : p.agencyCode);
      const by = new Map<string, ReviewProgress>();
      for (const i of all) {
        const g = by.get(i.custodian_code) ?? { custodian_code: i.custodian_code, total: 0, reviewed: 0, changed: 0, last_reviewed_at: null };
        g.total++;
        if (i.review) {
          g.reviewed++;
          if (i.review.outcome === 'changed') g.changed++;
          if (!g.last_reviewed_at || i.review.reviewed_at > g.last_reviewed_at) g.last_reviewed_at = i.review.reviewed_at;
        }
        by.set(i.custodian_code, g);
      }
      return { year, deadline: reviewDeadline(year), custodians: [...by.values()] };
    },

    /** Every review of one dataset, newest first (its history of confirmations). */
    async ofDataset(code: string): Promise<DatasetReview[]> {
      await datasets.get(code);
      return (await db.query<DatasetReview>(`SELECT ${COLUMNS} FROM catalog_reviews WHERE dataset_code = $1 ORDER BY reviewed_at DESC, id DESC`, [code])).rows;
    },
  };
}
