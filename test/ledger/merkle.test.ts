import { describe, expect, it } from 'vitest';
import {
  consistencyNodes,
  consistencyProof,
  emptyRoot,
  inclusionNodes,
  inclusionProof,
  leafHash,
  memoryAccessor,
  nodeHash,
  rootFromAccessor,
  rootFromLeafHashes,
  rootNodes,
  verifyConsistency,
  verifyInclusion,
  type NodeAccessor,
} from '../../src/ledger/log/merkle.ts';
// Sources of both files: test/ledger/vectors/README.md.
import ref from './vectors/rfc6962-reference-tree.json' with { type: 'json' };
import argon from './vectors/ct-argon2020.json' with { type: 'json' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => Buffer.from(s, 'hex');
const fromB64 = (s: string) => Buffer.from(s, 'base64');
const hexes = (list: Uint8Array[]) => list.map(hex);

/** Leaves "0", "1", … as in the CT and transparency-dev generated trees. */
function leafHashes(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(String(i))));
}

// Reference implementations written straight from RFC 9162 §2.1.3.1 and §2.1.4.1, over leaves.
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...refPath(m, d.slice(0, k)), rootFromLeafHashes(d.slice(k))] : [...refPath(m - k, d.slice(k)), rootFromLeafHashes(d.slice(0, k))];
}

function refSubproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [rootFromLeafHashes(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), rootFromLeafHashes(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), rootFromLeafHashes(d.slice(0, k))];
}

function counting(get: NodeAccessor): { get: NodeAccessor; calls: () => number } {
  let calls = 0;
  return {
    get: (l, i) => {
      calls++;
      return get(l, i);
    },
    calls: () => calls,
  };
}

function flipped(proof: Uint8Array[], i: number, byte: number): Uint8Array[] {
  const copy = proof.map((p) => Buffer.from(p));
  copy[i]![byte]! ^= 0x01;
  return copy;
}

/**
 * Flips one byte of each proof hash in turn (and restores it); true if any variant verifies.
 * `every` flips every byte position; otherwise one position per hash, rotating with `seed`
 * (the verifier has no position-dependent logic, and every byte is reached across the sweep).
 */
function anyFlipVerifies(proof: Uint8Array[], verify: (p: Uint8Array[]) => boolean, every: boolean, seed = 0): boolean {
  const copy = proof.map((p) => Buffer.from(p));
  for (const [e, h] of copy.entries()) {
    const positions = every ? h.keys() : [(seed + 7 * e) % h.length];
    for (const byte of positions) {
      h[byte]! ^= 0x01;
      const ok = verify(copy);
      h[byte]! ^= 0x01;
      if (ok) return true;
    }
  }
  return false;
}

const sortNodes = (nodes: { level: number; index: number }[]) => nodes.map((n) => [n.level, n.index]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);

