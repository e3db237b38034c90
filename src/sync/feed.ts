import type { Database } from '../db/database.ts';
import { type Stored, type StoredRecord, openRows } from './records.ts';
import type { Sealing } from './sealing.ts';

/**
 * The change feed of a hosted dataset (R-4.3, R-6.1c; docs/sync.md). Every version has a feed
 * position, handed out in commit order with no gap (records.ts `takePositions`), so:
 * - the changes after P are the versions whose position is > P, in position order;
 * - the dataset as of P is, per key, its last version at a position ≤ P, when that is not a tombstone.
 * Both read only committed, immutable versions: a snapshot taken in pages over minutes is still the
 * dataset as of P, and the changes after it follow with no gap and no duplicate.
 */
export interface Change extends StoredRecord {
  position: number;
}

export interface SnapshotPage {
  /** Live records as of the position, in key order (tombstoned and later-created keys left out). */
  items: StoredRecord[];
  /** The last key looked at: the next page starts after it. Null when this was the last page. */
  next_after: string | null;
}

const COLUMNS = 'record_key AS key, version, data, sealed, deleted, written_at, position';

/** A live record as of a feed position, as an export writes it. */
export interface AsOfRecord {
  key: string;
  version: number;
  data: Record<string, unknown> | null;
  /** `written_at` as `Date#toISOString` writes it. */
  updated_at: string;
}

/** A key of the page and its version as of the position: all null (but the key) when the key did not exist then. */
type AsOfRow = { key: string; version: number | null; data: Record<string, unknown> | null; sealed: Uint8Array | null; deleted: boolean | null; updated_at: string | null };

/**
 * $1 dataset, $2 the last key of the previous page (null: from the start), $3 page size, $4 the
 * position. The page is the next $3 keys of `records` (so a page always moves on, whatever the
 * history); a key whose current version is newer than $4 takes its last version at or before $4
 * from `record_versions` (primary key dataset_code, record_key, version: one index probe).
 * `LIMIT (SELECT $3)`: a limit the planner cannot read makes it plan for a fraction of the rows,
 * so the page walks the primary key in order even where the table has no statistics (PGlite, or
 * a bulk load before ANALYZE); a known limit above its row estimate makes it sort the whole rest
 * of the dataset for every page instead.
 */
const AS_OF_PAGE = `
  WITH page AS (
    SELECT record_key, version, data, sealed, deleted, written_at, position FROM records
     WHERE dataset_code = $1 AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key LIMIT (SELECT $3::int))
  SELECT p.record_key AS key, o.version, o.data, o.sealed, o.deleted,
         to_char(o.written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
    FROM page p LEFT JOIN LATERAL (
      SELECT p.version, p.data, p.sealed, p.deleted, p.written_at WHERE p.position <= $4::bigint
      UNION ALL
      (SELECT v.version, v.data, v.sealed, v.deleted, v.written_at FROM record_versions v
        WHERE p.position > $4::bigint AND v.dataset_code = $1 AND v.record_key = p.record_key AND v.position <= $4::bigint
        ORDER BY v.version DESC LIMIT 1)
    ) o ON true
   ORDER BY p.record_key`;

