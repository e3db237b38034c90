import type { Queryable } from '../db/database.ts';
import type { NodeAccessor, NodeId } from './merkle.ts';
import { type Tile, type TileId, tileNodeAccessor, tilesForNodes } from './tiles.ts';

/** bytea comes back as Buffer from pg and as Uint8Array from PGlite. */
export const bytes = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const key = (l: number, i: number, w: number) => `${l}/${i}/${w}`;

/** Loads the given tiles of a log in one query. */
export async function loadTiles(q: Queryable, log: string, ids: readonly TileId[]): Promise<Map<string, Uint8Array>> {
  if (ids.length === 0) return new Map();
  const r = await q.query<{ level: number; tile_index: number; width: number; hashes: Uint8Array }>(
    `SELECT level, tile_index, width, hashes FROM ledger_tiles
      WHERE custodian_code = $1 AND (level, tile_index, width) IN (SELECT * FROM unnest($2::int[], $3::bigint[], $4::int[]))`,
    [log, ids.map((t) => t.level), ids.map((t) => t.index), ids.map((t) => t.width)],
  );
  return new Map(r.rows.map((t) => [key(t.level, Number(t.tile_index), t.width), bytes(t.hashes)]));
}

/**
 * A node accessor for proofs over a tree of `size` leaves: it fetches exactly the tiles holding
 * the nodes the proof needs (a handful), then answers from memory — O(log n) work per proof.
 */
export async function accessorFor(q: Queryable, log: string, size: number, nodes: readonly NodeId[]): Promise<NodeAccessor> {
  const tiles = await loadTiles(q, log, tilesForNodes(nodes, size));
  return tileNodeAccessor(size, (l, i, w) => tiles.get(key(l, i, w)));
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
