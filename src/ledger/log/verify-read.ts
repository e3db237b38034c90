import { BinaryCopyDecoder, sqlLiteral } from '../../db/copy.ts';
import type { Queryable, Transaction } from '../../db/database.ts';
import { HASH_SIZE, sha256 } from './merkle.ts';
import { bytes } from './store.ts';
import { TILE_WIDTH } from './tiles.ts';
import { ARCHIVED, ERASED, type Page, type StoredCheckpoint, type StoredTile } from './verify-check.ts';

/**
 * The reading half of verification: one log's rows, read in one snapshot, page by page, for the
 * checker (verify-check.ts) to walk. Pages are leaf-index ranges, read ahead on every handle while
 * the oldest is walked.
 */
export interface ReadOptions<X> {
  pageSize: number;
  /** More handles on the same snapshot: pages are read round-robin on them. */
  handles: Transaction[];
  /** On 0x00 ‖ leaf: is the leaf of this log? (the application knows its leaves' format) */
  belongs?: ((framed: Buffer) => boolean) | undefined;
  /** Keep each page's leaves (for an application's check of their bytes). */
  keepLeaves?: boolean;
  /** Read with each page, on the same handle after its entries: leaf indexes [first, last]. */
  extra?: ((q: Transaction, first: number, last: number) => Promise<X>) | undefined;
}

export interface LogSnapshot {
  /** Entries stored. */
  total: number;
  /** Highest stored leaf index, or null. */
  highest: number | null;
  checkpoints: StoredCheckpoint[];
  archivedUpTo: number;
}

export interface PageRead<X> {
  page: Page;
  tiles: StoredTile[];
  extra: X | undefined;
}

/**
 * A page is an index range walked in leaf order: an index scan of the entries joined to their
 * queue rows one by one. COPY takes no parameters, and with literal bounds the planner prices a
 * large range as a hash join over a sequential scan of the whole queue (every page reading every
 * leaf of every log) or splits it across parallel workers that sort their shares on disk; JIT
 * compiling the page's expressions costs more than it saves. The reading transaction only reads
 * pages, so those plans are switched off for it alone.
 */
export async function preparePageReads(handles: readonly Transaction[]): Promise<void> {
  for (const h of handles)
    await h.exec('SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off');
}

export async function readSnapshot(q: Queryable, log: string): Promise<LogSnapshot> {
  const counted = (
    await q.query<{ n: number; hi: number | null }>('SELECT count(*)::bigint AS n, max(leaf_index) AS hi FROM ledger_entries WHERE custodian_code = $1', [log])
  ).rows[0]!;
  const cps = (
    await q.query<{ tree_size: number; root_hash: Uint8Array; note: string }>(
      'SELECT tree_size, root_hash, note FROM ledger_checkpoints WHERE custodian_code = $1 ORDER BY tree_size',
      [log],
    )
  ).rows.map((c) => ({ size: Number(c.tree_size), root: bytes(c.root_hash), note: c.note }));
  const archivedUpTo = Number(
    (await q.query<{ n: number }>('SELECT COALESCE(max(up_to_index), 0)::bigint AS n FROM ledger_archives WHERE custodian_code = $1', [log])).rows[0]!.n,
  );
  return { total: Number(counted.n), highest: counted.hi === null ? null : Number(counted.hi), checkpoints: cps, archivedUpTo };
}

/**
 * The entries of leaf indexes (after, after + size], in leaf order, as binary COPY: each leaf
 * arrives as its bytes (no hex, no text conversion, no result row to build) and is hashed as soon
 * as its row is complete, while the server is still sending the rest. The 0x00 prefix of the
 * leaf hash is written over the last byte of the leaf's length field, so SHA-256(0x00 ‖ leaf)
 * is taken on the received buffer in place. The recorded hash travels only for emptied
 * (archived) leaves: for the others the tree's tile is the reference, and the recorded hash
 * is asked for only to tell "edited" from "reordered".
 */
async function readEntries(h: Transaction, log: string, after: number, size: number, highest: number, o: ReadOptions<unknown>): Promise<Page> {
  const cap = Math.max(0, Math.min(size, highest - after));
  const page: Page = {
    count: 0,
    indexes: new Float64Array(cap),
    hashes: Buffer.alloc(cap * HASH_SIZE),
    kind: new Uint8Array(cap),
    foreign: new Uint8Array(cap),
    leaves: o.keepLeaves ? [] : null,
  };
  const decoder = new BinaryCopyDecoder(3, (buf, at, len) => {
    const n = page.count;
    // (the primary key allows one row a leaf index; anything else is not what the query returns)
    if (n === cap || len[0] !== 8) throw new Error(`ledger verify: unexpected row ${n} in the page after ${after}`);
    page.indexes[n] = buf.readInt32BE(at[0]!) * 2 ** 32 + buf.readUInt32BE(at[0]! + 4);
    const l = len[1]!;
    if (l > 0) {
      buf[at[1]! - 1] = 0x00;
      const framed = buf.subarray(at[1]! - 1, at[1]! + l);
      page.hashes.set(sha256(framed), n * HASH_SIZE);
      if (o.belongs && !o.belongs(framed)) page.foreign[n] = 1;
      if (page.leaves) page.leaves[n] = framed.subarray(1);
    } else if (len[2] === HASH_SIZE) {
      page.kind[n] = ARCHIVED;
      buf.copy(page.hashes, n * HASH_SIZE, at[2]!, at[2]! + HASH_SIZE);
    } else {
      page.kind[n] = ERASED;
    }
    page.count++;
  });
  await h.copyOut(
    `SELECT e.leaf_index, q.leaf, CASE WHEN length(q.leaf) = 0 THEN q.leaf_hash END
       FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id
      WHERE e.custodian_code = ${sqlLiteral(log)} AND e.leaf_index > ${Math.trunc(after)} AND e.leaf_index <= ${Math.trunc(after + size)}
      ORDER BY e.leaf_index`,
    (chunk) => decoder.push(chunk),
  );
  decoder.end();
  return page;
}

