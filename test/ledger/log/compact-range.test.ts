import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../../src/ledger/log/compact-range.ts';
import { emptyRoot, leafHash, rootFromLeafHashes } from '../../../src/ledger/log/merkle.ts';
import { TILE_WIDTH, appendToTiles } from '../../../src/ledger/log/tiles.ts';
import { type Page, LEAF, LogChecker } from '../../../src/ledger/log/verify-check.ts';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe('compact range', () => {
  it('gives the RFC 9162 root of every prefix, the empty tree included', () => {
    const hashes = leaves(70);
    const range = new CompactRange();
    expect(Buffer.from(range.root())).toEqual(Buffer.from(emptyRoot()));
    hashes.forEach((h, i) => {
      range.push(h);
      expect(Buffer.from(range.root())).toEqual(Buffer.from(rootFromLeafHashes(hashes.slice(0, i + 1))));
    });
  });

  it('shows every interior node once, at its height and index', () => {
    const seen: string[] = [];
    const range = new CompactRange((height, index) => seen.push(`${height}/${index}`));
    for (const h of leaves(8)) range.push(h);
    expect(seen.sort()).toEqual(['1/0', '1/1', '1/2', '1/3', '2/0', '2/1', '3/0'].sort());
  });
});

/** A page as the reader makes it, from leaf hashes in memory. */
function pageOf(hashes: readonly Uint8Array[]): Page {
  const n = hashes.length;
  return {
    count: n,
    indexes: Float64Array.from(hashes.keys()),
    hashes: Buffer.concat(hashes),
    kind: new Uint8Array(n).fill(LEAF),
    foreign: new Uint8Array(n),
    leaves: null,
  };
}

describe('log checker (pure: no database)', () => {
  const hashes = leaves(TILE_WIDTH + 10);
  const { tiles, root } = appendToTiles(0, hashes, () => undefined);
  const stored = tiles.map((t) => ({ level: t.level, index: t.index, width: t.width, hashes: Buffer.from(t.data) }));
  const cps = [{ size: hashes.length, root: Buffer.from(root), note: '' }];
  const widths = new Map(stored.map((t) => [`${t.level}/${t.index}`, t.width]));

  it('passes the tree its tiles and checkpoint describe', () => {
    const checker = new LogChecker(cps, 0);
    expect(
      checker.page(
        pageOf(hashes),
        stored.filter((t) => t.level === 0),
      ),
    ).toBeNull();
    expect(
      checker.end(
        stored.filter((t) => t.level > 0),
        widths,
      ),
    ).toBeNull();
  });

  it('names the first of two swapped leaves', () => {
    const swapped = [...hashes];
    [swapped[5], swapped[9]] = [swapped[9]!, swapped[5]!];
    const found = new LogChecker(cps, 0).page(
      pageOf(swapped),
      stored.filter((t) => t.level === 0),
    );
    expect(found).toMatchObject({ index: 5 });
    expect(found!.what).toMatch(/reordered or replaced/);
  });
});
