import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNING_KEY_FILE, fileCryptoProvider, memoryCryptoProvider, signDetached, signJwt, verifyDetached, verifyJwt } from '../../src/core/crypto.ts';

// The crypto provider touches no database: one run, not one per driver.
describe('crypto provider (R-11: pluggable key holder; R-5.3: signatures)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-keys-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates an ES256 key file with mode 0600 on first use and reuses it after a restart', async () => {
    const dir = path.join(root, 'a', 'keys');
    const first = fileCryptoProvider(dir);
    const { kid, alg } = await first.signingKey();
    expect(alg).toBe('ES256');
    expect(fs.statSync(path.join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual([SIGNING_KEY_FILE]); // no temporary file left behind
    const again = fileCryptoProvider(dir);
    expect((await again.signingKey()).kid).toBe(kid);
    const jwks = await again.publicJwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid, alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(kid).toBe(await jose.calculateJwkThumbprint(jwks.keys[0]!));
  });

  it('signs JWTs that jose verifies against the published JWKS, and checks typ', async () => {
    const provider = fileCryptoProvider(path.join(root, 'b'));
    const token = await signJwt(provider, { sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 }, 'at+jwt');
    const { payload, protectedHeader } = await jose.jwtVerify(token, jose.createLocalJWKSet(await provider.publicJwks()), { typ: 'at+jwt' });
    expect(payload.sub).toBe('x');
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: (await provider.signingKey()).kid });
    await expect(verifyJwt(provider, token, { typ: 'JWT' })).rejects.toThrow();
    const other = memoryCryptoProvider();
    await expect(verifyJwt(other, token, {})).rejects.toThrow(); // another key holder's signature is refused
  });

  it('supports EdDSA (Ed25519)', async () => {
    for (const provider of [memoryCryptoProvider('EdDSA'), fileCryptoProvider(path.join(root, 'ed'), 'EdDSA')]) {
      const token = await signJwt(provider, { hello: 'xin chào' });
      expect(jose.decodeProtectedHeader(token).alg).toBe('EdDSA');
      expect((await verifyJwt(provider, token, {})).hello).toBe('xin chào');
      expect((await provider.publicJwks()).keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    }
  });

  it('keeps publishing a retired key, so what it signed still verifies after a rotation', async () => {
    const dir = path.join(root, 'rotation');
    const before = fileCryptoProvider(dir);
    const oldToken = await signJwt(before, { n: 1 });
    const oldKid = (await before.signingKey()).kid;
    fs.renameSync(path.join(dir, SIGNING_KEY_FILE), path.join(dir, '2026-03-retired.pem'));
    const after = fileCryptoProvider(dir);
    const { kid } = await after.signingKey();
    expect(kid).not.toBe(oldKid);
    expect((await after.publicJwks()).keys.map((k) => k.kid)).toEqual([kid, oldKid]); // current first
    expect((await verifyJwt(after, oldToken, {})).n).toBe(1);
  });

  it('refuses a private key file other users can read', async () => {
    const dir = path.join(root, 'loose');
    await fileCryptoProvider(dir).signingKey();
    fs.chmodSync(path.join(dir, SIGNING_KEY_FILE), 0o644);
    await expect(fileCryptoProvider(dir).signingKey()).rejects.toThrow(/readable by other users.*chmod 600/);
  });

  it('makes detached signatures (RFC 7515 Appendix F) that fail on altered content', async () => {
    const provider = memoryCryptoProvider();
    const content = Buffer.from('{"dataset":"can-bo-dang-vien","rows":3}');
    const jws = await signDetached(provider, content, { cty: 'application/json' });
    expect(jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect((await verifyDetached(provider, jws, content)).protectedHeader.cty).toBe('application/json');
    await expect(verifyDetached(provider, jws, Buffer.from('{"dataset":"can-bo-dang-vien","rows":4}'))).rejects.toThrow();
  });
});
