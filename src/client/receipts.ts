/**
 * Checks a receipt the way an auditor would, with nothing but the platform's published log keys
 * (docs/ledger.md, "Verifying a receipt"): the entry is the exchange received, its leaf is in the
 * tree (RFC 9162 inclusion proof) whose root the log key signed (C2SP signed note, Ed25519).
 * Written for the SDK alone — it shares no code with the server, so a fault in the server's log
 * code cannot hide itself here.
 */
import crypto from 'node:crypto';

const sha256 = (...parts: Uint8Array[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const b64 = (s: string) => Buffer.from(s, 'base64');

/** What `GET /api/v1/ledger/receipts/{id}` answers (the parts checked here). */
export interface ReceiptRecord {
  log: string;
  leaf: string | null;
  leaf_hash: string;
  leaf_index: number | null;
  inclusion_proof: string[] | null;
  checkpoint: { tree_size: number; root_hash: string; note: string } | null;
}

/** A receipt that does not check out: the log does not hold what the consumer received, or its proof fails. */
export class ReceiptError extends Error {
  override name = 'ReceiptError';
}

interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: crypto.KeyObject;
}

/** C2SP signed-note verifier key `name+hash+base64(0x01 ‖ Ed25519 key)`; the base64 may itself hold '+'. */
export function parseVerifierKey(vkey: string): VerifierKey {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new ReceiptError('malformed verifier key');
  const name = vkey.slice(0, first);
  const hash = Buffer.from(vkey.slice(first + 1, second), 'hex');
  const key = b64(vkey.slice(second + 1));
  if (key.length !== 33 || key[0] !== 0x01) throw new ReceiptError('the verifier key is not an Ed25519 key');
  const keyId = sha256(Buffer.from(`${name}\n`), key).subarray(0, 4);
  if (!keyId.equals(hash)) throw new ReceiptError('the verifier key hash does not match its key');
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') }, format: 'jwk' });
  return { name, keyId, publicKey };
}

/** The signed checkpoint's size and root, once its Ed25519 signature by `key` verifies. */
export function openCheckpoint(note: string, key: VerifierKey): { origin: string; size: number; root: Buffer } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new ReceiptError('malformed signed note');
  const text = note.slice(0, split + 1);
  const line = note
    .slice(split + 2)
    .split('\n')
    .find((l) => l.startsWith(`\u2014 ${key.name} `));
  if (!line) throw new ReceiptError(`the checkpoint carries no signature by ${key.name}`);
  const sig = b64(line.slice(`\u2014 ${key.name} `.length));
  if (sig.length !== 68 || !sig.subarray(0, 4).equals(key.keyId)) throw new ReceiptError('the checkpoint signature is not by the pinned key');
  if (!crypto.verify(null, Buffer.from(text, 'utf8'), key.publicKey, sig.subarray(4))) throw new ReceiptError('the checkpoint signature does not verify');
  const [origin, size, root] = text.split('\n') as [string, string, string];
  if (origin !== key.name) throw new ReceiptError('the checkpoint is of another log');
  return { origin, size: Number(size), root: b64(root) };
}

/** RFC 9162 §2.1.3.2: the root that `proof` leads to from the leaf at `index` of a tree of `size`. */
export function rootFromInclusionProof(leafHash: Buffer, index: number, size: number, proof: Buffer[]): Buffer {
  if (index >= size) throw new ReceiptError('the leaf index is outside the tree');
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new ReceiptError('the inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([0x01]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([0x01]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ReceiptError('the inclusion proof is too short');
  return r;
}

/** Steps 3–6 of the check, on a receipt record already fetched; `contentSha256` is what the consumer hashed on receipt. */
export function checkReceiptRecord(rec: ReceiptRecord, verifierKey: string, contentSha256: string): { leaf_index: number; tree_size: number } {
  if (rec.leaf_index === null || !rec.checkpoint || !rec.inclusion_proof || rec.leaf === null) throw new ReceiptError('the entry is not sequenced yet');
  // The leaf itself is what the tree holds: its own digest of the content is the one that counts.
  const leaf = b64(rec.leaf);
  const logged = JSON.parse(leaf.toString('utf8')) as { log?: unknown; response?: { content_sha256?: unknown } };
  if (logged.log !== rec.log) throw new ReceiptError('the leaf belongs to another log');
  if (logged.response?.content_sha256 !== contentSha256) throw new ReceiptError('the log records other content than was received');
  const leafHash = sha256(Buffer.from([0x00]), leaf);
  if (!leafHash.equals(b64(rec.leaf_hash))) throw new ReceiptError('the leaf hash does not match the leaf');
  const key = parseVerifierKey(verifierKey);
  const cp = openCheckpoint(rec.checkpoint.note, key);
  if (cp.size !== rec.checkpoint.tree_size) throw new ReceiptError('the signed size is not the checkpoint size');
  const root = rootFromInclusionProof(leafHash, rec.leaf_index, cp.size, rec.inclusion_proof.map(b64));
  if (!root.equals(cp.root)) throw new ReceiptError('the inclusion proof does not lead to the signed root');
  return { leaf_index: rec.leaf_index, tree_size: cp.size };
}
