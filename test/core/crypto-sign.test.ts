/**
 * signBytes: a large message is signed on libuv's thread pool, a small one on the event loop; both
 * give signatures that Node's own verify accepts (Ed25519, and ES256 as JWS wants it: r‖s).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OFF_LOOP_BYTES, signBytes } from '../../src/core/crypto.ts';

describe('signBytes', () => {
  for (const [alg, type] of [
    ['EdDSA', 'ed25519'],
    ['ES256', 'ec'],
  ] as const) {
    it(`${alg}: below ${OFF_LOOP_BYTES} bytes on the loop, from it off the loop; both verify, a changed byte does not`, async () => {
      const { privateKey, publicKey } = type === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) : crypto.generateKeyPairSync('ed25519');
      for (const size of [100, OFF_LOOP_BYTES, 40_000]) {
        const data = crypto.randomBytes(size);
        const made = signBytes(alg, data, privateKey);
        expect(made instanceof Promise, `${size} bytes`).toBe(size >= OFF_LOOP_BYTES);
        const sig = await made;
        const verify = (d: Buffer) =>
          alg === 'ES256' ? crypto.verify('sha256', d, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig) : crypto.verify(null, d, publicKey, sig);
        expect(verify(data)).toBe(true);
        data[size >> 1]! ^= 1;
        expect(verify(data)).toBe(false);
      }
    });
  }
});
