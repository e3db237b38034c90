/**
 * Verifies a batch signature (`Lienthong-Batch-Signature`, docs/batch-signatures.md): the answer's
 * leaf is in a tree whose root the platform's response key signed. Written for the SDK alone, like
 * receipts.ts: it shares no code with the server that builds the trees.
 */
import crypto from 'node:crypto';
import { rootFromInclusionProof } from './receipts.ts';

export const BATCH_SIGNATURE_HEADER = 'lienthong-batch-signature';

const LABEL = Buffer.from('lienthong/batch-signature/v1/ed25519-sha256\0', 'ascii');
const B64U = '[A-Za-z0-9_-]';
const FORMAT = new RegExp(`^v=1;kid=(${B64U}{1,255});size=([1-9]\\d{0,9});index=(0|[1-9]\\d{0,9});salt=(${B64U}{22});path=(${B64U}*);sig=(${B64U}{86})$`);

/** The header's fields, decoded. */
export interface BatchSignatureFields {
  kid: string;
  size: number;
  index: number;
  salt: Buffer;
  path: Buffer[];
  signature: Buffer;
}

/** base64url without padding, exactly `bytes` long when given, canonical (its re-encoding is the text itself). */
function bytesOf(text: string, what: string, bytes?: number): Buffer {
  const b = Buffer.from(text, 'base64url');
  if (b.toString('base64url') !== text || (bytes !== undefined && b.length !== bytes)) throw new Error(`malformed ${what}`);
  return b;
}

export function parseBatchSignature(value: string): BatchSignatureFields {
  const m = FORMAT.exec(value);
  if (!m) throw new Error('malformed batch signature header');
  const [, kid, size, index, salt, path, sig] = m as unknown as [string, string, string, string, string, string, string];
  const pathBytes = bytesOf(path, 'path');
  if (pathBytes.length % 32 !== 0) throw new Error('malformed path');
  const hashes = Array.from({ length: pathBytes.length / 32 }, (_, i) => pathBytes.subarray(i * 32, (i + 1) * 32));
  return { kid, size: Number(size), index: Number(index), salt: bytesOf(salt, 'salt', 16), path: hashes, signature: bytesOf(sig, 'signature', 64) };
}

const sha256 = (...parts: Uint8Array[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

/** The bytes the platform's key signed for this answer: LABEL ‖ u8 len(kid) ‖ kid ‖ u64be size ‖ root. */
function batchSignedMessage(f: BatchSignatureFields, body: Uint8Array): Buffer {
  const leaf = sha256(Buffer.from([0x00]), f.salt, sha256(body));
  const root = rootFromInclusionProof(leaf, f.index, f.size, f.path);
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(f.size));
  const kid = Buffer.from(f.kid, 'ascii');
  return Buffer.concat([LABEL, Buffer.from([kid.length]), kid, size, root]);
}

/** Throws unless `value` proves that the platform's key `keyFor(kid)` signed exactly `body`. */
export async function verifyBatchSignature(
  value: string,
  body: Uint8Array,
  keyFor: (kid: string) => Promise<crypto.webcrypto.CryptoKey | crypto.KeyObject>,
): Promise<void> {
  const f = parseBatchSignature(value);
  const message = batchSignedMessage(f, body);
  const key = await keyFor(f.kid);
  const publicKey = key instanceof crypto.KeyObject ? key : crypto.KeyObject.from(key);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the key is not an Ed25519 key');
  if (!crypto.verify(null, message, publicKey, f.signature)) throw new Error('the batch signature does not verify');
}
