import { HASH_SIZE, nodeHash, sha256, rootFromAccessor, type NodeAccessor, type NodeId } from './merkle.ts';

/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles, §"Merkle Tree"): the tree stored as tiles of
 * height 8. Tile `n` at tile level `L` holds up to 256 consecutive hashes of Merkle level 8L:
 *   MTH(D[(n·256 + i)·256^L : (n·256 + i + 1)·256^L]),  i = 0 … 255
 * so level 0 holds leaf hashes and each hash at level L ≥ 1 is the root of a full tile below.
 * A full tile is 256 hashes (8 KiB) and never changes; the right edge is made of partial tiles
 * (`.p/W`, 1 ≤ W ≤ 255 hashes) that are replaced by wider ones as the log grows.
 *
 * Pure arithmetic and hashing: storage is the caller's `TileReader`. Readers are synchronous, so
 * a database-backed caller first works out which tiles it needs (`tilesForNodes`,
 * `partialTiles`), fetches them in one query, then calls in here.
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileId {
  /** tile level L (0 … 63): hashes of Merkle level 8L */
  level: number;
  /** tile index N within its level */
  index: number;
  /** number of hashes, 1 … 256 (256 = full tile) */
  width: number;
}

export interface Tile extends TileId {
  /** `width` concatenated 32-byte hashes */
  data: Uint8Array;
}

/**
 * Returns tile (level, index) holding at least `width` hashes, or undefined if it is not stored.
 * A wider version (a later partial tile, or the full tile) is fine: tiles only ever grow by
 * appending, so its first `width` hashes are the ones asked for.
 */
export type TileReader = (level: number, index: number, width: number) => Uint8Array | undefined;

