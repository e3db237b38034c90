import crypto from 'node:crypto';

/**
 * The batch signature format of gateway answers, byte for byte as docs/batch-signatures.md
 * specifies it: answers signed together are the leaves of one RFC 9162-shaped Merkle tree and one
 * Ed25519 signature covers its root. This module only builds; the SDK (src/client/batch-signatures.ts)
 * and the tests verify with code of their own.
 */
export const BATCH_SIGNATURE_HEADER = 'lienthong-batch-signature';

/** Bound into every signed message: a signature of this format is never one of another (a JWS signing input holds no `/` nor 0x00). */
const LABEL = Buffer.from('lienthong/batch-signature/v1/ed25519-sha256\0', 'ascii');
export const SALT_BYTES = 16;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * leaf = SHA-256(0x00 ‖ salt ‖ SHA-256(body)). The salt (random, given only to the answer's
 * recipient) keeps the sibling hashes in another consumer's path from confirming a guess of this body.
 */
export function leafHash(salt: Uint8Array, bodyDigest: Uint8Array): Buffer {
  return crypto.hash('sha256', Buffer.concat([LEAF_PREFIX, salt, bodyDigest]), 'buffer');
}

/** node = SHA-256(0x01 ‖ left ‖ right): never equal to a leaf's input (RFC 6962 §2.1). */
function nodeHash(left: Buffer, right: Buffer): Buffer {
  return crypto.hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** The largest power of two below n (n ≥ 2): where RFC 9162 §2.1.1 splits a tree of n leaves. */
const split = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/** The root of the leaves and each leaf's inclusion path (siblings from the leaf up, RFC 9162 §2.1.3.1). */
export function batchTree(leaves: readonly Buffer[]): { root: Buffer; paths: Buffer[][] } {
  if (leaves.length === 0) throw new Error('a batch has at least one answer');
  const paths = leaves.map((): Buffer[] => []);
  const subtree = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    const mid = lo + split(hi - lo);
    const left = subtree(lo, mid);
    const right = subtree(mid, hi);
    // Children first, so each path grows from the leaf upwards.
    for (let i = lo; i < mid; i++) paths[i]!.push(right);
    for (let i = mid; i < hi; i++) paths[i]!.push(left);
    return nodeHash(left, right);
  };
  return { root: subtree(0, leaves.length), paths };
}

/** LABEL ‖ u8 len(kid) ‖ kid ‖ u64be size ‖ root: what the Ed25519 key signs. */
export function signedMessage(kid: string, size: number, root: Uint8Array): Buffer {
  const k = Buffer.from(kid, 'ascii');
  if (k.length === 0 || k.length > 255) throw new Error('a key id is 1 to 255 ASCII bytes');
  const sizeBytes = Buffer.alloc(8);
  sizeBytes.writeBigUInt64BE(BigInt(size));
  return Buffer.concat([LABEL, Buffer.from([k.length]), k, sizeBytes, root]);
}

export interface BatchSignature {
  kid: string;
  size: number;
  index: number;
  salt: Uint8Array;
  path: readonly Uint8Array[];
  signature: Uint8Array;
}

const b64u = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

/** `v=1;kid=…;size=…;index=…;salt=…;path=…;sig=…` — fixed order, base64url without padding. */
export function headerValue(s: BatchSignature): string {
  return `v=1;kid=${s.kid};size=${s.size};index=${s.index};salt=${b64u(s.salt)};path=${b64u(Buffer.concat(s.path))};sig=${b64u(s.signature)}`;
}
