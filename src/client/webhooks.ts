import crypto from 'node:crypto';

/**
 * Checks a webhook of Liên Thông (Standard Webhooks, asymmetric `v1a`: Ed25519) on the receiver's
 * side, with the platform's published keys (`GET /.well-known/webhook-keys.json`: `keys` as JWKs,
 * or `standard_webhooks` as `whpk_…` strings). Node's crypto only: nothing of the platform's code.
 */
export interface WebhookPublicKey {
  kty: string;
  crv: string;
  x: string;
  kid?: string;
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifiedWebhook {
  id: string;
  timestamp: Date;
  /** The body parsed: one CloudEvent (structured mode) or an array of them (batched mode). */
  payload: unknown;
}

function keyObject(k: WebhookPublicKey | string): crypto.KeyObject {
  if (typeof k === 'string') {
    if (!k.startsWith('whpk_')) throw new WebhookVerificationError('a Standard Webhooks public key starts with whpk_');
    return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k.slice(5), 'base64').toString('base64url') }, format: 'jwk' });
  }
  if (k.kty !== 'OKP' || k.crv !== 'Ed25519') throw new WebhookVerificationError('webhook keys are Ed25519 (OKP)');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' });
}

function header(headers: Headers | Record<string, string | string[] | undefined>, name: string): string {
  const v = headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()]);
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) throw new WebhookVerificationError(`missing ${name} header`);
  return s;
}

/**
 * Verifies `webhook-signature` over `${webhook-id}.${webhook-timestamp}.${body}`: valid when any
 * `v1a` signature in it verifies with any of the keys (several during a key rotation), and the
 * timestamp is within `toleranceSeconds` (5 minutes) of `now`, so an old message cannot be replayed.
 * `body` must be the exact bytes received. Throws WebhookVerificationError otherwise.
 */
export function verifyWebhook(
  headers: Headers | Record<string, string | string[] | undefined>,
  body: Uint8Array | string,
  publicKeys: readonly (WebhookPublicKey | string)[] | { keys: readonly WebhookPublicKey[] },
  opts: { now?: Date; toleranceSeconds?: number } = {},
): VerifiedWebhook {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!/^\d{1,12}$/.test(ts)) throw new WebhookVerificationError('malformed webhook-timestamp');
  const now = (opts.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - Number(ts)) > (opts.toleranceSeconds ?? 300)) throw new WebhookVerificationError('webhook-timestamp is too far from now');
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const input = Buffer.concat([Buffer.from(`${id}.${ts}.`), bytes]);
  const list: readonly (WebhookPublicKey | string)[] = Array.isArray(publicKeys) ? publicKeys : (publicKeys as { keys: readonly WebhookPublicKey[] }).keys;
  const keys = list.map(keyObject);
  for (const part of signatures.split(' ')) {
    const [version, sig] = part.split(',', 2);
    if (version !== 'v1a' || !sig) continue;
    const raw = Buffer.from(sig, 'base64');
    if (keys.some((k) => crypto.verify(null, input, k, raw))) {
      return { id, timestamp: new Date(Number(ts) * 1000), payload: JSON.parse(bytes.toString('utf8')) };
    }
  }
  throw new WebhookVerificationError('no webhook signature verifies with the given keys');
}