/** Hashes at tile level L in a tree of `size` leaves: floor(size / 256^L). */
function hashesAtLevel(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Width of tile (level, index) in a tree of `size` leaves; 0 if the tree has no such tile. */
export function tileWidth(level: number, index: number, size: number): number {
  const count = hashesAtLevel(level, size);
  const full = Math.floor(count / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  return index === full ? count % TILE_WIDTH : 0;
}

/**
 * Every tile of a tree of `size` leaves, level by level: the full ones and, per level, the
 * partial one of width floor(size / 256^L) mod 256 when that is not 0 (spec §"Partial Tiles").
 */
export function tilesForSize(size: number): TileId[] {
  const tiles: TileId[] = [];
  for (let level = 0; hashesAtLevel(level, size) > 0; level++) {
    const count = hashesAtLevel(level, size);
    const full = Math.floor(count / TILE_WIDTH);
    for (let index = 0; index < full; index++) tiles.push({ level, index, width: TILE_WIDTH });
    if (count % TILE_WIDTH > 0) tiles.push({ level, index: full, width: count % TILE_WIDTH });
  }
  return tiles;
}

/** The partial tiles of a tree of `size` leaves: what `appendToTiles` reads (at most one a level). */
export function partialTiles(size: number): TileId[] {
  return tilesForSize(size).filter((t) => t.width < TILE_WIDTH);
}

// ——— paths: tile/<L>/<N>[.p/<W>] ———

/** <N> as zero-padded 3-digit path elements, all but the last prefixed with x: 1234067 → x001/x234/067. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad tile index ${index}`);
  const digits = String(index);
  const padded = digits.padStart(Math.max(3, Math.ceil(digits.length / 3) * 3), '0');
  const groups = padded.match(/\d{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function tilePath(tile: TileId): string {
  const base = `tile/${tile.level}/${encodeTileIndex(tile.index)}`;
  return tile.width === TILE_WIDTH ? base : `${base}.p/${tile.width}`;
}

const TILE_PATH = /^tile\/(0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parses a tile path; throws on anything that is not the one canonical spelling of a tile. */
export function parseTilePath(path: string): TileId {
  const m = TILE_PATH.exec(path);
  if (!m) throw new Error(`not a tile path: ${path}`);
  const level = Number(m[1]);
  const index = Number(m[2]!.replaceAll('x', '').replaceAll('/', ''));
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (level > 63 || width > TILE_WIDTH || (m[3] !== undefined && width === TILE_WIDTH) || !Number.isSafeInteger(index)) {
    throw new Error(`not a tile path: ${path}`);
  }
  const tile = { level, index, width };
  if (tilePath(tile) !== path) throw new Error(`not a canonical tile path: ${path}`); // e.g. x000/001
  return tile;
}

// ——— where a complete subtree lives ———

export interface NodeInTile {
  tile: { level: number; index: number };
  /** height of the node above the tile's hashes (0 … 7) */
  height: number;
  /** first tile hash under the node, and how many (2^height) */
  start: number;
  count: number;
}

/**
 * Node (level l, index i) = subtree of height s = l mod 8 over hashes [i·2^s, (i+1)·2^s) of tile
 * level floor(l / 8). Aligned, so those hashes never straddle two tiles.
 */
export function nodeTile(level: number, index: number): NodeInTile {
  const height = level % TILE_HEIGHT;
  const first = index * 2 ** height;
  return {
    tile: { level: (level - height) / TILE_HEIGHT, index: Math.floor(first / TILE_WIDTH) },
    height,
    start: first % TILE_WIDTH,
    count: 2 ** height,
  };
}

/** The tiles (at their width in a tree of `size` leaves) that hold the given complete subtrees. */
export function tilesForNodes(nodes: readonly NodeId[], size: number): TileId[] {
  const tiles = new Map<string, TileId>();
  for (const node of nodes) {
    if ((node.index + 1) * 2 ** node.level > size) throw new RangeError(`node ${node.level}/${node.index} is not complete in a tree of ${size} leaves`);
    const { tile } = nodeTile(node.level, node.index);
    const width = tileWidth(tile.level, tile.index, size);
    tiles.set(`${tile.level}/${tile.index}`, { ...tile, width });
  }
  return [...tiles.values()];
}

// ——— reading the tree back from tiles ———

function hashAt(data: Uint8Array, i: number): Uint8Array {
  return data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

// ——— expanded tiles: a full tile with every node of its subtree ———

/** 256 tile hashes, then the 128 nodes one level up, … then the tile's root: 511 hashes. */
export const EXPANDED_TILE_BYTES = (2 * TILE_WIDTH - 1) * HASH_SIZE;
/** First hash of the row `height` levels above the tile's hashes, in an expanded tile. */
const rowStart = (height: number) => 2 * TILE_WIDTH - (2 * TILE_WIDTH) / 2 ** height;

/**
 * A full tile with the 255 nodes above its hashes computed once (twice its size): a proof then
 * reads its siblings instead of rehashing ~250 of them — kept for tiles a process holds in memory
 * (tile-cache.ts), where the same tile serves many proofs and the garbage of those hashes would
 * otherwise show up as collector pauses in the proof latency.
 */
export function expandTile(data: Uint8Array): Buffer {
  if (data.length !== TILE_WIDTH * HASH_SIZE) throw new RangeError(`a full tile has ${TILE_WIDTH * HASH_SIZE} bytes, not ${data.length}`);
  const out = Buffer.allocUnsafe(EXPANDED_TILE_BYTES);
  out.set(data, 0);
  const input = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01); // 0x01 ‖ left ‖ right (RFC 9162 §2.1.1)
  for (let h = 1; h <= TILE_HEIGHT; h++) {
    const below = rowStart(h - 1);
    const row = rowStart(h);
    for (let i = 0; i < TILE_WIDTH / 2 ** h; i++) {
      out.copy(input, 1, (below + 2 * i) * HASH_SIZE, (below + 2 * i + 2) * HASH_SIZE);
      out.set(sha256(input), (row + i) * HASH_SIZE);
    }
  }
  return out;
}

/** Reads a tile and checks it has the hashes asked for; only the first `width` are kept (a full expanded tile stays whole). */
function readWidth(readTile: TileReader, level: number, index: number, width: number): Uint8Array {
  const data = readTile(level, index, width);
  const where = tilePath({ level, index, width });
  if (!data) throw new Error(`${where} is not stored`);
  if (width === TILE_WIDTH && data.length === EXPANDED_TILE_BYTES) return data;
  if (data.length < width * HASH_SIZE || data.length % HASH_SIZE !== 0) {
    throw new Error(`${where} has ${data.length} bytes, not ${width} hashes`);
  }
  return data.subarray(0, width * HASH_SIZE);
}

/**
 * Optional cache of rehashed complete-subtree hashes, keyed "level/index" (only the costly ones,
 * 4–7 levels above their tile's hashes: 15 entries per tile). Those hashes never
 * change, so entries never go stale — but keys are per tree: use one cache per log. A Map works;
 * a bounded LRU is better for a long-lived process.
 */
/** Only nodes at least this high above their tile's hashes are cached: 15 entries a tile, each saving ≥ 15 hashes. */
const CACHED_HEIGHT = 4;

export interface NodeCache {
  get(key: string): Uint8Array | undefined;
  set(key: string, hash: Uint8Array): unknown;
}

/**
 * The `(level, index) → hash` accessor merkle.ts needs, answered from the tiles of a tree of
 * `size` leaves; it serves proofs and roots for every size ≤ `size`, since complete subtrees
 * never change. Hashes of Merkle levels that are multiples of 8 are read straight from a tile;
 * a node between them is rehashed from the 2^h tile hashes under it (h ≤ 7), which is most of a
 * proof's cost (~250 SHA-256 a tile level): `cache` lets requests share that work. Tiles read are
 * kept for the accessor's life, so build one per request or batch.
 */
export function tileNodeAccessor(size: number, readTile: TileReader, cache?: NodeCache): NodeAccessor {
  const tiles = new Map<string, Uint8Array>();
  const tile = (level: number, index: number): Uint8Array => {
    const key = `${level}/${index}`;
    let data = tiles.get(key);
    if (!data) {
      data = readWidth(readTile, level, index, tileWidth(level, index, size));
      tiles.set(key, data);
    }
    return data;
  };
  // Node (level, index) of height h above the tile hashes [start, start + 2^h) of `data`.
  const rehash = (data: Uint8Array, start: number, height: number, level: number, index: number): Uint8Array => {
    if (height === 0) return hashAt(data, start);
    if (data.length === EXPANDED_TILE_BYTES) return hashAt(data, rowStart(height) + start / 2 ** height);
    const cached = cache && height >= CACHED_HEIGHT ? cache : undefined;
    const key = cached ? `${level}/${index}` : '';
    const hit = cached?.get(key);
    if (hit) return hit;
    const half = 2 ** (height - 1);
    const left = rehash(data, start, height - 1, level - 1, 2 * index);
    const hash = nodeHash(left, rehash(data, start + half, height - 1, level - 1, 2 * index + 1));
    cached?.set(key, hash);
    return hash;
  };
  return (level, index) => {
    if (!Number.isSafeInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0 || (index + 1) * 2 ** level > size) {
      throw new RangeError(`no complete subtree at level ${level}, index ${index} in a tree of ${size} leaves`);
    }
    const at = nodeTile(level, index);
    return rehash(tile(at.tile.level, at.tile.index), at.start, at.height, level, index);
  };
}

// ——— the integrator: appending a batch ———

/** Root of a full tile: the perfect 8-level tree over its 256 hashes (the hash one level up). */
function fullTileRoot(data: Uint8Array): Uint8Array {
  let row = Array.from({ length: TILE_WIDTH }, (_, i) => hashAt(data, i));
  while (row.length > 1) row = Array.from({ length: row.length / 2 }, (_, i) => nodeHash(row[2 * i]!, row[2 * i + 1]!));
  return row[0]!;
}

/** Splits the hashes from the first non-full tile of a level on into tiles; returns them and the roots of those now full. */
function tileLevel(level: number, firstTile: number, hashes: Uint8Array): { tiles: Tile[]; completed: Uint8Array[] } {
  const tiles: Tile[] = [];
  const completed: Uint8Array[] = [];
  const total = hashes.length / HASH_SIZE;
  for (let c = 0; c * TILE_WIDTH < total; c++) {
    const width = Math.min(TILE_WIDTH, total - c * TILE_WIDTH);
    const data = hashes.subarray(c * TILE_WIDTH * HASH_SIZE, (c * TILE_WIDTH + width) * HASH_SIZE);
    tiles.push({ level, index: firstTile + c, width, data });
    if (width === TILE_WIDTH) completed.push(fullTileRoot(data));
  }
  return { tiles, completed };
}

export interface AppendResult {
  /** tree size after the batch */
  size: number;
  /** RFC 9162 root of that tree (what the next checkpoint signs) */
  root: Uint8Array;
  /** tiles to write: every tile the batch touched, full or partial, bottom level first */
  tiles: Tile[];
}

/**
 * Appends `newLeafHashes` to a tree of `existingLeafCount` leaves. At each tile level the new
 * hashes extend that level's partial tile (read through `readTile`) and spill into new tiles;
 * every tile that fills up contributes its root as a new hash one level up, until a level gets
 * no new hash. `readTile` is asked only for `partialTiles(existingLeafCount)`, and the new root
 * needs nothing else: the right edge of the new tree lies in the new tree's partial tiles, which
 * are either written here or unchanged.
 */
export function appendToTiles(existingLeafCount: number, newLeafHashes: readonly Uint8Array[], readTile: TileReader): AppendResult {
  if (!Number.isSafeInteger(existingLeafCount) || existingLeafCount < 0) throw new RangeError(`bad tree size ${existingLeafCount}`);
  if (newLeafHashes.some((h) => h.length !== HASH_SIZE)) throw new RangeError('leaf hashes must be 32 bytes');
  const size = existingLeafCount + newLeafHashes.length;
  const tiles: Tile[] = [];
  let fresh: readonly Uint8Array[] = newLeafHashes;
  for (let level = 0; fresh.length > 0; level++) {
    const count = hashesAtLevel(level, existingLeafCount);
    const firstTile = Math.floor(count / TILE_WIDTH);
    const kept = count % TILE_WIDTH;
    const old = kept > 0 ? readWidth(readTile, level, firstTile, kept) : new Uint8Array(0);
    const done = tileLevel(level, firstTile, Buffer.concat([old, ...fresh]));
    tiles.push(...done.tiles);
    fresh = done.completed;
  }
  const written = new Map(tiles.map((t) => [`${t.level}/${t.index}`, t.data]));
  const overlay: TileReader = (level, index, width) => written.get(`${level}/${index}`) ?? readTile(level, index, width);
  return { size, root: rootFromAccessor(size, tileNodeAccessor(size, overlay)), tiles };
}
