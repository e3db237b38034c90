import crypto from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle trees over SHA-256, §2.1.
 *
 * Pure functions: trees are read through a `NodeAccessor` that answers the hash of a *complete*
 * (perfect) subtree — level `l`, index `i` covers leaves [i·2^l, (i+1)·2^l). Complete subtrees
 * never change once the log has grown past them, which is what lets them live in immutable
 * C2SP tiles (see tiles.ts). Hashes of incomplete right-edge subtrees are recomputed from at most
 * log2(n) complete ones, the way transparency-dev/merkle's `proof` package does it.
 *
 * Sizes and indexes are `number`s, exact up to Number.MAX_SAFE_INTEGER (2^53 − 1); the code uses
 * arithmetic, not 32-bit bitwise operators, so trees past 2^32 leaves are handled.
 */

export const HASH_SIZE = 32;

/** Hash of the complete subtree at (level, index); throws if the tree does not hold it. */
export type NodeAccessor = (level: number, index: number) => Uint8Array;

export interface NodeId {
  level: number;
  index: number;
}

// ——— hashing (§2.1.1: domain separation of leaves and interior nodes) ———

/** One-shot SHA-256 (crypto.hash, Node ≥ 20.12, is ~20% faster on 65-byte inputs); createHash before that. */
export const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'buffer') as Buffer : (data) => crypto.createHash('sha256').update(data).digest();

/**
 * 0x00 ‖ leaf in one buffer — the input of the leaf hash (RFC 9162 §2.1.1) — with the leaf a view
 * of it: an append hashes and stores the leaf without copying it into a second buffer.
 */
export function framed(text: string): Buffer {
  const out = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
  out[0] = 0x00;
  out.write(text, 1, 'utf8');
  return out;
}

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + leaf.length);
  input[0] = 0x00;
  input.set(leaf, 1);
  return sha256(input);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** MTH({}) = SHA-256() — the root of the empty tree. */
export function emptyRoot(): Uint8Array {
  return crypto.createHash('sha256').digest();
}

// ——— integer helpers, exact to 2^53 ———

/** Number of bits needed to write x (0 → 0). */
function bitLength(x: number): number {
  let bits = 0;
  while (x >= 2 ** 32) {
    x = Math.floor(x / 2 ** 32);
    bits += 32;
  }
  return bits + 32 - Math.clz32(x);
}

/** §2.1.1: "k is the largest power of two smaller than n" (n > 1). */
function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function requireCount(name: string, x: number): void {
  if (!isCount(x)) throw new RangeError(`${name} must be a non-negative safe integer, got ${String(x)}`);
}

// ——— roots ———

/**
 * MTH(D[n]) straight from §2.1.1's recursion over all leaf hashes: O(n), no accessor. The
 * reference the accessor-based code is tested against, and handy for small in-memory trees.
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  const mth = (start: number, n: number): Uint8Array => {
    if (n === 1) return leafHashes[start]!;
    const k = splitPoint(n);
    return nodeHash(mth(start, k), mth(start + k, n - k));
  };
  return leafHashes.length === 0 ? emptyRoot() : mth(0, leafHashes.length);
}

/**
 * MTH(D[start : start+n]) for an aligned range (start a multiple of the power of two ≥ n, as every
 * range in §2.1's recursions is). The range splits into the complete subtrees given by the binary
 * digits of n, largest first; §2.1.1's "largest power of two smaller than n" split then reduces
 * to folding them from the right. At most log2(n)+1 accessor calls.
 */
function rangeRoot(start: number, n: number, get: NodeAccessor): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let level = bitLength(n) - 1, offset = start, rest = n; rest > 0; level--) {
    const width = 2 ** level;
    if (rest < width) continue;
    parts.push(get(level, offset / width));
    offset += width;
    rest -= width;
  }
  let hash = parts.pop()!;
  while (parts.length > 0) hash = nodeHash(parts.pop()!, hash);
  return hash;
}

/** Root of the tree of the first `size` leaves, from complete-subtree hashes only. */
export function rootFromAccessor(size: number, get: NodeAccessor): Uint8Array {
  requireCount('size', size);
  return size === 0 ? emptyRoot() : rangeRoot(0, size, get);
}

// ——— proofs (§2.1.3.1 and §2.1.4.1, unrolled into loops) ———

/**
 * PATH(m, D[n]) of §2.1.3.1: the audit path for leaf `index` in the tree of `size` leaves,
 * leaf-side hash first. Following the recursion from the root down, the first step into a left
 * half leaves a power-of-two range, so at most one sibling is an incomplete subtree: the proof
 * costs O(log n) accessor calls.
 */
export function inclusionProof(index: number, size: number, get: NodeAccessor): Uint8Array[] {
  requireCount('index', index);
  requireCount('size', size);
  if (index >= size) throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
  const rootSide: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      rootSide.push(rangeRoot(start + k, n - k, get)); // PATH(m, D[0:k]) : MTH(D[k:n])
      n = k;
    } else {
      rootSide.push(rangeRoot(start, k, get)); // PATH(m − k, D[k:n]) : MTH(D[0:k])
      start += k;
      m -= k;
      n -= k;
    }
  }
  return rootSide.reverse();
}

