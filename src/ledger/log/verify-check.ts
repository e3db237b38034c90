import { CompactRange } from './compact-range.ts';
import { HASH_SIZE } from './merkle.ts';
import { verifyNote } from './note.ts';
import { TILE_HEIGHT, TILE_WIDTH, type TileId, tilesForSize } from './tiles.ts';

/**
 * The pure half of verification: given what the page reader read (verify-read.ts), decide whether
 * it is one honest log — every leaf in order and in the tree, every stored tile the tree's, every
 * checkpoint's root and signature. No database here: the checker is fed, and names the first
 * divergence.
 */
export interface Divergence {
  index: number | null;
  what: string;
}

/** A divergence that depends on one more fact: whether the leaf hashes to its recorded hash. */
export interface Finding extends Divergence {
  /** If set: the leaf was edited, not moved, when `hash` differs from its recorded leaf hash. */
  ifEdited?: { hash: Uint8Array; what: string };
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  note: string;
}

export interface StoredTile {
  level: number;
  index: number;
  width: number;
  hashes: Buffer;
}

/** What a page row's leaf is: content to hash, or emptied by an archive (its hash recorded), or neither. */
export const LEAF = 0;
export const ARCHIVED = 1;
export const ERASED = 2;

/**
 * One page of entries (a leaf-index range), hashed while it streamed in: column arrays, not an
 * object an entry, so a page costs 42 bytes an entry (plus the leaves when a leaf rule keeps them).
 */
export interface Page {
  count: number;
  indexes: Float64Array;
  /** SHA-256(0x00 ‖ leaf), or the recorded hash of an archived leaf; 32 bytes a row. */
  hashes: Buffer;
  kind: Uint8Array;
  /** 1: the leaf is not of this log. */
  foreign: Uint8Array;
  /** The leaves, kept only when a leaf rule reads them. */
  leaves: Buffer[] | null;
}

/** An application's check of each leaf's bytes (the leaf already shown to be the tree's). */
export type LeafCheck = (index: number, leaf: Buffer) => string | null;

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** The signed notes must verify with the log key and say the stored size and root. */
export function checkpointDivergence(cps: readonly StoredCheckpoint[], verifierKey: string, origin: string): Divergence | null {
  for (const c of cps) {
    try {
      const v = verifyNote(c.note, [verifierKey], { origin });
      if (v.checkpoint.size !== c.size || !c.root.equals(v.checkpoint.rootHash))
        return { index: null, what: `checkpoint ${c.size}: the signed note does not match the stored size/root` };
    } catch (err) {
      return { index: null, what: `checkpoint ${c.size}: signature does not verify (${(err as Error).message})` };
    }
  }
  return null;
}

/** A stored tile must be exactly the tree's hashes at its place: a swapped or forged tile changes proofs. */
function tileDivergence(t: StoredTile, want: Buffer | null): Divergence | null {
  if (t.hashes.length !== t.width * HASH_SIZE)
    return { index: null, what: `stored tile ${t.level}/${t.index} (width ${t.width}) has ${t.hashes.length} bytes` };
  if (want && want.equals(t.hashes)) return null;
  let j = 0;
  while (want && j < t.width && want.compare(t.hashes, j * HASH_SIZE, (j + 1) * HASH_SIZE, j * HASH_SIZE, (j + 1) * HASH_SIZE) === 0) j++;
  const index = t.level === 0 ? t.index * TILE_WIDTH + j : null;
  return {
    index,
    what: `stored tile ${t.level}/${t.index} (width ${t.width}) differs from the tree the entries make${index !== null ? ` at entry ${index} (entries reordered or tile forged)` : ''}`,
  };
}

/**
 * The tree rebuilt once, left to right (a compact range), whose every node on a Merkle level that
 * is a multiple of 8 is also written to the C2SP tile holding it: so the checkpoint roots and the
 * expected tiles come from the same n − 1 interior hashes, not from two passes. Level-0 tiles are
 * released once checked; higher levels are 1/256 as many.
 */
