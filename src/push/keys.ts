import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signBytes } from '../core/crypto.ts';

/**
 * The platform's webhook signing keys (Standard Webhooks, asymmetric `v1a`: Ed25519). Every
 * `*.pem` file of the folder holding a private key signs; during a rotation the operator adds the
 * new key beside the old one, both sign (several signatures in `webhook-signature`), receivers
 * learn the new public key, then the old file is removed. Public keys of every file are published
 * (`/.well-known/webhook-keys.json`); `signing.pem` is created on first use.
 */
interface WebhookKey {
  kid: string;
  /** Standard Webhooks' public-key form: `whpk_` + base64 of the raw 32 bytes. */
  whpk: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; use: 'sig'; alg: 'EdDSA' };
  privateKey: crypto.KeyObject | null;
}

export interface WebhookKeyRing {
  /** `v1a,<base64>` signatures of `${id}.${timestamp}.${body}`, one per signing key, space-separated. */
  sign(id: string, timestamp: number, body: Buffer): Promise<string>;
  publicKeys(): WebhookKey[];
}

function held(pub: crypto.KeyObject, priv: crypto.KeyObject | null): WebhookKey {
  const x = pub.export({ format: 'jwk' }).x!;
  const kid = crypto.createHash('sha256').update(x).digest('base64url').slice(0, 16);
  return {
    kid,
    whpk: `whpk_${Buffer.from(x, 'base64url').toString('base64')}`,
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, use: 'sig', alg: 'EdDSA' },
    privateKey: priv,
  };
}

export function loadWebhookKeys(dir: string): WebhookKeyRing {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const signing = path.join(dir, 'signing.pem');
  if (!fs.existsSync(signing)) {
    const pem = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    try {
      fs.writeFileSync(signing, pem, { mode: 0o600, flag: 'wx' }); // another instance may have won the race: its key is used
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const keys = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .map((f) => {
      const pem = fs.readFileSync(path.join(dir, f), 'utf8');
      if (!pem.includes('PRIVATE KEY')) return held(crypto.createPublicKey(pem), null);
      const priv = crypto.createPrivateKey(pem);
      if (priv.asymmetricKeyType !== 'ed25519') throw new Error(`${path.join(dir, f)}: webhook keys are Ed25519`);
      return held(crypto.createPublicKey(priv), priv);
    });
  const signers = keys.filter((k) => k.privateKey);
  return {
    async sign(id, timestamp, body) {
      const input = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
      const signatures = await Promise.all(signers.map((k) => signBytes('EdDSA', input, k.privateKey!)));
      return signatures.map((sig) => `v1a,${sig.toString('base64')}`).join(' ');
    },
    publicKeys: () => keys,
  };
}
