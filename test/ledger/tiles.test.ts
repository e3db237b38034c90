import { describe, expect, it } from 'vitest';
import {
  consistencyNodes,
  consistencyProof,
  inclusionNodes,
  inclusionProof,
  leafHash,
  memoryAccessor,
  rootFromAccessor,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/log/merkle.ts';
import {
  appendToTiles,
  encodeTileIndex,
  EXPANDED_TILE_BYTES,
  expandTile,
  nodeTile,
  parseTilePath,
  partialTiles,
  tileNodeAccessor,
  tilePath,
  tilesForNodes,
  tilesForSize,
  tileWidth,
  TILE_WIDTH,
  type Tile,
  type TileReader,
} from '../../src/ledger/log/tiles.ts';
// Source: C2SP/C2SP tlog-tiles.md (see vectors/README.md).
import spec from './vectors/c2sp-tlog-tiles.json' with { type: 'json' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Deterministic PRNG (mulberry32), so a failing batch sequence can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Tile storage as a log would keep it: every version ever written, by path (immutable: a path
 * written twice must get the same bytes), and a reader that records what it was asked for.
 */
function tileStore() {
  const byPath = new Map<string, Uint8Array>();
  const reads: string[] = [];
  const read: TileReader = (level, index, width) => {
    const path = tilePath({ level, index, width });
    reads.push(path);
    return byPath.get(path);
  };
  const write = (tiles: Tile[]) => {
    for (const t of tiles) {
      const path = tilePath(t);
      const before = byPath.get(path);
      if (before && hex(before) !== hex(t.data)) throw new Error(`${path} rewritten with other bytes`);
      expect(t.data.length).toBe(t.width * 32);
      byPath.set(path, Buffer.from(t.data));
    }
  };
  return { byPath, reads, read, write };
}

function leaves(from: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`entry ${from + i}`)));
}

describe('C2SP tlog-tiles: coordinates and paths', () => {
  it('encodes tile indexes as in the spec', () => {
    for (const v of spec.indexEncoding) expect(encodeTileIndex(v.index)).toBe(v.encoded);
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(7)).toBe('007');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(123456)).toBe('x123/456');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
  });

  it('parses exactly the canonical paths', () => {
    for (const t of [
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 1234067, width: 255 },
      { level: 63, index: 1000, width: 1 },
    ]) {
      expect(parseTilePath(tilePath(t))).toEqual(t);
    }
    for (const bad of [
      'tile/0/1',
      'tile/0/x000/001',
      'tile/00/000',
      'tile/64/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/007',
      'tile/0/001/002',
      'tile/entries/000',
      'tile/0/000/',
      '/tile/0/000',
      'tile/-1/000',
    ]) {
      expect(() => parseTilePath(bad), bad).toThrow();
    }
  });

  it('lists the tiles of the spec\u2019s example trees (70,000 and 256 leaves)', () => {
    for (const v of spec.treeTiles) {
      const tiles = tilesForSize(v.size);
      for (const l of v.levels) {
        const at = tiles.filter((t) => t.level === l.level);
        expect(at.filter((t) => t.width === TILE_WIDTH)).toHaveLength(l.full);
        expect(at.filter((t) => t.width < TILE_WIDTH).map((t) => t.width)).toEqual(l.partialWidth ? [l.partialWidth] : []);
      }
      expect(new Set(tiles.map((t) => t.level)).size).toBe(v.levels.length);
    }
    expect(partialTiles(70000).map(tilePath)).toEqual(['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
    expect(tilesForSize(0)).toEqual([]);
    expect(tileWidth(0, 273, 70000)).toBe(112);
    expect(tileWidth(0, 274, 70000)).toBe(0);
  });

  it('places complete subtrees in tiles', () => {
    expect(nodeTile(0, 300)).toEqual({ tile: { level: 0, index: 1 }, height: 0, start: 44, count: 1 });
    expect(nodeTile(3, 40)).toEqual({ tile: { level: 0, index: 1 }, height: 3, start: 64, count: 8 });
    expect(nodeTile(8, 5)).toEqual({ tile: { level: 1, index: 0 }, height: 0, start: 5, count: 1 });
    expect(nodeTile(17, 1)).toEqual({ tile: { level: 2, index: 0 }, height: 1, start: 2, count: 2 });
  });
});

