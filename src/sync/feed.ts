import DataLoader from 'dataloader';
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

  /** The whole dataset as of `at`, page after page: what an export streams without holding it all. */
  async function* asOf(code: string, at: number, pageSize = 1000): AsyncGenerator<StoredRecord[]> {
    for (let after: string | null = null; ;) {
      const page = await snapshotPage(code, at, after, pageSize);
      if (page.items.length) yield page.items;
      if (page.next_after === null) return;
      after = page.next_after;
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

  return { head: perTurn(head, (code) => code), changes: perTurn(changes, (...a) => a.join('\u0000')), snapshotPage, asOf, positionBefore };
}

/**
 * The same question asked many times in one turn of the event loop — a hundred streams and
 * subscriptions woken by one notification, each asking the feed's head and the changes after the
 * same position — goes to the database once. Calls are gathered until the turn's I/O is done
 * (setImmediate) and only then asked, so every caller gets an answer read after its call: joining
 * a query already sent could miss a change committed just before the caller was woken for it.
 * Nothing is kept once answered (DataLoader without its cache); the answer is shared and read only.
 */
function perTurn<A extends unknown[], R>(fn: (...args: A) => Promise<R>, keyOf: (...args: A) => string): (...args: A) => Promise<R> {
  const loader = new DataLoader<A, R, string>(
    async (calls) => {
      const asked = new Map<string, Promise<R>>();
      for (const args of calls) {
        const k = keyOf(...args);
        if (!asked.has(k)) asked.set(k, fn(...args));
      }
      return Promise.all(calls.map((args) => asked.get(keyOf(...args))!.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run) },
  );
  return (...args: A) => loader.load(args);
}

export type Feed = ReturnType<typeof createFeed>;
