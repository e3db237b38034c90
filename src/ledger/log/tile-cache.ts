import type { Queryable } from '../../db/database.ts';
import { EXPANDED_TILE_BYTES, TILE_WIDTH, expandTile } from './tiles.ts';

const TILE_BYTES = TILE_WIDTH * 32;
/** The key suffix of a full tile. */
const FULL = `/${TILE_WIDTH}`;
/** Full tiles read per statement while warming (8 MiB). */
const WARM_PAGE = 1024;

/**
 * Tiles kept in memory for proofs (C2SP tlog-tiles, tiles.ts). Tiles never change once written —
 * a full tile, and equally the first W hashes of a tile, which any stored width ≥ W holds — so a
 * process may keep them forever without asking the database again: a proof served from here
 * costs a few hundred SHA-256 and no round trip, which is what keeps its p99 within a couple of
 * milliseconds (a round trip's tail alone is several on a busy server).
 *
 * Keyed "log/level/index/width asked for", so the partial tiles of the right edge are kept too (a
 * proof at a fixed tree size asks for the same ones). A full tile is kept expanded, with the
 * nodes above its hashes (`expandTile`): a proof then hashes nothing. Bounded by `maxBytes`,
 * least recently used out first. `warm` fills it at start-up, newest first; the integrator adds the full tiles it
 * writes once they are committed, so a running server keeps its log's tiles without reading them.
 */
export class TileCache {
  private readonly tiles = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(readonly maxBytes = 128 * 2 ** 20) {}
  /** Tiles held. */
  get size(): number {
    return this.tiles.size;
  }
  get(k: string): Uint8Array | undefined {
    const hit = this.tiles.get(k);
    if (hit) {
      // Most recently used last: Map keeps insertion order, so the first key is the eviction candidate.
      this.tiles.delete(k);
      this.tiles.set(k, hit);
    }
    return hit;
  }
  /** `k` ends in the width asked for: a full tile's hashes (width 256) are stored expanded. */
  set(k: string, data: Uint8Array): void {
    const kept = k.endsWith(FULL) && data.length === TILE_BYTES ? expandTile(data) : data;
    this.drop(k);
    while (this.tiles.size > 0 && this.bytes + kept.length > this.maxBytes) this.drop(this.tiles.keys().next().value!);
    this.tiles.set(k, kept);
    this.bytes += kept.length;
  }
  private drop(k: string): void {
    const old = this.tiles.get(k);
    if (!old) return;
    this.tiles.delete(k);
    this.bytes -= old.length;
  }
  /** Full tiles just committed by the integrator. */
  addFull(log: string, tiles: readonly { level: number; index: number; width: number; data: Uint8Array }[]): void {
    for (const t of tiles) if (t.width === TILE_WIDTH) this.set(`${log}/${t.level}/${t.index}${FULL}`, t.data);
  }

  /**
   * Loads the full tiles of `logs` into the cache, at most a fair share of its room per log
   * (smaller logs first, what they leave goes to the larger): every upper-level tile first (each
   * proof of a log needs one of them), then level 0 newest first — receipts and disputes ask
   * mostly about recent entries. Returns the tiles loaded.
   */
  async warm(q: Queryable, logs: readonly string[]): Promise<number> {
    const counts = await q.query<{ custodian_code: string; n: number }>(
      'SELECT custodian_code, count(*)::bigint AS n FROM ledger_tiles WHERE custodian_code = ANY($1) AND width = $2 GROUP BY custodian_code',
      [logs, TILE_WIDTH],
    );
    const order = counts.rows.map((r) => ({ log: r.custodian_code, n: Number(r.n) })).sort((a, b) => a.n - b.n);
    let room = Math.floor((this.maxBytes - this.bytes) / EXPANDED_TILE_BYTES);
    let loaded = 0;
    for (const [k, { log, n }] of order.entries()) {
      const share = Math.min(n, Math.floor(room / (order.length - k)));
      const got = await this.warmLog(q, log, share);
      room -= got;
      loaded += got;
    }
    return loaded;
  }

  private async warmLog(q: Queryable, log: string, limit: number): Promise<number> {
    let got = 0;
    // Keyset pages down (level, tile_index): upper levels first, then the newest leaves.
    let after: [number, number] = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    while (got < limit) {
      const page = await q.query<{ level: number; tile_index: number; hashes: Uint8Array }>(
        `SELECT level, tile_index, hashes FROM ledger_tiles
          WHERE custodian_code = $1 AND width = $2 AND (level, tile_index) < ($3::bigint, $4::bigint)
          ORDER BY level DESC, tile_index DESC LIMIT $5`,
        [log, TILE_WIDTH, after[0], after[1], Math.min(WARM_PAGE, limit - got)],
      );
      if (page.rows.length === 0) break;
      // (Never past the room left, so warming evicts nothing; later, use decides what goes.)
      for (const t of page.rows) {
        this.set(`${log}/${t.level}/${Number(t.tile_index)}${FULL}`, t.hashes);
      }
      got += page.rows.length;
      const last = page.rows.at(-1)!;
      after = [Number(last.level), Number(last.tile_index)];
    }
    return got;
  }
}
