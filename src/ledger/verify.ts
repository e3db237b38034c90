import { BinaryCopyDecoder, sqlLiteral } from '../db/copy.ts';
import type { Queryable, Transaction } from '../db/database.ts';
import { originOf } from './append.ts';
import { HASH_SIZE, nodeHash, sha256 } from './merkle.ts';
import { verifyNote } from './note.ts';
import { bytes } from './store.ts';
import { TILE_HEIGHT, TILE_WIDTH, tilesForSize } from './tiles.ts';

export interface Divergence {
  index: number | null;
  what: string;
}

export interface VerifyReport {
  log: string;
  entries: number;
  checkpoints: number;
  ok: boolean;
  /** The first place where history diverges, if any. */
  divergence: Divergence | null;
}

/** Leaf indexes a page covers: large pages, read ahead on every handle while the oldest is walked. */
const DEFAULT_PAGE = 50_000;
const TILE_BYTES = TILE_WIDTH * HASH_SIZE;
/** Views, never copies: Buffer#equals compares any Uint8Array in place. */
const eq = (a: Uint8Array, b: Uint8Array) => bytes(a).equals(b);

/**
 * The tree rebuilt left to right, once: a compact range (RFC 9162 §2.1.1; the roots of the
 * perfect subtrees making up the tree so far, largest first, O(log n) memory) whose every new
 * node of a Merkle level that is a multiple of 8 is also written to the C2SP tile holding it.
 * So the checkpoint roots and the expected tiles come from the same n − 1 interior hashes, not
 * from two passes. Level-0 tiles are released once checked; higher levels are 1/256 as many.
 */
class TreeBuilder {
  private readonly stack: { height: number; hash: Uint8Array }[] = [];
  /** Level-0 tiles by tile index (released once checked); higher levels by "level/index". */
  readonly leafTiles = new Map<number, Buffer>();
  private readonly upper = new Map<string, Buffer>();
  private current: Buffer | null = null;
  private currentIndex = -1;
  /** 0x01 ‖ left ‖ right, reused: one allocation a node hash fewer (a million of them). */
  private readonly input = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);
  size = 0;

  push(hash: Uint8Array): void {
    let node = { height: 0, hash };
    const n = this.size; // leaf index; the node of height k ending here has index (n + 1) / 2^k − 1
    const t = Math.floor(n / TILE_WIDTH);
    if (t !== this.currentIndex) {
      this.currentIndex = t;
      this.current = Buffer.alloc(TILE_BYTES);
      this.leafTiles.set(t, this.current);
    }
    this.current!.set(hash, (n % TILE_WIDTH) * HASH_SIZE);
    while (this.stack.length && this.stack.at(-1)!.height === node.height) {
      const left = this.stack.pop()!;
      this.input.set(left.hash, 1);
      this.input.set(node.hash, 1 + HASH_SIZE);
      node = { height: node.height + 1, hash: sha256(this.input) };
      if (node.height % TILE_HEIGHT === 0) this.record(node.height, (n + 1) / 2 ** node.height - 1, node.hash);
    }
    this.stack.push(node);
    this.size++;
  }

  private record(height: number, index: number, hash: Uint8Array): void {
    const key = `${height / TILE_HEIGHT}/${Math.floor(index / TILE_WIDTH)}`;
    let tile = this.upper.get(key);
    if (!tile) this.upper.set(key, (tile = Buffer.alloc(TILE_BYTES)));
    tile.set(hash, (index % TILE_WIDTH) * HASH_SIZE);
  }

  /** Hashes [0, count) of tile (level, index) as rebuilt so far, or null if it has fewer. */
  tile(level: number, index: number, count: number): Buffer | null {
    const hashes = Math.floor(this.size / TILE_WIDTH ** level) - index * TILE_WIDTH;
    if (hashes < count) return null;
    const data = level === 0 ? this.leafTiles.get(index) : this.upper.get(`${level}/${index}`);
    return data?.subarray(0, count * HASH_SIZE) ?? null;
  }

  root(): Uint8Array {
    let acc = this.stack.at(-1)!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc);
    return acc;
  }
}

