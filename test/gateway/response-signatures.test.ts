import crypto from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { type CryptoProvider, memoryCryptoProvider } from '../../src/core/crypto.ts';
import { BATCH_SIGNATURE_HEADER, batchTree, headerValue, leafHash, signedMessage } from '../../src/gateway/batch-signatures.ts';
import { batchSigner } from '../../src/gateway/response-signatures.ts';
import { parseBatchSignature, verifyBatchSignature } from '../../src/client/batch-signatures.ts';
import { rootFromInclusionProof } from '../../src/client/receipts.ts';

/** An Ed25519 provider that counts its signatures and can be held mid-signature. */
function countingProvider(hold?: () => Promise<void>, failFirst = false) {
  const inner = memoryCryptoProvider('EdDSA');
  const calls: number[] = [];
  const provider: CryptoProvider = {
    signingKey: () => inner.signingKey(),
    publicJwks: () => inner.publicJwks(),
    async sign(kid, data) {
      calls.push(Number(Buffer.from(data).readBigUInt64BE(data.length - 40)));
      if (hold) await hold();
      if (failFirst && calls.length === 1) throw new Error('the key is away');
      return inner.sign(kid, data);
    },
  };
  const keyFor = async () => crypto.createPublicKey({ key: (await inner.publicJwks()).keys[0]!, format: 'jwk' });
  return { provider, calls, keyFor };
}

const bodies = (n: number, tag = 'a') => Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ tag, i })));

describe('batch signatures of gateway answers (docs/batch-signatures.md)', () => {
  it('answers signed in one turn of the event loop share one Ed25519 signature, each verifiable alone at its own index', async () => {
    const { provider, calls, keyFor } = countingProvider();
    const signer = batchSigner(provider);
    const sent = bodies(5);
    const headers = await Promise.all(sent.map((b) => signer.sign(b)));
    expect(calls).toEqual([5]);
    const fields = headers.map((h) => parseBatchSignature(h[BATCH_SIGNATURE_HEADER]!));
    expect(fields.map((f) => [f.size, f.index])).toEqual([0, 1, 2, 3, 4].map((i) => [5, i]));
    for (const [i, h] of headers.entries()) await verifyBatchSignature(h[BATCH_SIGNATURE_HEADER]!, sent[i]!, keyFor);
    await expect(verifyBatchSignature(headers[0]![BATCH_SIGNATURE_HEADER]!, sent[1]!, keyFor)).rejects.toThrow();
  });

  it('a lone answer is signed at the end of its turn, with no timer: a batch of one with an empty path', async () => {
    const { provider, calls, keyFor } = countingProvider();
    const header = (await batchSigner(provider).sign(Buffer.from('{}')))[BATCH_SIGNATURE_HEADER]!;
    expect(calls).toEqual([1]);
    expect(header).toMatch(/;size=1;index=0;salt=[\w-]{22};path=;sig=[\w-]{86}$/);
    await verifyBatchSignature(header, Buffer.from('{}'), keyFor);
  });

  it('a batch is bounded: 600 answers at once are signed as 256 + 256 + 88', async () => {
    const { provider, calls } = countingProvider();
    const signer = batchSigner(provider);
    await Promise.all(bodies(600).map((b) => signer.sign(b)));
    expect(calls).toEqual([256, 256, 88]);
  });

  it('answers that arrive while a signature is being made form the next batch (group commit)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    const { provider, calls } = countingProvider(() => (first ? ((first = false), held) : Promise.resolve()));
    const signer = batchSigner(provider);
    const lone = signer.sign(Buffer.from('first'));
    while (calls.length === 0) await new Promise((r) => setImmediate(r)); // the first batch is now being signed
    const later = bodies(3, 'later').map((b) => signer.sign(b));
    expect(calls).toEqual([1]);
    release();
    await Promise.all([lone, ...later]);
    expect(calls).toEqual([1, 3]);
  });

  it('a failed signature fails the answers of its batch only', async () => {
    const { provider, calls } = countingProvider(undefined, true);
    const signer = batchSigner(provider);
    await expect(Promise.all(bodies(2).map((b) => signer.sign(b)))).rejects.toThrow('the key is away');
    await expect(signer.sign(Buffer.from('next'))).resolves.toHaveProperty(BATCH_SIGNATURE_HEADER);
    expect(calls).toEqual([2, 1]);
  });

  it("for every tree size 1–33 and every index, the server's path leads the SDK's RFC 9162 verifier to the server's root", () => {
    for (let size = 1; size <= 33; size++) {
      const leaves = Array.from({ length: size }, (_, i) => leafHash(Buffer.alloc(16, i), crypto.hash('sha256', String(i), 'buffer')));
      const { root, paths } = batchTree(leaves);
      for (let i = 0; i < size; i++) {
        expect(paths[i]!.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size))); // (a path of the wrong length fails the verifier below)
        expect(rootFromInclusionProof(leaves[i]!, i, size, paths[i]!).equals(root)).toBe(true);
      }
    }
  });

  it('reproduces the worked example of docs/batch-signatures.md (RFC 8032 TEST 1 key, three answers)', async () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    const kid = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';
    const bodies = ['{"n":1}', '{"n":2}', '{"n":3}'].map((b) => Buffer.from(b));
    const salts = [1, 2, 3].map((n) => Buffer.alloc(16, n));
    const leaves = bodies.map((b, i) => leafHash(salts[i]!, crypto.hash('sha256', b, 'buffer')));
    const { root, paths } = batchTree(leaves);
    expect(root.toString('hex')).toBe('a59e7d70b9cebe8f546efc3f1bd0b9ad08fa51259ce005f1a93e1804ad57d2ed');
    const signature = crypto.sign(null, signedMessage(kid, 3, root), key);
    expect(signature.toString('hex')).toBe(
      '50cf314836f6ff1dd605927789726da519cc7817b64f68f473a9c31681cee25e8a6982ccb02b629f89154f780475717f49ab8f41a3af1e8ceddcd6eaf6819005',
    );
    expect(headerValue({ kid, size: 3, index: 2, salt: salts[2]!, path: paths[2]!, signature })).toBe(
      `v=1;kid=${kid};size=3;index=2;salt=AwMDAwMDAwMDAwMDAwMDAw;path=ZYx8uQL285TACkrPxY920c7K4M7WC87gXXZamVTYOpk;sig=UM8xSDb2_x3WBZJ3iXJtpRnMeBe2T2j0c6nDFoHO4l6KaYLMsCtin4kVT3gEdXF_SauPQaOvHozt3Nbq9oGQBQ`,
    );
    expect(kid).toBe(await jose.calculateJwkThumbprint(crypto.createPublicKey(key).export({ format: 'jwk' }) as jose.JWK));
  });
});
