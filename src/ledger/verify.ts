import type { Queryable } from '../db/database.ts';
import { originOf } from './append.ts';
import { HASH_SIZE, leafHash, nodeHash } from './merkle.ts';
import { verifyNote } from './note.ts';
import { bytes } from './store.ts';
import { TILE_WIDTH, appendToTiles, tilesForSize } from './tiles.ts';

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

const PAGE = 10_000;
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Compact range (RFC 9162 §2.1.1 built left to right): the roots of the perfect subtrees that
 * make up the tree so far, largest first. O(log n) memory; the root at any size is their fold.
 */
class CompactRange {
  private stack: { height: number; hash: Uint8Array }[] = [];
  push(hash: Uint8Array): void {
    let node = { height: 0, hash };
    while (this.stack.length && this.stack.at(-1)!.height === node.height) {
      const left = this.stack.pop()!;
      node = { height: node.height + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
  }
  root(): Uint8Array {
    let acc = this.stack.at(-1)!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc);
    return acc;
  }
}

/**
 * Recomputes a log from its rows: every leaf hash from the leaf bytes, the order of the leaves,
 * every stored tile, every checkpoint root and signature (with the log key, which lives outside
 * the database). Stops at, and names, the first divergence.
 */
export async function verifyLog(q: Queryable, log: string, verifierKey: string, progress?: (done: number, total: number) => void): Promise<VerifyReport> {
  const total = Number((await q.query<{ n: number }>('SELECT count(*)::bigint AS n FROM ledger_entries WHERE custodian_code = $1', [log])).rows[0]!.n);
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
  const leaves: Uint8Array[] = [];
  const range = new CompactRange();
  let cp = 0;
  for (let from = 0; from < total; from += PAGE) {
    const rows = (await q.query<{ leaf_index: number; leaf: Uint8Array; leaf_hash: Uint8Array }>(
      `SELECT e.leaf_index, q.leaf, q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id
        WHERE e.custodian_code = $1 AND e.leaf_index >= $2 ORDER BY e.leaf_index LIMIT $3`,
      [log, from, PAGE],
    )).rows;
    const tiles = await levelZeroTiles(q, log, from, from + rows.length);
    for (const r of rows) {
      const i = leaves.length;
      if (Number(r.leaf_index) !== i) return report({ index: i, what: `entry ${i} is missing (next stored index is ${r.leaf_index})` });
      let h: Uint8Array;
      if (bytes(r.leaf).length === 0) {
        // Archived (R-17.1): the leaf lives in the archive bundle; its hash must still be the tree's.
        if (i >= archivedUpTo) return report({ index: i, what: `entry ${i} has no content and is not archived (erased)` });
        h = bytes(r.leaf_hash);
      } else {
        h = leafHash(bytes(r.leaf));
        if (!eq(h, bytes(r.leaf_hash))) return report({ index: i, what: `entry ${i}: its content does not hash to its recorded leaf hash (edited)` });
        const parsed = JSON.parse(bytes(r.leaf).toString('utf8')) as { log?: string };
        if (parsed.log !== log) return report({ index: i, what: `entry ${i} belongs to log ${String(parsed.log)}` });
      }
      const tile = tiles.get(Math.floor(i / TILE_WIDTH));
      const inTree = tile && tile.length >= ((i % TILE_WIDTH) + 1) * HASH_SIZE ? tile.subarray((i % TILE_WIDTH) * HASH_SIZE, ((i % TILE_WIDTH) + 1) * HASH_SIZE) : null;
      if (!inTree) return report({ index: i, what: `entry ${i} is in no tile of the tree (inserted behind the integrator)` });
      if (!eq(inTree, h)) return report({ index: i, what: `entry ${i} is not the leaf the tree holds at that position (entries reordered or replaced)` });
      leaves.push(h);
      range.push(h);
      while (cp < cps.length && cps[cp]!.size === i + 1) {
        if (!eq(range.root(), cps[cp]!.root)) return report({ index: i, what: `the tree of size ${i + 1} does not match its signed checkpoint` });
        cp++;
      }
    }
    if (rows.length === 0) return report({ index: leaves.length, what: `entry ${leaves.length} is missing` });
    progress?.(leaves.length, total);
  }
  const beyond = cps.find((c) => c.size > leaves.length);
  if (beyond) return report({ index: leaves.length, what: `checkpoint ${beyond.size} covers entries that are missing (the log has ${leaves.length})` });
  return report(await checkTiles(q, log, leaves));
}

/** The widest stored level-0 tile for each tile index covering leaves [from, to): the leaf order the tree committed to. */
async function levelZeroTiles(q: Queryable, log: string, from: number, to: number): Promise<Map<number, Uint8Array>> {
  const r = await q.query<{ tile_index: number; hashes: Uint8Array }>(
    `SELECT DISTINCT ON (tile_index) tile_index, hashes FROM ledger_tiles
      WHERE custodian_code = $1 AND level = 0 AND tile_index BETWEEN $2 AND $3 ORDER BY tile_index, width DESC`,
    [log, Math.floor(from / TILE_WIDTH), Math.floor(Math.max(from, to - 1) / TILE_WIDTH)],
  );
  return new Map(r.rows.map((t) => [Number(t.tile_index), bytes(t.hashes)]));
}

/** Stored tiles must equal those recomputed from the leaves: a swapped or forged tile changes proofs. */
async function checkTiles(q: Queryable, log: string, leaves: Uint8Array[]): Promise<Divergence | null> {
  if (leaves.length === 0) return null;
  const expected = new Map(appendToTiles(0, leaves, () => undefined).tiles.map((t) => [`${t.level}/${t.index}`, t.data]));
  const full = tilesForSize(leaves.length);
  for (const t of full) if (!expected.has(`${t.level}/${t.index}`)) return { index: null, what: `tile ${t.level}/${t.index} was not recomputed` };
  const stored = await q.query<{ level: number; tile_index: number; width: number; hashes: Uint8Array }>(
    'SELECT level, tile_index, width, hashes FROM ledger_tiles WHERE custodian_code = $1 ORDER BY level, tile_index, width', [log],
  );
  for (const t of stored.rows) {
    const want = expected.get(`${t.level}/${Number(t.tile_index)}`);
    const got = bytes(t.hashes);
    if (!want || want.length < got.length || !eq(want.subarray(0, got.length), got)) {
      const hashes = got.length / HASH_SIZE;
      let j = 0;
      while (want && j < hashes && eq(want.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE), got.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE))) j++;
      const index = t.level === 0 ? Number(t.tile_index) * TILE_WIDTH + j : null;
      return { index, what: `stored tile ${t.level}/${t.tile_index} (width ${t.width}) differs from the tree the entries make${index !== null ? ` at entry ${index} (entries reordered or tile forged)` : ''}` };
    }
  }
  return null;
}