interface StoredTile {
  level: number;
  index: number;
  width: number;
  hashes: Buffer;
}

/** A stored tile must be exactly the tree's hashes at its place: a swapped or forged tile changes proofs. */
function tileDivergence(t: StoredTile, want: Buffer | null): Divergence | null {
  if (t.hashes.length !== t.width * HASH_SIZE) return { index: null, what: `stored tile ${t.level}/${t.index} (width ${t.width}) has ${t.hashes.length} bytes` };
  if (want && want.equals(t.hashes)) return null;
  let j = 0;
  while (want && j < t.width && eq(want.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE), t.hashes.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE))) j++;
  const index = t.level === 0 ? t.index * TILE_WIDTH + j : null;
  return { index, what: `stored tile ${t.level}/${t.index} (width ${t.width}) differs from the tree the entries make${index !== null ? ` at entry ${index} (entries reordered or tile forged)` : ''}` };
}

export interface VerifyOptions {
  /** Leaf indexes per page (default 50,000; the tests use small pages to cross page boundaries). */
  pageSize?: number;
  /**
   * Also compare every search copy (ledger_search, R-4.5) with its leaf. Off by default: it is a
   * derived index that the integrator fills from the leaves and that can be rebuilt from them,
   * not part of what the tree commits to, and checking it costs about a third of verify's time.
   */
  searchCopies?: boolean;
  /**
   * More handles on the same snapshot (`withSnapshotReaders`): pages are read round-robin on
   * `q` and these, so several server backends read while this process hashes.
   */
  readers?: Transaction[];
}

/** What a page row's leaf is: content to hash, or emptied by an archive (its hash recorded), or neither. */
const LEAF = 0;
const ARCHIVED = 1;
const ERASED = 2;

/**
 * One page of entries (a leaf-index range), hashed while it streamed in and walked in order
 * afterwards: column arrays, not an object an entry, so a page costs 42 bytes an entry (plus the
 * leaves themselves only when search copies are compared).
 */
interface Page {
  count: number;
  indexes: Float64Array;
  /** SHA-256(0x00 ‖ leaf), or the recorded hash of an archived leaf; 32 bytes a row. */
  hashes: Buffer;
  kind: Uint8Array;
  /** 1: the leaf is not of this log. */
  foreign: Uint8Array;
  /** The leaves, kept only for `searchCopies`. */
  leaves: Buffer[] | null;
}

/**
 * Recomputes a log from its rows: every leaf hash from the leaf bytes, the order of the leaves,
 * every stored tile, every checkpoint root and signature (with the log key, which lives outside
 * the database), and the search copies (R-4.5) against the leaves. Stops at, and names, the
 * first divergence. Run it in one REPEATABLE READ transaction (the service does) so that the
 * pages, tiles and checkpoints are one snapshot of a log that keeps growing meanwhile.
 */