export class LogChecker {
  private readonly range = new CompactRange((height, index, hash) => {
    if (height % TILE_HEIGHT === 0) this.record(height / TILE_HEIGHT, index, hash);
  });
  /** Level-0 tiles by tile index (released once checked); higher levels by "level/index". */
  private readonly leafTiles = new Map<number, Buffer>();
  /** The level-0 tile the next leaf goes in. */
  private current: Buffer | null = null;
  private readonly upper = new Map<string, Buffer>();
  /** Widest stored level-0 tile per tile index: the leaf order the tree committed to. */
  private readonly widest = new Map<number, Buffer>();
  /** Stored level-0 tiles not yet compared, by the number of leaves that completes them. */
  private readonly dueAt = new Map<number, StoredTile[]>();
  private cp = 0;

  constructor(
    private readonly cps: readonly StoredCheckpoint[],
    /** Leaves below this index were archived (R-17.1): only their hash may remain. */
    private readonly archivedUpTo: number,
    private readonly leafCheck?: LeafCheck,
  ) {}

  get size(): number {
    return this.range.size;
  }

  private record(level: number, index: number, hash: Uint8Array): void {
    const key = `${level}/${Math.floor(index / TILE_WIDTH)}`;
    let tile = this.upper.get(key);
    if (!tile) this.upper.set(key, (tile = Buffer.alloc(TILE_BYTES)));
    tile.set(hash, (index % TILE_WIDTH) * HASH_SIZE);
  }

  private pushLeaf(hash: Uint8Array): void {
    const n = this.range.size;
    if (n % TILE_WIDTH === 0 || !this.current) this.leafTiles.set(Math.floor(n / TILE_WIDTH), (this.current = Buffer.alloc(TILE_BYTES)));
    this.current.set(hash, (n % TILE_WIDTH) * HASH_SIZE);
    this.range.push(hash);
  }

  /** Hashes [0, count) of tile (level, index) as rebuilt so far, or null if it has fewer. */
  private tile(level: number, index: number, count: number): Buffer | null {
    const hashes = Math.floor(this.size / TILE_WIDTH ** level) - index * TILE_WIDTH;
    if (hashes < count) return null;
    const data = level === 0 ? this.leafTiles.get(index) : this.upper.get(`${level}/${index}`);
    return data?.subarray(0, count * HASH_SIZE) ?? null;
  }

  /** Stored level-0 tiles of the next page's range (all widths): compared as the leaves complete them. */
  private expectTiles(tiles: readonly StoredTile[]): void {
    for (const st of tiles) {
      const end = st.index * TILE_WIDTH + st.width;
      if (end <= this.size) continue; // compared already (a page overlap)
      (this.dueAt.get(end) ?? this.dueAt.set(end, []).get(end)!).push(st);
      if ((this.widest.get(st.index)?.length ?? 0) < st.hashes.length) this.widest.set(st.index, st.hashes);
    }
  }

