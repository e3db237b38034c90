/**
 * Verifying a sharing-log receipt with nothing but the published keys (docs/ledger.md, "Verifying
 * a receipt with nothing but the published keys"), in the browser: WebCrypto only (SHA-256 through
 * crypto.subtle.digest, Ed25519 through crypto.subtle.verify), no dependency, no server code.
 * The same module runs under Node (globalThis.crypto has both), which is how it is unit-tested.
 *
 * RFC 9162 (Certificate Transparency 2.0) §2.1: leaf hash = SHA-256(0x00 ‖ leaf), node hash =
 * SHA-256(0x01 ‖ left ‖ right); §2.1.3.2 inclusion and §2.1.4.2 consistency verification.
 * C2SP signed note: the signed text, a blank line, then `— <name> <base64(key ID ‖ signature)>`.
 */

const subtle = globalThis.crypto.subtle;

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', concat(...parts)));
}

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

/** RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 ‖ leaf bytes). */
export function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  return sha256(LEAF, leaf);
}

/** RFC 9162 §2.1.1: an interior node, SHA-256(0x01 ‖ left ‖ right). */
function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(NODE, left, right);
}

// Sizes may exceed 2^31: halve with arithmetic, not with >>.
const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

/**
 * RFC 9162 §2.1.3.2: does `proof` lead from the leaf hash at `index` to `root` in a tree of `size`?
 */
export async function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      // Climb while we are a left child with no right sibling in this proof.
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of size `from` (root `oldRoot`) is a prefix of the
 * tree of size `to` (root `newRoot`)? Nothing was rewritten, only appended.
 */
export async function verifyConsistency(from: number, to: number, proof: Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): Promise<boolean> {
  if (from > to) return false;
  if (from === to) return proof.length === 0 && equal(oldRoot, newRoot);
  if (from === 0) return proof.length === 0; // the empty tree is a prefix of every tree
  if (proof.length === 0) return false;
  // 2. If `from` is an exact power of 2, the old root is the first node of the path.
  const path = isPowerOfTwo(from) ? [oldRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  // 4. Skip the levels where the old tree's last node is a right child.
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1) {
    if (odd(n)) return false;
    n = half(n);
  }
  return n === 1;
}

export interface VerifierKey {
  name: string;
  /** 8 hex digits. */
  keyId: string;
  publicKey: Uint8Array;
}

/**
 * A signed-note verifier key `name+hexhash+base64(0x01 ‖ Ed25519 public key)`, checked: 33 bytes
 * starting 0x01, and the key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
 * Split at the first two `+` only: the base64 part may contain `+`.
 */
export async function parseVerifierKey(vkey: string): Promise<VerifierKey | null> {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return null;
  const name = vkey.slice(0, first);
  const keyId = vkey.slice(first + 1, second).toLowerCase();
  let key: Uint8Array;
  try {
    key = fromBase64(vkey.slice(second + 1));
  } catch {
    return null;
  }
  if (key.length !== 33 || key[0] !== 0x01 || !/^[0-9a-f]{8}$/.test(keyId)) return null;
  const expected = toHex((await sha256(new TextEncoder().encode(name), new Uint8Array([0x0a]), key)).slice(0, 4));
  if (expected !== keyId) return null;
  return { name, keyId, publicKey: key.slice(1) };
}

export interface SignedNote {
  /** The signed text, with its final newline. */
  text: string;
  origin: string;
  size: number;
  root: Uint8Array;
  signatures: { name: string; keyId: string; signature: Uint8Array }[];
}

/** A C2SP checkpoint note split into its signed text (origin, size, root) and signature lines. */
export function parseNote(note: string): SignedNote | null {
  const cut = note.indexOf('\n\n');
  if (cut < 0) return null;
  const text = note.slice(0, cut + 1);
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !root || !/^\d+$/.test(size)) return null;
  const signatures: SignedNote['signatures'] = [];
  for (const line of note.slice(cut + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    try {
      const blob = fromBase64(m[2]!);
      if (blob.length !== 68) continue;
      signatures.push({ name: m[1]!, keyId: toHex(blob.slice(0, 4)), signature: blob.slice(4) });
    } catch {
      // not base64: not a signature line
    }
  }
  try {
    return { text, origin, size: Number(size), root: fromBase64(root), signatures };
  } catch {
    return null;
  }
}

/** Ed25519 over the note's signed text, the signature whose name is the key's name and key ID the key's. */
export async function verifyNoteSignature(note: SignedNote, key: VerifierKey): Promise<boolean> {
  const sig = note.signatures.find((s) => s.name === key.name && s.keyId === key.keyId);
  if (!sig) return false;
  try {
    const pub = await subtle.importKey('raw', concat(key.publicKey), { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, pub, concat(sig.signature), concat(new TextEncoder().encode(note.text)));
  } catch {
    return false;
  }
}

/** The parts of GET /api/v1/ledger/receipts/{id} that verification reads. */
export interface ReceiptInput {
  leaf: string | null;
  leaf_hash: string;
  leaf_index: number | null;
  inclusion_proof: string[] | null;
  checkpoint: { tree_size: number; root_hash: string; note: string } | null;
}

type StepId = 'key' | 'leaf' | 'inclusion' | 'checkpoint' | 'signature';
export interface Step {
  id: StepId;
  ok: boolean;
}

/**
 * Steps 1 and 4–6 of docs/ledger.md for one receipt and the log's published verifier key: each
 * step's result, and verified only if every step passed. (Step 2 is fetching the receipt; step 3,
 * comparing the entry with what was received, is the consumer's own; step 7 is `verifyConsistency`.)
 */
export async function verifyReceipt(receipt: ReceiptInput, verifierKey: string, origin: string): Promise<{ steps: Step[]; verified: boolean }> {
  const steps: Step[] = [];
  // 1. The pinned key parses, is Ed25519, its ID matches, and it is the log's origin.
  const key = await parseVerifierKey(verifierKey);
  steps.push({ id: 'key', ok: key !== null && key.name === origin });
  // 4. The leaf hash recomputed from the exact leaf bytes.
  const given = fromBase64(receipt.leaf_hash);
  const computed = receipt.leaf === null ? null : await leafHash(fromBase64(receipt.leaf));
  steps.push({ id: 'leaf', ok: computed !== null && equal(computed, given) });
  // 5. The inclusion proof leads from that leaf hash to the checkpoint's root.
  const cp = receipt.checkpoint;
  const root = cp ? fromBase64(cp.root_hash) : null;
  const inclusion =
    cp !== null &&
    root !== null &&
    receipt.leaf_index !== null &&
    receipt.inclusion_proof !== null &&
    computed !== null &&
    (await verifyInclusion(receipt.leaf_index, cp.tree_size, computed, receipt.inclusion_proof.map(fromBase64), root));
  steps.push({ id: 'inclusion', ok: inclusion });
  // 6a. The signed note says this log, this size and this root.
  const note = cp ? parseNote(cp.note) : null;
  steps.push({
    id: 'checkpoint',
    ok: note !== null && cp !== null && root !== null && note.origin === origin && note.size === cp.tree_size && equal(note.root, root),
  });
  // 6b. The Ed25519 signature of the note verifies with the pinned key.
  steps.push({ id: 'signature', ok: note !== null && key !== null && (await verifyNoteSignature(note, key)) });
  return { steps, verified: steps.every((s) => s.ok) };
}