describe('RFC 9162 Merkle tree: published RFC 6962 reference tree', () => {
  const leaves = ref.leafInputsHex.map((h) => leafHash(fromHex(h)));
  const get = memoryAccessor(leaves);
  const roots = ref.rootsHex.map(fromHex);

  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(emptyRoot())).toBe(ref.rootsHex[0]);
    ref.nodeHashesHex.forEach((level, l) => level.forEach((h, i) => expect(hex(get(l, i))).toBe(h)));
    expect(hex(nodeHash(leaves[0]!, leaves[1]!))).toBe(ref.nodeHashesHex[1]![0]);
  });

  it('computes the root of every size 0–8, directly and from complete subtrees', () => {
    for (let n = 0; n <= 8; n++) {
      expect(hex(rootFromLeafHashes(leaves.slice(0, n)))).toBe(ref.rootsHex[n]);
      expect(hex(rootFromAccessor(n, get))).toBe(ref.rootsHex[n]);
    }
  });

  it('generates and verifies the published inclusion proofs', () => {
    for (const v of ref.inclusion) {
      const proof = inclusionProof(v.index, v.size, get);
      expect(hexes(proof)).toEqual(v.proofHex);
      expect(verifyInclusion(leaves[v.index]!, v.index, v.size, v.proofHex.map(fromHex), roots[v.size]!)).toBe(true);
    }
  });

  it('generates and verifies the published consistency proofs', () => {
    for (const v of ref.consistency) {
      const proof = consistencyProof(v.m, v.n, get);
      expect(hexes(proof)).toEqual(v.proofHex);
      expect(verifyConsistency(v.m, v.n, v.proofHex.map(fromHex), roots[v.m]!, roots[v.n]!)).toBe(true);
    }
  });

  it('builds proofs from exactly the complete subtrees transparency-dev/merkle uses', () => {
    for (const v of ref.inclusionNodes)
      expect(sortNodes(inclusionNodes(v.index, v.size))).toEqual(sortNodes(v.nodes.map(([level, index]) => ({ level: level!, index: index! }))));
    for (const v of ref.consistencyNodes)
      expect(sortNodes(consistencyNodes(v.m, v.n))).toEqual(sortNodes(v.nodes.map(([level, index]) => ({ level: level!, index: index! }))));
    expect(sortNodes(rootNodes(7))).toEqual([
      [0, 6],
      [1, 2],
      [2, 0],
    ]);
  });

  it('rejects the corruptions the CT and transparency-dev verifier tests apply', () => {
    const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const v of ref.inclusion.filter((x) => x.proofHex.length > 0)) {
      const proof = v.proofHex.map(fromHex);
      const [leaf, root] = [leaves[v.index]!, roots[v.size]!];
      const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [v.index - 1, v.size, proof, leaf, root],
        [v.index + 1, v.size, proof, leaf, root],
        [v.index ^ 2, v.size, proof, leaf, root],
        [v.index, v.size * 2, proof, leaf, root],
        [v.index, Math.floor(v.size / 2), proof, leaf, root],
        [v.index, v.size, proof, leafHash(Buffer.from('WrongLeaf')), root],
        [v.index, v.size, proof, leaf, emptyRoot()],
        [v.index, v.size, proof, leaf, some],
        [v.index, v.size, [...proof, new Uint8Array(0)], leaf, root],
        [v.index, v.size, [...proof, root], leaf, root],
        [v.index, v.size, [new Uint8Array(0), ...proof], leaf, root],
        [v.index, v.size, [root, ...proof], leaf, root],
        [v.index, v.size, proof.slice(0, -1), leaf, root],
        [v.index, v.size, [proof[0]!, some, ...proof.slice(1)], leaf, root],
        ...proof.map((_, i): [number, number, Uint8Array[], Uint8Array, Uint8Array] => [v.index, v.size, flipped(proof, i, 0), leaf, root]),
      ];
      for (const [index, size, p, l, r] of bad) expect(verifyInclusion(l, index, size, p, r)).toBe(false);
    }
    for (const v of ref.consistency.filter((x) => x.proofHex.length > 0)) {
      const proof = v.proofHex.map(fromHex);
      const [r1, r2] = [roots[v.m]!, roots[v.n]!];
      const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [v.m - 1, v.n, proof, r1, r2],
        [v.m + 1, v.n, proof, r1, r2],
        [v.m ^ 2, v.n, proof, r1, r2],
        [v.m, v.n * 2, proof, r1, r2],
        [v.m, Math.floor(v.n / 2), proof, r1, r2],
        [v.m, v.n, proof, Buffer.from('WrongRoot'), r2],
        [v.m, v.n, proof, r1, Buffer.from('WrongRoot')],
        [v.m, v.n, proof, r2, r1],
        [v.m, v.n, [], r1, r2],
        [v.m, v.n, [...proof, new Uint8Array(0)], r1, r2],
        [v.m, v.n, [...proof, r1], r1, r2],
        [v.m, v.n, [...proof, r2], r1, r2],
        [v.m, v.n, [new Uint8Array(0), ...proof], r1, r2],
        [v.m, v.n, [r1, ...proof], r1, r2],
        [v.m, v.n, [r2, ...proof], r1, r2],
        [v.m, v.n, [proof[0]!, ...proof], r1, r2],
        [v.m, v.n, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): [number, number, Uint8Array[], Uint8Array, Uint8Array] => [v.m, v.n, flipped(proof, i, 0), r1, r2]),
      ];
      for (const [m, n, p, a, b] of bad) expect(verifyConsistency(m, n, p, a, b)).toBe(false);
    }
  });

  it('handles the edge cases of the published verifier tests', () => {
    const e = emptyRoot();
    const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const [i, n] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(some, i, n, [], new Uint8Array(0))).toBe(false);
      expect(verifyInclusion(new Uint8Array(0), i, n, [], e)).toBe(false);
      expect(verifyInclusion(some, i, n, [], e)).toBe(false);
    }
    const single = leafHash(Buffer.from('data'));
    expect(verifyInclusion(single, 0, 1, [], single)).toBe(true);
    expect(verifyInclusion(single, 0, 1, [], new Uint8Array(0))).toBe(false);
    expect(verifyConsistency(0, 0, [], e, e)).toBe(true);
    expect(verifyConsistency(0, 1, [], e, roots[1]!)).toBe(true);
    expect(verifyConsistency(1, 1, [], roots[1]!, roots[1]!)).toBe(true);
    expect(verifyConsistency(1, 0, [], roots[1]!, e)).toBe(false); // time travel
    expect(verifyConsistency(2, 1, [], roots[2]!, roots[1]!)).toBe(false);
    expect(verifyConsistency(1, 2, [], roots[1]!, roots[2]!)).toBe(false); // empty proof
    expect(verifyConsistency(0, 0, [], e, some)).toBe(false);
    expect(verifyConsistency(1, 1, [], e, some)).toBe(false);
    expect(verifyConsistency(0, 0, [e], e, e)).toBe(false); // roots match, proof not empty
    expect(verifyConsistency(0, 1, [e], e, e)).toBe(false);
    expect(verifyConsistency(1, 1, [e], e, e)).toBe(false);
    expect(verifyConsistency(0, 1, [], some, roots[1]!)).toBe(false); // size 0 has one root (stricter than transparency-dev)
  });

  it('never throws on junk input', () => {
    const junk: unknown[] = [undefined, null, -1, 1.5, NaN, 2 ** 60, 'x', [1], [new Uint8Array(31)], {}];
    for (const x of junk) {
      const j = x as never;
      expect(verifyInclusion(j, 0, 1, [], leaves[0]!)).toBe(false);
      expect(verifyInclusion(leaves[0]!, j, 1, [], leaves[0]!)).toBe(false);
      expect(verifyInclusion(leaves[0]!, 0, j, [], leaves[0]!)).toBe(false);
      expect(verifyInclusion(leaves[0]!, 0, 1, j, leaves[0]!)).toBe(false);
      expect(verifyConsistency(j, 2, [leaves[1]!], roots[1]!, roots[2]!)).toBe(false);
      expect(verifyConsistency(1, j, [leaves[1]!], roots[1]!, roots[2]!)).toBe(false);
      expect(verifyConsistency(1, 2, j, roots[1]!, roots[2]!)).toBe(false);
      expect(verifyConsistency(1, 2, [leaves[1]!], j, roots[2]!)).toBe(false);
    }
    expect(verifyConsistency(1, 2, [leaves[1]!], roots[1]!, roots[2]!)).toBe(true);
  });

  it('refuses to generate impossible proofs', () => {
    expect(() => inclusionProof(8, 8, get)).toThrow(RangeError);
    expect(() => inclusionProof(0, 0, get)).toThrow(RangeError);
    expect(() => inclusionProof(-1, 3, get)).toThrow(RangeError);
    expect(() => consistencyProof(0, 3, get)).toThrow(RangeError);
    expect(() => consistencyProof(6, 3, get)).toThrow(RangeError);
    expect(() => inclusionProof(0, 9, get)).toThrow(RangeError); // the accessor has no such subtree
  });
});