  /** The next page of entries in leaf order, with the stored level-0 tiles of its range. */
  page(page: Page, tiles: readonly StoredTile[]): Finding | null {
    // A range with no entry below the highest stored one: entries deleted.
    if (page.count === 0) return { index: this.size, what: `entry ${this.size} is missing` };
    this.expectTiles(tiles);
    let tile: Buffer | undefined;
    for (let k = 0; k < page.count; k++) {
      const i = this.size;
      if (page.indexes[k] !== i) return { index: i, what: `entry ${i} is missing (next stored index is ${page.indexes[k]})` };
      const kind = page.kind[k];
      // Archived (R-17.1): the leaf lives in the archive bundle; its hash must still be the tree's.
      if (kind !== LEAF && i >= this.archivedUpTo) return { index: i, what: `entry ${i} has no content and is not archived (erased)` };
      if (kind === ERASED) return { index: i, what: `entry ${i} has no content and no recorded hash` };
      const h = page.hashes.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE);
      if (i % TILE_WIDTH === 0 || tile === undefined) tile = this.widest.get(Math.floor(i / TILE_WIDTH));
      const slot = (i % TILE_WIDTH) * HASH_SIZE;
      if (!tile || tile.length < slot + HASH_SIZE) return { index: i, what: `entry ${i} is in no tile of the tree (inserted behind the integrator)` };
      if (tile.compare(h, 0, HASH_SIZE, slot, slot + HASH_SIZE) !== 0) {
        const moved = { index: i, what: `entry ${i} is not the leaf the tree holds at that position (entries reordered or replaced)` };
        return kind === LEAF ? { ...moved, ifEdited: { hash: h, what: `entry ${i}: its content does not hash to its recorded leaf hash (edited)` } } : moved;
      }
      // Only once the leaf is the tree's (an edited leaf is named as such above).
      if (page.foreign[k]) return { index: i, what: `entry ${i} belongs to another log` };
      if (this.leafCheck && kind === LEAF) {
        const wrong = this.leafCheck(i, page.leaves![k]!);
        if (wrong) return { index: i, what: wrong };
      }
      const d = this.leafDone(h);
      if (d) return d;
      if ((i + 1) % TILE_WIDTH === 0) tile = undefined;
    }
    return null;
  }

  /** After leaf `size − 1`: the stored tiles it completes, the release of its tile, its checkpoints. */
  private leafDone(h: Uint8Array): Divergence | null {
    const i = this.size;
    this.pushLeaf(h);
    const due = this.dueAt.get(i + 1);
    if (due) {
      for (const st of due) {
        const d = tileDivergence(st, this.tile(0, st.index, st.width));
        if (d) return d;
      }
      this.dueAt.delete(i + 1);
    }
    if ((i + 1) % TILE_WIDTH === 0) {
      // Level-0 tile complete and all its stored widths compared: release it.
      this.leafTiles.delete((i + 1) / TILE_WIDTH - 1);
      this.widest.delete((i + 1) / TILE_WIDTH - 1);
    }
    while (this.cp < this.cps.length && this.cps[this.cp]!.size === i + 1) {
      if (!this.cps[this.cp]!.root.equals(this.range.root())) return { index: i, what: `the tree of size ${i + 1} does not match its signed checkpoint` };
      this.cp++;
    }
    return null;
  }

  /**
   * After the last page: no checkpoint beyond the entries, the level-0 tiles reaching past the
   * last entry, every higher-level tile, and every tile the tree has stored at its width.
   */
  end(upperTiles: readonly StoredTile[], storedWidths: ReadonlyMap<string, number>): Divergence | null {
    const n = this.size;
    const beyond = this.cps.find((c) => c.size > n);
    if (beyond) return { index: n, what: `checkpoint ${beyond.size} covers entries that are missing (the log has ${n})` };
    for (const [, tiles] of [...this.dueAt].sort((a, b) => a[0] - b[0])) {
      for (const st of tiles) {
        const d = tileDivergence(st, this.tile(0, st.index, st.width));
        if (d) return d;
      }
    }
    for (const st of upperTiles) {
      const d = tileDivergence(st, this.tile(st.level, st.index, st.width));
      if (d) return d;
    }
    return missingTile(storedWidths, tilesForSize(n));
  }
}

/** Every tile a tree has must be stored at its width (a deleted tile row breaks proofs). */
function missingTile(stored: ReadonlyMap<string, number>, tiles: readonly TileId[]): Divergence | null {
  for (const t of tiles) {
    if ((stored.get(`${t.level}/${t.index}`) ?? 0) < t.width)
      return { index: t.level === 0 ? t.index * TILE_WIDTH : null, what: `tile ${t.level}/${t.index} (width ${t.width}) of the tree is not stored` };
  }
  return null;
}