/**
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1, leaf-side hash first. Empty when
 * m = n; m = 0 has no proof in RFC 9162 (every tree extends the empty one), so it is refused.
 */
export function consistencyProof(m: number, n: number, get: NodeAccessor): Uint8Array[] {
  requireCount('m', m);
  requireCount('n', n);
  if (m === 0 || m > n) throw new RangeError(`no consistency proof from size ${m} to size ${n}`);
  const rootSide: Uint8Array[] = [];
  let start = 0;
  let size = n;
  let old = m;
  let wholeOldTree = true; // SUBPROOF's b: is D[start:start+old] the whole old tree?
  while (old !== size) {
    const k = splitPoint(size);
    if (old <= k) {
      rootSide.push(rangeRoot(start + k, size - k, get)); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      size = k;
    } else {
      rootSide.push(rangeRoot(start, k, get)); // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
      start += k;
      old -= k;
      size -= k;
      wholeOldTree = false;
    }
  }
  if (!wholeOldTree) rootSide.push(rangeRoot(start, old, get)); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
  return rootSide.reverse();
}

// ——— which complete subtrees a computation reads (to fetch their tiles in one batch) ———

function nodesRead(run: (get: NodeAccessor) => unknown): NodeId[] {
  const seen = new Map<string, NodeId>();
  const filler = new Uint8Array(HASH_SIZE);
  run((level, index) => {
    seen.set(`${level}/${index}`, { level, index });
    return filler;
  });
  return [...seen.values()];
}

/** Complete subtrees `rootFromAccessor(size, ·)` reads. */
export function rootNodes(size: number): NodeId[] {
  return nodesRead((get) => rootFromAccessor(size, get));
}

/** Complete subtrees `inclusionProof(index, size, ·)` reads. */
export function inclusionNodes(index: number, size: number): NodeId[] {
  return nodesRead((get) => inclusionProof(index, size, get));
}

/** Complete subtrees `consistencyProof(m, n, ·)` reads. */
export function consistencyNodes(m: number, n: number): NodeId[] {
  return nodesRead((get) => consistencyProof(m, n, get));
}

// ——— in-memory trees ———

/**
 * An accessor over an array of leaf hashes: every complete subtree is computed once (n − 1
 * node hashes). For tests, bundles and small trees; the database reads tiles instead.
 */
export function memoryAccessor(leafHashes: readonly Uint8Array[]): NodeAccessor {
  const levels: Uint8Array[][] = [[...leafHashes]];
  for (let below = levels[0]!; below.length > 1;) {
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(above);
    below = above;
  }
  return (level, index) => {
    const hash = levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  };
}

// ——— verification (§2.1.3.2 and §2.1.4.2); never throws ———

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

function isHashList(x: unknown): x is Uint8Array[] {
  return Array.isArray(x) && x.every(isHash);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

const half = (x: number): number => Math.floor(x / 2);
const odd = (x: number): boolean => x % 2 === 1;

/** §2.1.3.2: recompute the root from an audit path; null where the algorithm says "fail". */
function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: Uint8Array[]): Uint8Array | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/** Does `proof` show the leaf with hash `leaf` at `index` in the tree of `size` leaves with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    if (!isHash(leaf) || !isHash(root) || !isHashList(proof) || !isCount(index) || !isCount(size)) return false;
    const computed = rootFromInclusionProof(leaf, index, size, proof);
    return computed !== null && sameBytes(computed, root);
  } catch {
    return false;
  }
}

/** §2.1.4.2 for 0 < m < n. */
function checkConsistency(m: number, n: number, proof: Uint8Array[], rootM: Uint8Array, rootN: Uint8Array): boolean {
  if (proof.length === 0) return false; // step 1
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof; // step 2
  let fn = m - 1; // step 3
  let sn = n - 1;
  while (odd(fn)) {
    // step 4
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!; // step 5
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    // step 6
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sameBytes(fr, rootM) && sameBytes(sr, rootN) && sn === 0; // step 7
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && 2 ** (bitLength(x) - 1) === x;
}

/**
 * Does `proof` show the tree of `m` leaves with root `rootM` is a prefix of the tree of `n`
 * leaves with root `rootN`? Outside §2.1.4.2's 0 < m < n: m = n needs an empty proof and equal
 * roots; m = 0 needs an empty proof and `rootM` equal to the empty-tree root (stricter than
 * transparency-dev, which ignores rootM there: a checkpoint of size 0 with any other root is bogus).
 */
export function verifyConsistency(m: number, n: number, proof: readonly Uint8Array[], rootM: Uint8Array, rootN: Uint8Array): boolean {
  try {
    if (!isHash(rootM) || !isHash(rootN) || !isHashList(proof) || !isCount(m) || !isCount(n) || m > n) return false;
    if (m === 0) return proof.length === 0 && sameBytes(rootM, emptyRoot()) && (n > 0 || sameBytes(rootN, rootM));
    if (m === n) return proof.length === 0 && sameBytes(rootM, rootN);
    return checkConsistency(m, n, proof, rootM, rootN);
  } catch {
    return false;
  }
}