describe('RFC 9162 Merkle tree: a real CT log (Google Argon 2020)', () => {
  const size = argon.sth.tree_size;
  const root = fromB64(argon.sth.sha256_root_hash);
  const leaf = leafHash(fromB64(argon.leaf.leaf_input));
  const path = argon.leaf.audit_path.map(fromB64);
  const old = argon.consistency;
  const cproof = old.proof.map(fromB64);

  it('verifies the audit path of leaf 10000 in the 961,984,013-leaf tree', () => {
    expect(verifyInclusion(leaf, argon.leaf.leaf_index, size, path, root)).toBe(true);
    expect(verifyInclusion(leaf, argon.leaf.leaf_index + 1, size, path, root)).toBe(false);
    // Another size with this root (like the published tests: ·2 and /2; size ± 1 has the same path shape here).
    expect(verifyInclusion(leaf, argon.leaf.leaf_index, size * 2, path, root)).toBe(false);
    expect(verifyInclusion(leaf, argon.leaf.leaf_index, Math.floor(size / 2), path, root)).toBe(false);
    for (let i = 0; i < path.length; i++) expect(verifyInclusion(leaf, argon.leaf.leaf_index, size, flipped(path, i, 31), root)).toBe(false);
  });

  it('verifies the consistency proof from size 3,654,490', () => {
    expect(verifyConsistency(old.first, size, cproof, fromB64(old.oldRoot), root)).toBe(true);
    expect(verifyConsistency(old.first + 1, size, cproof, fromB64(old.oldRoot), root)).toBe(false);
    expect(verifyConsistency(old.first, size * 2, cproof, fromB64(old.oldRoot), root)).toBe(false);
    expect(verifyConsistency(old.first, Math.floor(size / 2), cproof, fromB64(old.oldRoot), root)).toBe(false);
    for (let i = 0; i < cproof.length; i++) expect(verifyConsistency(old.first, size, flipped(cproof, i, 7), fromB64(old.oldRoot), root)).toBe(false);
  });
});

