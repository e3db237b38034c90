import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { BinaryCopyDecoder, readTimestamptz, sqlLiteral } from '../db/copy.ts';
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

/** A change with its content as the JSON text stored, for bulk readers that pass it on as text (the warehouse). */
export interface TextChange {
  key: string;
  version: number;
  position: number;
  written_at: Date;
  deleted: boolean;
  /** The content as JSON text; null for a tombstone. */
  json: string | null;
}

/** A live record as of a feed position, as an export writes it. */
export interface AsOfRecord {
  key: string;
  version: number;
  data: Record<string, unknown> | null;
  /** `written_at` as `Date#toISOString` writes it. */
  updated_at: string;
}

/** `written_at` as `Date#toISOString` writes it (UTC, milliseconds truncated as the driver's Date truncates them). */
const ISO_WRITTEN_AT = `to_char(written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at`;
const AS_OF_COLUMNS = `record_key AS key, version, data, sealed, deleted, position, ${ISO_WRITTEN_AT}`;
type AsOfRow = AsOfRecord & { sealed: Uint8Array | null; deleted: boolean; position: number };

/**
 * A page's limit ($3) as the planner cannot read it, so it plans for a fraction of the rows and
 * walks the primary key in order even where the table has no statistics (PGlite; a bulk load
 * before ANALYZE). A known limit above its row estimate makes it sort the whole rest of the
 * dataset for every page instead: a snapshot or export quadratic in the dataset's size.
 */
const PAGE_LIMIT = 'LIMIT (SELECT $3::int)';

export function createFeed(db: Database, sealing: Sealing) {
  /** The position of the last committed change: 0 for a dataset never written. */
  async function head(code: string): Promise<number> {
    const r = await db.query<{ position: number }>('SELECT position FROM record_feeds WHERE dataset_code = $1', [code]);
    return r.rows[0]?.position ?? 0;
  }

  /**
   * Changes read lately, by dataset and position. A position names one committed version for good,
   * so what was read once is what any later reader of that position would read: a hundred
   * subscriptions a little apart in one feed read each change from the database once, not a
   * hundred times. Content that was stored sealed is never kept opened here.
   * Bounded: some twenty seconds of changes at a thousand a second.
   */
  const recent = new LRUCache<string, Change>({ max: 20_000, ttl: 30_000 });
  const at = (code: string, position: number) => `${code}\u0000${position}`;

  /**
   * Up to `limit` changes after position `after`, in commit order, content opened. Those known
   * from a recent read are taken from memory, as far as they run on with no gap; the rest is read.
   * `head`, when the caller has read it, ends the walk there: every position up to a committed
   * head exists, so a run that reaches it needs no read at all.
   */
  async function changes(code: string, after: number, limit: number, head?: number): Promise<Change[]> {
    const known: Change[] = [];
    for (let c; known.length < limit && (c = recent.get(at(code, after + known.length + 1)));) known.push(c);
    const from = after + known.length;
    if (known.length === limit || (head !== undefined && from >= head)) return known;
    const r = await db.query<Stored<Change>>(`SELECT ${COLUMNS} FROM record_versions WHERE dataset_code = $1 AND position > $2 ORDER BY position LIMIT $3`, [
      code,
      from,
      limit - known.length,
    ]);
    const read = await openRows(sealing, code, r.rows);
    r.rows.forEach((row, i) => row.sealed === null && recent.set(at(code, read[i]!.position), read[i]!));
    return known.length ? [...known, ...read] : read;
  }

  /**
   * `changes` for a bulk reader: one binary COPY, each row's fields read where they lie, the content
   * left as the JSON text stored (jsonb's binary form is a version byte and that text) — no row
   * objects made by the driver, no JSON parsed and written again. Sealed content is opened.
   */
  async function changesAsText(code: string, after: number, limit: number): Promise<TextChange[]> {
    const out: TextChange[] = [];
    const sealed: { change: TextChange; bytes: Buffer }[] = [];
    const decoder = new BinaryCopyDecoder(7, (buf, at, len) => {
      const change: TextChange = {
        key: buf.toString('utf8', at[0]!, at[0]! + len[0]!),
        version: buf.readInt32BE(at[1]!),
        position: Number(buf.readBigInt64BE(at[2]!)),
        written_at: readTimestamptz(buf, at[3]!),
        deleted: buf[at[4]!] === 1,
        json: len[5]! < 0 ? null : buf.toString('utf8', at[5]! + 1, at[5]! + len[5]!),
      };
      if (len[6]! >= 0) sealed.push({ change, bytes: Buffer.from(buf.subarray(at[6]!, at[6]! + len[6]!)) });
      out.push(change);
    });
    await db.transaction((tx) =>
      tx.copyOut(
        `SELECT record_key, version, position, written_at, deleted, data, sealed FROM record_versions
          WHERE dataset_code = ${sqlLiteral(code)} AND position > ${Math.trunc(after)} ORDER BY position LIMIT ${Math.trunc(limit)}`,
        (chunk) => decoder.push(chunk),
      ),
    );
    decoder.end();
    for (const s of sealed) s.change.json = JSON.stringify(await sealing.open(code, s.change.key, s.change.version, s.bytes));
    return out;
  }

  /**
   * One page of the dataset as of position `at`. The current row of each key answers when it is
   * not newer than `at` (later versions always have later positions); the keys changed since are
   * read from their history.
   */
  async function snapshotPage(code: string, at: number, after: string | null, limit: number): Promise<SnapshotPage> {
    const current = await db.query<Stored<Change>>(
      `SELECT ${COLUMNS} FROM records WHERE dataset_code = $1 AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key ${PAGE_LIMIT}`,
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

  /** snapshotPage for an export: the same records, as the export writes them, with no object made per record. */
  async function asOfPage(code: string, at: number, after: string | null, limit: number): Promise<{ items: AsOfRecord[]; next_after: string | null }> {
    const current = await db.query<AsOfRow>(
      `SELECT ${AS_OF_COLUMNS} FROM records WHERE dataset_code = $1 AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key ${PAGE_LIMIT}`,
      [code, after, limit],
    );
    let rows: AsOfRow[] = current.rows;
    const newer = rows.filter((r) => r.position > at).map((r) => r.key);
    if (newer.length) {
      const older = await db.query<AsOfRow>(
        `SELECT DISTINCT ON (record_key) ${AS_OF_COLUMNS} FROM record_versions
          WHERE dataset_code = $1 AND record_key = ANY($2) AND position <= $3 ORDER BY record_key, version DESC`,
        [code, newer, at],
      );
      const byKey = new Map(older.rows.map((r) => [r.key, r]));
      rows = rows.flatMap((r) => (r.position <= at ? [r] : (byKey.get(r.key) ?? [])));
    }
    const items = rows.filter((r) => !r.deleted);
    // Sealed content is opened here; clear rows go out as the driver made them.
    const sealed = items.filter((r) => r.sealed !== null);
    if (sealed.length) await Promise.all(sealed.map(async (r) => (r.data = await sealing.open(code, r.key, r.version, r.sealed!))));
    return { items, next_after: current.rows.length === limit ? current.rows.at(-1)!.key : null };
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

  return {
    head: perTurn(head, (code) => code),
    changes: perTurn(changes, (...a) => a.join('\u0000')),
    changesAsText,
    snapshotPage,
    asOf,
    positionBefore,
  };
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