describe('C2SP tlog-tiles: building a log incrementally', () => {
  it('grows to every size up to 1000 in random batches; tiles, roots and proofs match the in-memory tree', () => {
    const random = prng(384);
    const store = tileStore();
    const all: Uint8Array[] = [];
    const whole = memoryAccessor(leaves(0, 1000));
    const cache = new Map<string, Uint8Array>();
    let size = 0;
    while (size < 1000) {
      const batch = Math.min(1000 - size, 1 + Math.floor(random() * (random() < 0.2 ? 300 : 20)));
      const fresh = leaves(size, batch);
      store.reads.length = 0;
      const result = appendToTiles(size, fresh, store.read);
      // It reads only the partial tiles of the old tree…
      expect(store.reads.sort()).toEqual(partialTiles(size).map(tilePath).sort());
      // …and writes exactly the tiles the new tree has and the old one did not.
      const before = new Set(tilesForSize(size).map(tilePath));
      expect(result.tiles.map(tilePath).sort()).toEqual(
        tilesForSize(size + batch)
          .map(tilePath)
          .filter((p) => !before.has(p))
          .sort(),
      );
      store.write(result.tiles);
      all.push(...fresh);
      size += batch;
      expect(result.size).toBe(size);
      expect(hex(result.root)).toBe(hex(rootFromLeafHashes(all)));

      // Every tile holds what the spec says: hash i of tile (L, N) = MTH of the 256^L leaves it covers.
      for (const t of tilesForSize(size)) {
        const data = store.byPath.get(tilePath(t))!;
        for (let i = 0; i < t.width; i++) expect(hex(data.subarray(i * 32, i * 32 + 32))).toBe(hex(whole(8 * t.level, t.index * 256 + i)));
      }

      // One node cache for the log's whole life: complete subtrees never change as it grows.
      const get = tileNodeAccessor(size, store.read, cache);
      expect(hex(rootFromAccessor(size, get))).toBe(hex(result.root));
      const mem = memoryAccessor(all);
      for (const i of [0, size - 1, Math.floor(random() * size)]) {
        expect(inclusionProof(i, size, get).map(hex)).toEqual(inclusionProof(i, size, mem).map(hex));
      }
      for (const m of [1, size, 1 + Math.floor(random() * size)]) {
        expect(consistencyProof(m, size, get).map(hex)).toEqual(consistencyProof(m, size, mem).map(hex));
      }
    }
    expect(size).toBe(1000);

    // At the final size, every inclusion proof and every consistency proof to it, from tiles.
    const get = tileNodeAccessor(1000, store.read);
    const root = rootFromAccessor(1000, get);
    for (let i = 0; i < 1000; i++) expect(verifyInclusion(all[i]!, i, 1000, inclusionProof(i, 1000, get), root)).toBe(true);
    for (let m = 1; m <= 1000; m++) {
      const proof = consistencyProof(m, 1000, get);
      expect(verifyConsistency(m, 1000, proof, rootFromLeafHashes(all.slice(0, m)), root)).toBe(true);
    }
    // Proofs for older sizes come from the newest tiles too.
    for (const n of [1, 255, 256, 257, 511, 512, 700]) {
      expect(hex(rootFromAccessor(n, get))).toBe(hex(rootFromLeafHashes(all.slice(0, n))));
      expect(inclusionProof(n - 1, n, get).map(hex)).toEqual(refProof(all.slice(0, n), n - 1));
    }
  });

  it('reaches tile level 2 (70,000 leaves), reading a few tiles per proof', () => {
    const random = prng(17);
    const store = tileStore();
    const all = leaves(0, 70000);
    let size = 0;
    while (size < all.length) {
      const batch = Math.min(all.length - size, 1 + Math.floor(random() * 6000));
      const result = appendToTiles(size, all.slice(size, size + batch), store.read);
      store.write(result.tiles);
      size += batch;
    }
    const mem = memoryAccessor(all);
    const get = tileNodeAccessor(size, store.read);
    const root = rootFromAccessor(size, mem);
    expect(hex(rootFromAccessor(size, get))).toBe(hex(root));
    expect(store.byPath.has('tile/2/000.p/1')).toBe(true);
    expect(store.byPath.has('tile/1/000')).toBe(true);
    for (const i of [0, 65535, 65536, 69999, Math.floor(random() * size)]) {
      const nodes = inclusionNodes(i, size);
      const tiles = tilesForNodes(nodes, size);
      expect(tiles.length).toBeLessThanOrEqual(6);
      store.reads.length = 0;
      const fresh = tileNodeAccessor(size, store.read);
      const proof = inclusionProof(i, size, fresh);
      expect(new Set(store.reads)).toEqual(new Set(tiles.map(tilePath)));
      expect(proof.map(hex)).toEqual(inclusionProof(i, size, mem).map(hex));
      expect(verifyInclusion(all[i]!, i, size, proof, root)).toBe(true);
    }
    // A shared node cache gives the same proofs, with at most 15 entries per tile.
    const cache = new Map<string, Uint8Array>();
    for (let k = 0; k < 200; k++) {
      const i = Math.floor(random() * size);
      expect(inclusionProof(i, size, tileNodeAccessor(size, store.read, cache)).map(hex)).toEqual(inclusionProof(i, size, mem).map(hex));
    }
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThanOrEqual(15 * tilesForSize(size).length);
    for (const [key, hash] of cache) {
      const [level, index] = key.split('/').map(Number);
      expect(hex(hash)).toBe(hex(mem(level!, index!)));
    }
    for (const m of [1, 256, 65536, 69000]) {
      expect(tilesForNodes(consistencyNodes(m, size), size).length).toBeLessThanOrEqual(8);
      expect(consistencyProof(m, size, get).map(hex)).toEqual(consistencyProof(m, size, mem).map(hex));
    }
  });

  it('expanded full tiles (every node above their hashes) answer every node and proof as the plain tiles do', () => {
    const store = tileStore();
    const all = leaves(0, 70000);
    store.write(appendToTiles(0, all, store.read).tiles);
    const size = all.length;
    const mem = memoryAccessor(all);
    // What the tile cache holds: full tiles expanded, partial ones as stored.
    const expanded: TileReader = (level, index, width) => {
      const data = store.read(level, index, width);
      return data && width === TILE_WIDTH ? expandTile(data) : data;
    };
    expect(expandTile(store.byPath.get('tile/0/000')!).length).toBe(EXPANDED_TILE_BYTES);
    const get = tileNodeAccessor(size, expanded);
    // Every node of a level-0 and of a level-1 tile, at every height inside it.
    for (const [tileLevel, tileIndex] of [
      [0, 7],
      [0, 272],
      [1, 0],
    ] as const) {
      for (let h = 0; h <= 8; h++) {
        const level = 8 * tileLevel + h;
        const first = (tileIndex * TILE_WIDTH) / 2 ** h;
        for (let i = first; i < first + TILE_WIDTH / 2 ** h; i++) expect(hex(get(level, i))).toBe(hex(mem(level, i)));
      }
    }
    const random = prng(5);
    for (let k = 0; k < 100; k++) {
      const i = Math.floor(random() * size);
      expect(inclusionProof(i, size, tileNodeAccessor(size, expanded)).map(hex)).toEqual(inclusionProof(i, size, mem).map(hex));
    }
    expect(() => expandTile(new Uint8Array(32 * 255))).toThrow(RangeError);
  });

  it('appends nothing to an empty log, and refuses bad input', () => {
    const none: TileReader = () => undefined;
    expect(appendToTiles(0, [], none)).toEqual({ size: 0, root: rootFromLeafHashes([]), tiles: [] });
    expect(() => appendToTiles(0, [new Uint8Array(31)], none)).toThrow(RangeError);
    expect(() => appendToTiles(-1, [], none)).toThrow(RangeError);
    expect(() => appendToTiles(5, leaves(5, 1), none)).toThrow(/tile\/0\/000\.p\/5 is not stored/);
  });
});