/**
 * A page's entries, every stored level-0 tile (all widths) of its range and the application's
 * extra rows. Its statements run one after another on one handle: a connection answers one
 * statement at a time anyway, and a statement queued behind another is deprecated in pg 8 (an
 * error in pg 9).
 */
async function readPage<X>(h: Transaction, log: string, after: number, highest: number, o: ReadOptions<X>): Promise<PageRead<X>> {
  const page = await readEntries(h, log, after, o.pageSize, highest, o);
  const tiles = await h.query<{ tile_index: number; width: number; hashes: Uint8Array }>(
    `SELECT tile_index, width, hashes FROM ledger_tiles
      WHERE custodian_code = $1 AND level = 0 AND tile_index BETWEEN $2 AND $3 ORDER BY tile_index, width`,
    [log, Math.floor((after + 1) / TILE_WIDTH), Math.floor((after + o.pageSize) / TILE_WIDTH)],
  );
  const extra = o.extra ? await o.extra(h, after + 1, after + o.pageSize) : undefined;
  return { page, tiles: tiles.rows.map((t) => ({ level: 0, index: Number(t.tile_index), width: Number(t.width), hashes: bytes(t.hashes) })), extra };
}

/**
 * The pages of a log in order. Page k is read on handle k mod handles, and page k + handles is
 * asked for only once page k is taken, so each handle reads one page at a time while the caller
 * checks the oldest. `drain` waits out every read in flight: call it before using a handle for
 * anything else and before the transaction ends, so no statement reaches a finished transaction.
 */
export function pageReader<X>(log: string, snapshot: LogSnapshot, o: ReadOptions<X>) {
  const pageCount = snapshot.highest === null ? 0 : Math.floor(snapshot.highest / o.pageSize) + 1;
  const ahead: Promise<PageRead<X>>[] = [];
  let asked = 0;
  const askAhead = () => {
    while (ahead.length < o.handles.length && asked < pageCount) {
      const page = readPage(o.handles[asked % o.handles.length]!, log, asked * o.pageSize - 1, snapshot.highest!, o);
      page.catch(() => undefined); // a failure is reported where the page is awaited, not as unhandled
      ahead.push(page);
      asked++;
    }
  };
  return {
    /** The next page, or null after the last; the pages after it are asked for at once. */
    async next(): Promise<PageRead<X> | null> {
      askAhead();
      const page = ahead.shift();
      if (!page) return null;
      const read = await page;
      askAhead();
      return read;
    },
    async drain(): Promise<void> {
      await Promise.allSettled(ahead);
    },
  };
}

/** Stored tiles above level 0, in order. */
export async function readUpperTiles(q: Queryable, log: string): Promise<StoredTile[]> {
  const r = await q.query<{ level: number; tile_index: number; width: number; hashes: Uint8Array }>(
    'SELECT level, tile_index, width, hashes FROM ledger_tiles WHERE custodian_code = $1 AND level > 0 ORDER BY level, tile_index, width',
    [log],
  );
  return r.rows.map((t) => ({ level: Number(t.level), index: Number(t.tile_index), width: Number(t.width), hashes: bytes(t.hashes) }));
}

/** The widest stored width of every tile, by "level/index". */
export async function readStoredWidths(q: Queryable, log: string): Promise<Map<string, number>> {
  const r = await q.query<{ level: number; tile_index: number; width: number }>(
    'SELECT level, tile_index, max(width)::int AS width FROM ledger_tiles WHERE custodian_code = $1 GROUP BY level, tile_index',
    [log],
  );
  return new Map(r.rows.map((t) => [`${t.level}/${Number(t.tile_index)}`, Number(t.width)]));
}

/** Whether the leaf at `index` hashes to its recorded leaf hash (asked only when it is not the tree's). */
export async function hashesToRecorded(q: Queryable, log: string, index: number, h: Uint8Array): Promise<boolean> {
  const r = await q.query<{ leaf_hash: Uint8Array }>(
    'SELECT q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id WHERE e.custodian_code = $1 AND e.leaf_index = $2',
    [log, index],
  );
  return r.rows.length > 0 && bytes(r.rows[0]!.leaf_hash).equals(h);
}
