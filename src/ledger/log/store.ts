import type { Queryable } from '../../db/database.ts';
import type { NodeAccessor, NodeId } from './merkle.ts';
import type { TileCache } from './tile-cache.ts';
import { type NodeCache, type Tile, type TileId, tileNodeAccessor, tilesForNodes } from './tiles.ts';

/** bytea comes back as Buffer from pg and as Uint8Array from PGlite. */
export const bytes = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const key = (l: number, i: number, w: number) => `${l}/${i}/${w}`;

/** Hashes of complete subtrees rehashed from tiles: immutable, so shared by all proofs (bounded, FIFO). */
export class BoundedNodeCache implements NodeCache {
  private readonly nodes = new Map<string, Uint8Array>();
  constructor(private readonly max = 65_536) {}
  get(k: string): Uint8Array | undefined {
    return this.nodes.get(k);
  }
  set(k: string, hash: Uint8Array): void {
    if (this.nodes.size >= this.max) this.nodes.delete(this.nodes.keys().next().value!);
    this.nodes.set(k, hash);
  }
}

/** Loads the given tiles of a log in one query (those `cache` holds from it). */
export async function loadTiles(q: Queryable, log: string, wanted: readonly TileId[], cache?: TileCache): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  const ids = wanted.filter((t) => {
    const hit = cache?.get(`${log}/${key(t.level, t.index, t.width)}`);
    if (hit) found.set(key(t.level, t.index, t.width), hit);
    return !hit;
  });
  if (ids.length === 0) return found;
  if (ids.length === 1 && ids[0]!.width === 256) {
    // The usual miss of a proof: one full tile — a primary-key lookup, no join to plan.
    const t = ids[0]!;
    const r = await q.query<{ hashes: Uint8Array }>(
      'SELECT hashes FROM ledger_tiles WHERE custodian_code = $1 AND level = $2 AND tile_index = $3 AND width = 256',
      [log, t.level, t.index],
    );
    if (r.rows[0]) {
      const k = key(t.level, t.index, 256);
      found.set(k, bytes(r.rows[0].hashes));
      cache?.set(`${log}/${k}`, bytes(r.rows[0].hashes));
    }
    return found;
  }
  // Only the widths at batch ends are stored: take, per tile, the narrowest stored width that
  // holds the hashes wanted (a wider tile starts with the same hashes; the reader uses a prefix).
  const r = await q.query<{ level: number; tile_index: number; wanted: number; width: number; hashes: Uint8Array }>(
    `SELECT DISTINCT ON (w.level, w.tile_index) w.level, w.tile_index, w.wanted, t.width, t.hashes
       FROM unnest($2::int[], $3::bigint[], $4::int[]) AS w(level, tile_index, wanted)
       JOIN ledger_tiles t ON t.custodian_code = $1 AND t.level = w.level AND t.tile_index = w.tile_index AND t.width >= w.wanted
      ORDER BY w.level, w.tile_index, t.width`,
    [log, ids.map((t) => t.level), ids.map((t) => t.index), ids.map((t) => t.width)],
  );
  for (const t of r.rows) {
    const k = key(t.level, Number(t.tile_index), t.wanted);
    found.set(k, bytes(t.hashes));
    cache?.set(`${log}/${k}`, bytes(t.hashes));
  }
  return found;
}

/**
 * A node accessor for proofs over a tree of `size` leaves: it fetches exactly the tiles holding
 * the nodes the proof needs (a handful), then answers from memory — O(log n) work per proof.
 */
export async function accessorFor(
  q: Queryable,
  log: string,
  size: number,
  nodes: readonly NodeId[],
  cache?: TileCache,
  nodeCache?: NodeCache,
): Promise<NodeAccessor> {
  const tiles = await loadTiles(q, log, tilesForNodes(nodes, size), cache);
  return tileNodeAccessor(size, (l, i, w) => tiles.get(key(l, i, w)), nodeCache);
}

export async function writeTiles(tx: Queryable, log: string, tiles: readonly Tile[]): Promise<void> {
  if (tiles.length === 0) return;
  await tx.query(
    `INSERT INTO ledger_tiles (custodian_code, level, tile_index, width, hashes)
     SELECT $1, t.level, t.tile_index, t.width, decode(t.hashes, 'base64')
       FROM jsonb_to_recordset($2::jsonb) AS t(level int, tile_index bigint, width int, hashes text)
     ON CONFLICT DO NOTHING`,
    [log, JSON.stringify(tiles.map((t) => ({ level: t.level, tile_index: t.index, width: t.width, hashes: Buffer.from(t.data).toString('base64') })))],
  );
}