describe('C2SP tlog-tiles: reading the tree back', () => {
  const all = leaves(0, 300);
  const { tiles } = appendToTiles(0, all, () => undefined);
  const latest = new Map(tiles.map((t) => [`${t.level}/${t.index}`, t.data]));
  const read: TileReader = (level, index) => latest.get(`${level}/${index}`);

  it('accepts a wider tile than asked for (tiles only grow) and serves smaller trees', () => {
    const get = tileNodeAccessor(260, read); // tile/0/001 is stored at width 44, asked at 4
    expect(hex(rootFromAccessor(260, get))).toBe(hex(rootFromLeafHashes(all.slice(0, 260))));
  });

  it('refuses missing, short or misaligned tiles and incomplete subtrees', () => {
    expect(() => tileNodeAccessor(300, () => undefined)(0, 0)).toThrow(/is not stored/);
    expect(() => tileNodeAccessor(300, () => new Uint8Array(32 * 10))(0, 0)).toThrow(/bytes, not 256 hashes/);
    expect(() => tileNodeAccessor(300, () => new Uint8Array(32 * 256 + 1))(0, 0)).toThrow(/bytes/);
    const get = tileNodeAccessor(300, read);
    expect(() => get(0, 300)).toThrow(RangeError);
    expect(() => get(3, 37)).toThrow(RangeError); // leaves 296–303: not all there yet
    expect(hex(get(3, 36))).toBe(hex(memoryAccessor(all)(3, 36)));
    expect(() => tilesForNodes([{ level: 0, index: 300 }], 300)).toThrow(RangeError);
  });
});

/** RFC 9162 §2.1.3.1 PATH, from the leaves, for cross-checking. */
function refProof(d: Uint8Array[], m: number): string[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k
    ? [...refProof(d.slice(0, k), m), hex(rootFromLeafHashes(d.slice(k)))]
    : [...refProof(d.slice(k), m - k), hex(rootFromLeafHashes(d.slice(0, k)))];
}
