import * as jose from 'jose';
import { type FieldViolation, PROBLEMS, Problem } from '../core/errors.ts';

/**
 * Algorithms a system may sign client assertions with: ES256, PS256 and EdDSA, the asymmetric
 * algorithms the FAPI 2.0 security profile allows (so not RS256: RSA with PKCS#1 v1.5 padding).
 * `Ed25519` is RFC 9864's fully-specified name for EdDSA over Ed25519, which current
 * clients (openid-client 6) send; it is the same algorithm.
 */
export const CLIENT_ASSERTION_ALGS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;

const KEY_TYPES: Record<string, { algs: string[]; crv?: string }> = {
  EC: { algs: ['ES256'], crv: 'P-256' },
  RSA: { algs: ['PS256'] },
  OKP: { algs: ['EdDSA', 'Ed25519'], crv: 'Ed25519' },
};
/** JWK members that only private or symmetric keys have (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'];
const MIN_RSA_BITS = 2048;

export interface ClientJwks {
  keys: jose.JWK[];
}

function problemsOf(key: Record<string, unknown>, seenKids: Set<string>): [string, string][] {
  const out: [string, string][] = [];
  const priv = PRIVATE_MEMBERS.filter((m) => m in key);
  if (priv.length > 0)
    out.push([
      `Khoá chứa thành phần bí mật (${priv.join(', ')}): chỉ gửi khoá công khai.`,
      `The key has private members (${priv.join(', ')}): send public keys only.`,
    ]);
  const type = KEY_TYPES[String(key.kty)];
  if (!type)
    return [
      ...out,
      [
        `Loại khoá "${String(key.kty)}" không được hỗ trợ: dùng EC P-256 (ES256), RSA (PS256) hoặc OKP Ed25519 (EdDSA).`,
        `Key type "${String(key.kty)}" is not supported: use EC P-256 (ES256), RSA (PS256) or OKP Ed25519 (EdDSA).`,
      ],
    ];
  if (type.crv && key.crv !== type.crv)
    out.push([`Khoá ${String(key.kty)} phải dùng đường cong ${type.crv}.`, `A ${String(key.kty)} key must use curve ${type.crv}.`]);
  if (key.alg !== undefined && !type.algs.includes(String(key.alg)))
    out.push([
      `Thuật toán "${String(key.alg)}" không được chấp nhận cho khoá ${String(key.kty)}; chỉ ${type.algs.join(', ')}.`,
      `Algorithm "${String(key.alg)}" is not accepted for a ${String(key.kty)} key; only ${type.algs.join(', ')}.`,
    ]);
  if (key.use !== undefined && key.use !== 'sig') out.push(['Khoá phải dùng để ký ("use": "sig").', 'The key must be a signing key ("use": "sig").']);
  if (key.kty === 'RSA' && typeof key.n === 'string' && Buffer.from(key.n, 'base64url').length * 8 < MIN_RSA_BITS)
    out.push([`Khoá RSA phải dài ít nhất ${MIN_RSA_BITS} bit.`, `RSA keys must be at least ${MIN_RSA_BITS} bits.`]);
  if (key.kid !== undefined) {
    if (typeof key.kid !== 'string' || key.kid.length === 0 || key.kid.length > 200)
      out.push(['"kid" phải là chuỗi 1–200 ký tự.', '"kid" must be a string of 1–200 characters.']);
    else if (seenKids.has(key.kid)) out.push([`"kid" "${key.kid}" bị trùng.`, `Duplicate "kid" "${key.kid}".`]);
    else seenKids.add(key.kid);
  }
  return out;
}

/**
 * Checks a JWKS a system registers for private_key_jwt and keeps only public members.
 * Every fault of every key is reported at once (400), as the JSON-schema errors are.
 */
export async function checkClientJwks(jwks: { keys: Record<string, unknown>[] }): Promise<ClientJwks> {
  const errors: FieldViolation[] = [];
  const seenKids = new Set<string>();
  const keys: jose.JWK[] = [];
  for (const [i, key] of jwks.keys.entries()) {
    const path = `/body/jwks/keys/${i}`;
    const faults = problemsOf(key, seenKids);
    if (faults.length === 0) {
      const clean = Object.fromEntries(PUBLIC_MEMBERS.filter((m) => key[m] !== undefined).map((m) => [m, key[m]])) as jose.JWK;
      try {
        await jose.importJWK(clean, KEY_TYPES[String(key.kty)]!.algs[0]); // the key material itself must be valid
        keys.push(clean);
      } catch {
        faults.push(['Khoá không hợp lệ (sai tham số khoá).', 'The key is invalid (bad key parameters).']);
      }
    }
    for (const [message, message_en] of faults) errors.push({ path, message, message_en });
  }
  if (errors.length > 0) {
    throw new Problem(PROBLEMS.validation, { detail: 'Bộ khoá công khai (JWKS) không hợp lệ.', detail_en: 'The public key set (JWKS) is invalid.', errors });
  }
  return { keys };
}

/** Keys to verify assertions with: an Ed25519 key answers to both of its algorithm names. */
export function assertionKeys(jwks: ClientJwks): ReturnType<typeof jose.createLocalJWKSet> {
  return jose.createLocalJWKSet({ keys: jwks.keys.map(({ alg, ...k }) => (k.kty === 'OKP' ? k : { ...k, ...(alg && { alg }) })) });
}