describe('RFC 9162 Merkle tree: properties for every size 1–70', () => {
  const MAX = 70;
  const EVERY_BYTE = 24; // up to this size: every byte of every proof hash flipped, every other index tried
  const all = leafHashes(MAX + 1);
  const get = memoryAccessor(all);
  const roots = Array.from({ length: MAX + 2 }, (_, n) => rootFromLeafHashes(all.slice(0, n)));

  it('inclusion proofs match RFC 9162 §2.1.3.1, verify, and fail for any flipped byte, other index or other size', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, n, get);
        expect(hexes(proof)).toEqual(hexes(refPath(i, all.slice(0, n))));
        expect(verifyInclusion(all[i]!, i, n, proof, roots[n]!)).toBe(true);
        expect(anyFlipVerifies(proof, (p) => verifyInclusion(all[i]!, i, n, p, roots[n]!), n <= EVERY_BYTE, n + i)).toBe(false);
        const others = n <= EVERY_BYTE ? [...all.keys()] : [0, i - 1, i + 1, i ^ 1, i ^ 2, n - 1 - i, n - 1, n];
        expect(others.some((j) => j !== i && verifyInclusion(all[i]!, j, n, proof, roots[n]!))).toBe(false);
        // Another size: against that size's root, and (like the published tests) n·2 and n/2 against this root.
        for (const m of [n - 1, n + 1]) if (m > i) expect(verifyInclusion(all[i]!, i, m, proof, roots[m]!)).toBe(false);
        if (proof.length > 0) for (const m of [n * 2, Math.floor(n / 2)]) expect(verifyInclusion(all[i]!, i, m, proof, roots[n]!)).toBe(false);
        expect(verifyInclusion(all[i]!, i, n, proof.slice(1), roots[n]!)).toBe(proof.length === 0);
        expect(verifyInclusion(all[i]!, i, n, [...proof, roots[n]!], roots[n]!)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });

  it('consistency proofs match RFC 9162 §2.1.4.1, verify, and fail for any flipped byte or other size', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, get);
        expect(hexes(proof)).toEqual(hexes(refSubproof(m, all.slice(0, n), true)));
        expect(verifyConsistency(m, n, proof, roots[m]!, roots[n]!)).toBe(true);
        checked++;
        if (m === n) continue;
        expect(anyFlipVerifies(proof, (p) => verifyConsistency(m, n, p, roots[m]!, roots[n]!), n <= EVERY_BYTE, n + m)).toBe(false);
        for (const m2 of [m - 1, m + 1]) if (m2 >= 1) expect(verifyConsistency(m2, n, proof, roots[m2]!, roots[n]!)).toBe(false);
        for (const n2 of [n - 1, n + 1]) if (n2 >= m) expect(verifyConsistency(m, n2, proof, roots[m]!, roots[n2]!)).toBe(false);
        expect(verifyConsistency(m, n, proof.slice(0, -1), roots[m]!, roots[n]!)).toBe(false);
        expect(verifyConsistency(m, n, [...proof, roots[n]!], roots[m]!, roots[n]!)).toBe(false);
        expect(verifyConsistency(m, n, proof, roots[n]!, roots[m]!)).toBe(false);
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });

  it('reads O(log n) complete subtrees for roots and proofs', () => {
    const big = leafHashes(1000);
    const bigGet = memoryAccessor(big);
    for (let n = 1; n <= 1000; n += 37) {
      const logn = Math.ceil(Math.log2(n)) + 1;
      const r = counting(bigGet);
      expect(hex(rootFromAccessor(n, r.get))).toBe(hex(rootFromLeafHashes(big.slice(0, n))));
      expect(r.calls()).toBeLessThanOrEqual(logn);
      for (const i of [0, Math.floor(n / 3), n - 1]) {
        const c = counting(bigGet);
        inclusionProof(i, n, c.get);
        expect(c.calls()).toBeLessThanOrEqual(2 * logn);
      }
      for (const m of [1, Math.ceil(n / 2), n]) {
        const c = counting(bigGet);
        consistencyProof(m, n, c.get);
        expect(c.calls()).toBeLessThanOrEqual(2 * logn + 1);
      }
    }
  });
});