export async function verifyLog(q: Transaction, log: string, verifierKey: string, progress?: (done: number, total: number) => void, options: VerifyOptions = {}): Promise<VerifyReport> {
  const PAGE = options.pageSize ?? DEFAULT_PAGE;
  const counted = (await q.query<{ n: number; hi: number | null }>('SELECT count(*)::bigint AS n, max(leaf_index) AS hi FROM ledger_entries WHERE custodian_code = $1', [log])).rows[0]!;
  const total = Number(counted.n);
  /** Pages are leaf-index ranges [k·PAGE, (k+1)·PAGE) up to the highest stored index: known in advance, so several can be read at once. */
  const pageCount = counted.hi === null ? 0 : Math.floor(Number(counted.hi) / PAGE) + 1;
  const handles: Transaction[] = [q, ...(options.readers ?? [])];
  // A page is an index range walked in leaf order: an index scan of the entries joined to their
  // queue rows one by one. COPY takes no parameters, and with literal bounds the planner prices
  // a large range as a hash join over a sequential scan of the whole queue (every page reading
  // every leaf of every log) or splits it across parallel workers that sort their shares on
  // disk; JIT compiling the page's expressions costs more than it saves. This transaction only
  // reads pages, so those plans are switched off for it alone.
  for (const h of handles) await h.exec('SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off');
  const cps = (await q.query<{ tree_size: number; root_hash: Uint8Array; note: string }>(
    'SELECT tree_size, root_hash, note FROM ledger_checkpoints WHERE custodian_code = $1 ORDER BY tree_size', [log],
  )).rows.map((c) => ({ size: Number(c.tree_size), root: bytes(c.root_hash), note: c.note }));
  const report = (divergence: Divergence | null): VerifyReport => ({ log, entries: total, checkpoints: cps.length, ok: divergence === null, divergence });

  for (const c of cps) {
    try {
      const v = verifyNote(c.note, [verifierKey], { origin: originOf(log) });
      if (v.checkpoint.size !== c.size || !eq(v.checkpoint.rootHash, c.root)) return report({ index: null, what: `checkpoint ${c.size}: the signed note does not match the stored size/root` });
    } catch (err) {
      return report({ index: null, what: `checkpoint ${c.size}: signature does not verify (${(err as Error).message})` });
    }
  }

  const archivedUpTo = Number((await q.query<{ n: number }>('SELECT COALESCE(max(up_to_index), 0)::bigint AS n FROM ledger_archives WHERE custodian_code = $1', [log])).rows[0]!.n);
  // The leaf's own log, checked on its bytes: in RFC 8785 JSON the top-level "log" member is the
  // first `"log":` (members before it — agreement_ids, dataset, form, gateway_instance — hold only
  // strings, whose quotes are escaped). A leaf failing this fast test is parsed to be sure.
  const logKey = Buffer.from('"log":');
  const logMember = Buffer.from(`"log":${JSON.stringify(log)},`);
  /** On 0x00 ‖ leaf (no view of the leaf alone is made for the million leaves that pass). */
  const belongs = (framed: Buffer): boolean => {
    const at = framed.indexOf(logKey, 1);
    if (at >= 0 && framed.compare(logMember, 0, logMember.length, at, at + logMember.length) === 0) return true;
    try {
      return (JSON.parse(framed.toString('utf8', 1)) as { log?: unknown }).log === log;
    } catch {
      return false;
    }
  };
  /**
   * The entries of leaf indexes (after, after + PAGE], in leaf order, as binary COPY: each leaf
   * arrives as its bytes (no hex, no text conversion, no result row to build) and is hashed as soon
   * as its row is complete, while the server is still sending the rest. The 0x00 prefix of the
   * leaf hash is written over the last byte of the leaf's length field, so SHA-256(0x00 ‖ leaf)
   * is taken on the received buffer in place. The recorded hash travels only for emptied
   * (archived) leaves: for the others the tree's tile is the reference, and the recorded hash
   * is asked for only to tell "edited" from "reordered".
   */
  const entries = async (h: Transaction, after: number): Promise<Page> => {
    const cap = Math.max(0, Math.min(PAGE, Number(counted.hi) - after));
    const page: Page = {
      count: 0, indexes: new Float64Array(cap), hashes: Buffer.alloc(cap * HASH_SIZE), kind: new Uint8Array(cap), foreign: new Uint8Array(cap),
      leaves: options.searchCopies ? [] : null,
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
        if (!belongs(framed)) page.foreign[n] = 1;
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
        WHERE e.custodian_code = ${sqlLiteral(log)} AND e.leaf_index > ${Math.trunc(after)} AND e.leaf_index <= ${Math.trunc(after + PAGE)}
        ORDER BY e.leaf_index`,
      (chunk) => decoder.push(chunk),
    );
    decoder.end();
    return page;
  };
  // Pages of leaf indexes (after, after + PAGE], each with every stored level-0 tile (all widths)
  // of its range and the search copies of the same leaf indexes.
  // The page's statements run one after another on one handle: a connection answers one
  // statement at a time anyway, and a statement queued behind another is deprecated in pg 8 (an
  // error in pg 9). Each handle has at most one page in flight (see `ahead`), and every promise
  // settles before verify returns, so none reaches a connection after its transaction has ended.
  const fetchPage = async (q: Transaction, after: number): Promise<[Page, { rows: { tile_index: number; width: number; hashes: Uint8Array }[] }, { rows: SearchRow[] }]> => {
    const page = await entries(q, after);
    const tiles = await q.query<{ tile_index: number; width: number; hashes: Uint8Array }>(
      `SELECT tile_index, width, hashes FROM ledger_tiles
        WHERE custodian_code = $1 AND level = 0 AND tile_index BETWEEN $2 AND $3 ORDER BY tile_index, width`,
      [log, Math.floor((after + 1) / TILE_WIDTH), Math.floor((after + PAGE) / TILE_WIDTH)],
    );
    const search = !options.searchCopies ? { rows: [] as SearchRow[] } : await q.query<SearchRow>(
      `SELECT leaf_index, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS requested_at, requester_agency, requester_system,
              dataset_code, array_to_json(record_keys)::text AS record_keys, status
         FROM ledger_search WHERE custodian_code = $1 AND leaf_index BETWEEN $2 AND $3 ORDER BY leaf_index`,
      [log, after + 1, after + PAGE],
    );
    return [page, tiles, search];
  };
  /**
   * Pages asked for and not yet walked, in order: page k is read on handle k mod handles, and page
   * k + handles is asked for only once page k is taken, so each handle reads one page at a time
   * while this process hashes the oldest.
   */
  const ahead: ReturnType<typeof fetchPage>[] = [];
  let asked = 0;
  const askAhead = () => {
    while (ahead.length < handles.length && asked < pageCount) {
      const page = fetchPage(handles[asked % handles.length]!, asked * PAGE - 1);
      page.catch(() => undefined); // a failure is reported where the page is awaited, not as unhandled
      ahead.push(page);
      asked++;
    }
  };
  /** Waits out every read in flight (before `q` is used for anything else, and before returning). */
  const drain = async () => {
    await Promise.allSettled(ahead);
  };
  try {
    return await walk();
  } finally {
    await drain();
  }

  async function walk(): Promise<VerifyReport> {
    const tree = new TreeBuilder();
    /** Widest stored level-0 tile per tile index: the leaf order the tree committed to. */
    const widest = new Map<number, Buffer>();
    /** Stored level-0 tiles not yet compared, by the number of leaves that completes them. */
    const dueAt = new Map<number, StoredTile[]>();
    let cp = 0;
    /** The widest stored level-0 tile holding the current leaf (looked up once a tile). */
    let tile: Buffer | undefined;
    askAhead();
    while (ahead.length) {
      const [page, tilePage, searchPage] = await ahead.shift()!;
      const first = tree.size;
      const search: (SearchRow | undefined)[] = [];
      for (const r of searchPage.rows) search[Number(r.leaf_index) - first] = r;
      // Ask for the next pages now: the database reads them while this one is hashed.
      askAhead();
      // A range with no entry below the highest stored one: entries deleted.
      if (page.count === 0) return report({ index: tree.size, what: `entry ${tree.size} is missing` });
      for (const t of tilePage.rows) {
        const st = { level: 0, index: Number(t.tile_index), width: Number(t.width), hashes: bytes(t.hashes) };
        if (st.index * TILE_WIDTH + st.width <= tree.size) continue; // compared already (a page overlap)
        const end = st.index * TILE_WIDTH + st.width;
        (dueAt.get(end) ?? dueAt.set(end, []).get(end)!).push(st);
        if ((widest.get(st.index)?.length ?? 0) < st.hashes.length) widest.set(st.index, st.hashes);
      }
      tile = undefined;
      for (let k = 0; k < page.count; k++) {
        const i = tree.size;
        if (page.indexes[k] !== i) return report({ index: i, what: `entry ${i} is missing (next stored index is ${page.indexes[k]})` });
        const kind = page.kind[k];
        // Archived (R-17.1): the leaf lives in the archive bundle; its hash must still be the tree's.
        if (kind !== LEAF && i >= archivedUpTo) return report({ index: i, what: `entry ${i} has no content and is not archived (erased)` });
        if (kind === ERASED) return report({ index: i, what: `entry ${i} has no content and no recorded hash` });
        const h = page.hashes.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE);
        if (i % TILE_WIDTH === 0 || tile === undefined) tile = widest.get(Math.floor(i / TILE_WIDTH));
        const slot = (i % TILE_WIDTH) * HASH_SIZE;
        if (!tile || tile.length < slot + HASH_SIZE) return report({ index: i, what: `entry ${i} is in no tile of the tree (inserted behind the integrator)` });
        if (tile.compare(h, 0, HASH_SIZE, slot, slot + HASH_SIZE) !== 0) {
          // (the reads ahead settle first: one statement at a time on a connection)
          if (kind === LEAF) await drain();
          if (kind === LEAF && !(await hashesToRecorded(q, log, i, h))) return report({ index: i, what: `entry ${i}: its content does not hash to its recorded leaf hash (edited)` });
          return report({ index: i, what: `entry ${i} is not the leaf the tree holds at that position (entries reordered or replaced)` });
        }
        // Only once the leaf is the tree's (an edited leaf is named as such above).
        if (page.foreign[k]) return report({ index: i, what: `entry ${i} belongs to another log` });
        if (options.searchCopies && kind === LEAF) {
          const copy = search[i - first];
          if (!copy) return report({ index: i, what: `entry ${i} has no search copy (ledger_search)` });
          if (!searchMatches(page.leaves![k]!, copy)) return report({ index: i, what: `entry ${i}: its search copy (ledger_search) does not match the leaf` });
        }
        tree.push(h);
        const due = dueAt.get(i + 1);
        if (due) {
          for (const st of due) {
            const d = tileDivergence(st, tree.tile(0, st.index, st.width));
            if (d) return report(d);
          }
          dueAt.delete(i + 1);
        }
        if ((i + 1) % TILE_WIDTH === 0) {
          // Level-0 tile complete and all its stored widths compared: release it.
          tree.leafTiles.delete((i + 1) / TILE_WIDTH - 1);
          widest.delete((i + 1) / TILE_WIDTH - 1);
          tile = undefined;
        }
        while (cp < cps.length && cps[cp]!.size === i + 1) {
          if (!eq(tree.root(), cps[cp]!.root)) return report({ index: i, what: `the tree of size ${i + 1} does not match its signed checkpoint` });
          cp++;
        }
      }
      progress?.(tree.size, total);
    }
    const n = tree.size;
    const beyond = cps.find((c) => c.size > n);
    if (beyond) return report({ index: n, what: `checkpoint ${beyond.size} covers entries that are missing (the log has ${n})` });
    // Level-0 tiles that reach past the last entry, then every higher-level tile.
    for (const [, tiles] of [...dueAt].sort((a, b) => a[0] - b[0])) {
      for (const st of tiles) {
        const d = tileDivergence(st, tree.tile(0, st.index, st.width));
        if (d) return report(d);
      }
    }
    const upper = await q.query<{ level: number; tile_index: number; width: number; hashes: Uint8Array }>(
      'SELECT level, tile_index, width, hashes FROM ledger_tiles WHERE custodian_code = $1 AND level > 0 ORDER BY level, tile_index, width', [log],
    );
    for (const t of upper.rows) {
      const st = { level: Number(t.level), index: Number(t.tile_index), width: Number(t.width), hashes: bytes(t.hashes) };
      const d = tileDivergence(st, tree.tile(st.level, st.index, st.width));
      if (d) return report(d);
    }
    // Every tile the tree has must be stored (a deleted tile row breaks proofs).
    const missing = await missingTile(q, log, n);
    if (missing) return report(missing);
    if (!options.searchCopies) return report(null);
    const extra = await q.query<{ i: number | null }>('SELECT min(leaf_index) AS i FROM ledger_search WHERE custodian_code = $1 AND leaf_index >= $2', [log, n]);
    if (extra.rows[0]!.i !== null) return report({ index: Number(extra.rows[0]!.i), what: `search row ${extra.rows[0]!.i} has no entry` });
    return report(null);
  }
}

/** Every tile a tree of `size` leaves has must be stored at its width (a deleted tile row breaks proofs). */
async function missingTile(q: Queryable, log: string, size: number): Promise<Divergence | null> {
  const r = await q.query<{ level: number; tile_index: number; width: number }>(
    'SELECT level, tile_index, max(width)::int AS width FROM ledger_tiles WHERE custodian_code = $1 GROUP BY level, tile_index', [log],
  );
  const stored = new Map(r.rows.map((t) => [`${t.level}/${Number(t.tile_index)}`, Number(t.width)]));
  for (const t of tilesForSize(size)) {
    if ((stored.get(`${t.level}/${t.index}`) ?? 0) < t.width) return { index: t.level === 0 ? t.index * TILE_WIDTH : null, what: `tile ${t.level}/${t.index} (width ${t.width}) of the tree is not stored` };
  }
  return null;
}

/** Whether the leaf at `index` hashes to its recorded leaf hash (asked only when it is not the tree's). */
async function hashesToRecorded(q: Queryable, log: string, index: number, h: Uint8Array): Promise<boolean> {
  const r = await q.query<{ leaf_hash: Uint8Array }>(
    'SELECT q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id WHERE e.custodian_code = $1 AND e.leaf_index = $2', [log, index],
  );
  return r.rows.length > 0 && eq(h, r.rows[0]!.leaf_hash);
}

interface SearchRow {
  leaf_index: number;
  /** formatted as JavaScript's toISOString, the form entries carry */
  requested_at: string;
  requester_agency: string | null;
  requester_system: string | null;
  dataset_code: string | null;
  /** JSON text */
  record_keys: string;
  status: number;
}

const J = JSON.stringify;

const scratch = Buffer.alloc(64 * 1024);
/** `expected` is in `leaf` at byte `pos` (compared through a reused buffer: no allocation a field). */
function at(leaf: Buffer, pos: number, expected: string): boolean {
  if (pos < 0 || expected.length * 3 > scratch.length) return false;
  const n = scratch.write(expected, 0, 'utf8');
  return leaf.compare(scratch, 0, n, pos, pos + n) === 0;
}
const KEY = {
  dataset: Buffer.from('"dataset":'), recordKeys: Buffer.from('"record_keys":'), requestedAt: Buffer.from('"requested_at":'),
  agency: Buffer.from('"agency":'), status: Buffer.from('"status":'),
};

/**
 * R-4.5: the search copy must say what the leaf says — an edited copy would answer "who received
 * record X" falsely. The leaf is RFC 8785 JSON (its hash was just checked against the tree), so
 * each member has one spelling at one place: members before `request` are the first occurrence of
 * their key (only strings come before them, whose quotes are escaped), members after it the last
 * (only strings, `requester` and `response` follow `request`, whose `query` may hold any key).
 * Comparing those bytes costs a few searches a leaf where JSON.parse cost 8 µs; a leaf that does
 * not match them (another time format, say) is parsed and compared field by field.
 */
function searchMatches(leaf: Buffer, s: SearchRow): boolean {
  if (at(leaf, leaf.indexOf(KEY.dataset), `"dataset":${J(s.dataset_code)},"form":`)
    && at(leaf, leaf.indexOf(KEY.recordKeys), `"record_keys":${s.record_keys},"request":`)
    && at(leaf, leaf.lastIndexOf(KEY.requestedAt), `"requested_at":${J(s.requested_at)},"requester":`)
    && at(leaf, leaf.lastIndexOf(KEY.agency), `"agency":${J(s.requester_agency)},"system":${J(s.requester_system)}},"responded_at":`)
    && at(leaf, leaf.lastIndexOf(KEY.status), `"status":${s.status}},"trace_id":`)) return true;
  try {
    const e = JSON.parse(leaf.toString('utf8')) as { requested_at: string; requester: { agency: string | null; system: string | null }; dataset: string | null; record_keys: string[]; response: { status: number } };
    return Date.parse(e.requested_at) === Date.parse(s.requested_at) && e.requester.agency === s.requester_agency && e.requester.system === s.requester_system
      && e.dataset === s.dataset_code && J(e.record_keys) === J(JSON.parse(s.record_keys)) && e.response.status === Number(s.status);
  } catch {
    return false;
  }
}