export function createFeed(db: Database, sealing: Sealing) {
  /** The position of the last committed change: 0 for a dataset never written. */
  async function head(code: string): Promise<number> {
    const r = await db.query<{ position: number }>('SELECT position FROM record_feeds WHERE dataset_code = $1', [code]);
    return r.rows[0]?.position ?? 0;
  }

  /** Up to `limit` changes after position `after`, in commit order, content opened. */
  async function changes(code: string, after: number, limit: number): Promise<Change[]> {
    const r = await db.query<Stored<Change>>(`SELECT ${COLUMNS} FROM record_versions WHERE dataset_code = $1 AND position > $2 ORDER BY position LIMIT $3`, [
      code,
      after,
      limit,
    ]);
    return openRows(sealing, code, r.rows);
  }

  /**
   * One page of the dataset as of position `at`. The current row of each key answers when it is
   * not newer than `at` (later versions always have later positions); the keys changed since are
   * read from their history.
   */
  async function snapshotPage(code: string, at: number, after: string | null, limit: number): Promise<SnapshotPage> {
    const current = await db.query<Stored<Change>>(
      `SELECT ${COLUMNS} FROM records WHERE dataset_code = $1 AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key LIMIT $3`,
      [code, after, limit],
    );
    const newer = current.rows.filter((r) => r.position > at).map((r) => r.key);
    const older = new Map<string, Stored<Change>>();
    if (newer.length) {
      const r = await db.query<Stored<Change>>(
        `SELECT DISTINCT ON (record_key) ${COLUMNS} FROM record_versions
          WHERE dataset_code = $1 AND record_key = ANY($2) AND position <= $3 ORDER BY record_key, version DESC`,
        [code, newer, at],
      );
      for (const row of r.rows) older.set(row.key, row);
    }
    const asOf = current.rows.flatMap((r) => {
      const row = r.position > at ? older.get(r.key) : r;
      return row && !row.deleted ? [row] : [];
    });
    const items = (await openRows(sealing, code, asOf)).map(({ position: _p, ...r }) => r);
    return { items, next_after: current.rows.length === limit ? current.rows.at(-1)!.key : null };
  }

  /**
   * One page of the dataset as of position `at` in ONE statement: each key of the page with the
   * version that was its last at `at` (the current row, or the newest older version from its
   * history), tombstones and keys created later left out. `updated_at` is formatted by the
   * database as `Date#toISOString` would (UTC, milliseconds, truncated like the driver's Date).
   */
  async function asOfPage(code: string, at: number, after: string | null, limit: number): Promise<{ items: AsOfRecord[]; next_after: string | null }> {
    const r = await db.query<AsOfRow>(AS_OF_PAGE, [code, after, limit, at]);
    const live = r.rows.filter((row) => row.version !== null && !row.deleted);
    const items: AsOfRecord[] = live.map((row) => ({ key: row.key, version: row.version!, data: row.data, updated_at: row.updated_at! }));
    // Sealed content is opened here; clear rows take no detour.
    const sealed = live.flatMap((row, i) => (row.sealed === null ? [] : [i]));
    if (sealed.length) {
      await Promise.all(
        sealed.map(async (i) => {
          items[i]!.data = await sealing.open(code, live[i]!.key, live[i]!.version!, live[i]!.sealed!);
        }),
      );
    }
    return { items, next_after: r.rows.length === limit ? r.rows.at(-1)!.key : null };
  }

  /**
   * The whole dataset as of `at`, page after page: what an export streams without holding it all.
   * The next page is read while the caller works on this one (one page ahead, no more): the
   * database and the caller overlap, and a caller that stops asking stops the reading.
   */
  async function* asOf(code: string, at: number, pageSize = 1000): AsyncGenerator<AsOfRecord[]> {
    let next: Promise<Awaited<ReturnType<typeof asOfPage>>> | null = asOfPage(code, at, null, pageSize);
    try {
      while (next) {
        const page: Awaited<ReturnType<typeof asOfPage>> = await next;
        next = page.next_after === null ? null : asOfPage(code, at, page.next_after, pageSize);
        if (page.items.length) yield page.items;
      }
    } finally {
      // A caller that stopped early leaves at most one read in flight: its failure is nobody's to handle.
      next?.catch(() => undefined);
    }
  }

  /**
   * Where a replay "from a time" starts: just before the first change written at or after `at`
   * (the head when none), so every such change follows, whatever the order of commits.
   */
  async function positionBefore(code: string, at: Date): Promise<number> {
    const r = await db.query<{ position: number | null }>(
      'SELECT min(position) AS position FROM record_versions WHERE dataset_code = $1 AND written_at >= $2',
      [code, at],
    );
    const first = r.rows[0]?.position;
    return first === null || first === undefined ? head(code) : Number(first) - 1;
  }

  return { head, changes, snapshotPage, asOf, positionBefore };
}

export type Feed = ReturnType<typeof createFeed>;