describe('RFC 9162 Merkle tree: sizes past 2^32', () => {
  // A consistent tree of 2^45 + … leaves without storing them: leaf i = leafHash(str(i mod 1024)),
  // so every complete subtree of height ≥ 10 has the same hash and those below are computed.
  const BLOCK = 10;
  const block = leafHashes(2 ** BLOCK);
  const blockGet = memoryAccessor(block);
  const tall: Uint8Array[] = [blockGet(BLOCK, 0)];
  for (let l = BLOCK + 1; l <= 53; l++) tall.push(nodeHash(tall[tall.length - 1]!, tall[tall.length - 1]!));
  const get: NodeAccessor = (level, index) => (level >= BLOCK ? tall[level - BLOCK]! : blockGet(level, index % 2 ** (BLOCK - level)));
  const leafAt = (i: number) => block[i % 2 ** BLOCK]!;

  it('generates and verifies proofs with exact integer arithmetic', () => {
    const size = 2 ** 45 + 2 ** 33 + 2 ** 20 + 12345;
    const root = rootFromAccessor(size, get);
    for (const i of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 45 - 3, 2 ** 45 + 2 ** 33 + 7, size - 2, size - 1]) {
      const proof = inclusionProof(i, size, get);
      expect(verifyInclusion(leafAt(i), i, size, proof, root)).toBe(true);
      const neighbour = i % 2 === 0 ? i + 1 : i - 1;
      expect(verifyInclusion(leafAt(i), neighbour, size, proof, root)).toBe(false);
      expect(verifyInclusion(leafAt(i), i, size, flipped(proof, proof.length - 1, 0), root)).toBe(false);
    }
    for (const m of [1, 2 ** 32 - 1, 2 ** 32 + 3, 2 ** 45, 2 ** 45 + 1, size - 1]) {
      const proof = consistencyProof(m, size, get);
      expect(verifyConsistency(m, size, proof, rootFromAccessor(m, get), root)).toBe(true);
      expect(verifyConsistency(m, size, proof, rootFromAccessor(m + 1, get), root)).toBe(false);
    }
  });
});
