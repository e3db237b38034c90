import { HASH_SIZE, emptyRoot, nodeHash, sha256 } from './merkle.ts';

/** Called for each interior node as it is completed: its height, its index at that height, its hash. */
export type OnNode = (height: number, index: number, hash: Uint8Array) => void;

/**
 * The running root of a tree built left to right: a compact range (RFC 9162 §2.1.1; the roots of
 * the perfect subtrees making up the tree so far, largest first), O(log n) memory and n − 1 node
 * hashes for n leaves. Verification, bundles and the benchmark all rebuild trees this way; an
 * `onNode` observer sees every interior node once, which is how verification derives the tiles
 * the tree must have from the same hashes that give the checkpoint roots.
 */
export class CompactRange {
  private readonly hashes: Uint8Array[] = [];
  private readonly heights: number[] = [];
  /** 0x01 ‖ left ‖ right, reused: one allocation a node hash fewer (a million of them in a verify). */
  private readonly input = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);
  /** Leaves pushed so far. */
  size = 0;

  constructor(private readonly onNode?: OnNode) {}

  push(leafHash: Uint8Array): void {
    let hash = leafHash;
    let height = 0;
    const n = this.size; // the node of height k completed by leaf n has index (n + 1) / 2^k − 1
    while (this.heights.length > 0 && this.heights.at(-1) === height) {
      this.heights.pop();
      this.input.set(this.hashes.pop()!, 1);
      this.input.set(hash, 1 + HASH_SIZE);
      hash = sha256(this.input);
      height++;
      this.onNode?.(height, (n + 1) / 2 ** height - 1, hash);
    }
    this.hashes.push(hash);
    this.heights.push(height);
    this.size++;
  }

  /** MTH of the leaves pushed so far (the empty tree's root before any). */
  root(): Uint8Array {
    if (this.hashes.length === 0) return emptyRoot();
    let acc = this.hashes.at(-1)!;
    for (let i = this.hashes.length - 2; i >= 0; i--) acc = nodeHash(this.hashes[i]!, acc);
    return acc;
  }
}
