import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type CryptoProvider, signDetached } from '../core/crypto.ts';
import type { ResponseSignatures } from '../core/config.ts';
import { BATCH_SIGNATURE_HEADER, SALT_BYTES, batchTree, headerValue, leafHash, signedMessage } from './batch-signatures.ts';

export const SIGNATURE_HEADER = 'x-jws-signature';

/** Signs the exact bytes of an answer: the headers that carry its signature. */
export interface ResponseSigner {
  /** `digest`: the body's SHA-256 when the caller has it already (the log entry needs it too). */
  sign(body: Uint8Array, digest?: Buffer): Promise<Record<string, string>>;
}

/**
 * Signatures of bytes signed a moment ago, by key and SHA-256 of the bytes: the same bytes sent to
 * many readers at once (a page shared by a hundred streams, feeds.ts) are signed once — the JWS
 * header names only the key, so its signature is as good for each of them.
 */
const RECENT_SIGNATURES = { max: 256 };

/** One detached JWS per answer (`x-jws-signature`). */
export function eachSigner(provider: CryptoProvider): ResponseSigner {
  const recent = new LRUCache<string, Promise<string>>(RECENT_SIGNATURES);
  return {
    async sign(body, digest) {
      const { kid } = await provider.signingKey();
      const key = `${kid}\u0000${(digest ?? crypto.hash('sha256', body, 'buffer')).toString('base64')}`;
      let signature = recent.get(key);
      if (!signature) {
        recent.set(key, (signature = signDetached(provider, body)));
        // A failed signature is not kept: the next answer with these bytes tries again.
        signature.catch(() => recent.delete(key));
      }
      return { [SIGNATURE_HEADER]: await signature };
    },
  };
}

/** Answers one batch signature covers at most: a path of at most 8 hashes (≈ 350 header bytes). */
const MAX_BATCH = 256;

interface Waiting {
  digest: Buffer;
  resolve(headers: Record<string, string>): void;
  reject(err: unknown): void;
}

/**
 * Group commit for signatures (docs/batch-signatures.md): answers ready in one turn of the event
 * loop wait for the end of that turn (setImmediate: no timer, no wait when idle) and are signed
 * together; answers that arrive while a batch is being signed form the next one. At most `maxBatch`
 * answers a signature. A failed signature fails only the answers of its batch.
 */
export function batchSigner(provider: CryptoProvider, maxBatch = MAX_BATCH): ResponseSigner {
  let queue: Waiting[] = [];
  let scheduled = false;
  let signing = false;

  async function drain(): Promise<void> {
    scheduled = false;
    signing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await signBatch(provider, batch);
      }
    } finally {
      signing = false;
    }
  }

  return {
    sign(body, digest) {
      return new Promise((resolve, reject) => {
        queue.push({ digest: digest ?? crypto.hash('sha256', body, 'buffer'), resolve, reject });
        // While a batch is being signed, the loop in drain() takes what arrives.
        if (scheduled || signing) return;
        scheduled = true;
        setImmediate(() => void drain());
      });
    },
  };
}

async function signBatch(provider: CryptoProvider, batch: Waiting[]): Promise<void> {
  try {
    const salts = crypto.randomBytes(SALT_BYTES * batch.length);
    const salt = (i: number) => salts.subarray(i * SALT_BYTES, (i + 1) * SALT_BYTES);
    const { root, paths } = batchTree(batch.map((w, i) => leafHash(salt(i), w.digest)));
    const { kid, alg } = await provider.signingKey();
    // The format names Ed25519 in its label: another key would sign a message that says otherwise.
    if (alg !== 'EdDSA') throw new Error(`batch signatures need an Ed25519 response key, not ${alg}`);
    const signature = await provider.sign(kid, signedMessage(kid, batch.length, root));
    batch.forEach((w, index) =>
      w.resolve({ [BATCH_SIGNATURE_HEADER]: headerValue({ kid, size: batch.length, index, salt: salt(index), path: paths[index]!, signature }) }),
    );
  } catch (err) {
    for (const w of batch) w.reject(err);
  }
}

/** The signer `LIENTHONG_RESPONSE_SIGNATURES` asks for. */
export function responseSigner(provider: CryptoProvider, mode: ResponseSignatures): ResponseSigner {
  return mode === 'batch' ? batchSigner(provider) : eachSigner(provider);
}
