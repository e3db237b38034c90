import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as jose from 'jose';

/**
 * The platform's signing keys (R-11: exchanges use approved cryptographic products, so the key
 * holder is pluggable). A provider only signs bytes and publishes public keys — what a hardware
 * module (PKCS#11) offers; JWS/JWT assembly and verification are generic code below. Access
 * tokens, the sharing log's checkpoints and signed responses all sign through it.
 */
export type SigningAlg = 'ES256' | 'EdDSA';
const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA'];

type PublicJwk = jose.JWK & { kid: string; alg: SigningAlg; use: 'sig' };

export interface CryptoProvider {
  /** The key new signatures are made with. */
  signingKey(): Promise<{ kid: string; alg: SigningAlg }>;
  /** Signs `data` with key `kid`; JWS signature format (ES256: r‖s, 64 bytes). */
  sign(kid: string, data: Uint8Array): Promise<Uint8Array>;
  /** Every key verifiers should accept: the current one and older ones still in use. */
  publicJwks(): Promise<{ keys: PublicJwk[] }>;
}

interface HeldKey {
  kid: string;
  alg: SigningAlg;
  privateKey: crypto.KeyObject | null;
  jwk: PublicJwk;
}

function algOf(key: crypto.KeyObject): SigningAlg {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? key.type}: use P-256 (ES256) or Ed25519 (EdDSA)`);
}

/** kid = RFC 7638 thumbprint: stable, derived from the key, needs no metadata file. */
async function holdKey(privateKey: crypto.KeyObject | null, publicKey: crypto.KeyObject): Promise<HeldKey> {
  const alg = algOf(publicKey);
  const jwk = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

function generate(alg: SigningAlg): crypto.KeyPairKeyObjectResult {
  return alg === 'EdDSA' ? crypto.generateKeyPairSync('ed25519') : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * From this size on, a message is signed on libuv's thread pool (Node's callback form of
 * crypto.sign) rather than on the event loop: Ed25519 hashes the whole message twice, and a
 * webhook delivery of a hundred events (35 KB, signed twice) would hold the loop for a third of a
 * millisecond each time. Below it, the hand-off costs more than the signature.
 */
export const OFF_LOOP_BYTES = 8192;
const signAsync = promisify(crypto.sign) as (
  alg: string | null,
  data: NodeJS.ArrayBufferView,
  key: crypto.SignKeyObjectInput | crypto.KeyObject,
) => Promise<Buffer>;

/** An Ed25519 (or ES256, as JWS wants it: r‖s) signature, off the event loop when the message is large. */
export function signBytes(alg: SigningAlg, data: NodeJS.ArrayBufferView, key: crypto.KeyObject): Buffer | Promise<Buffer> {
  // dsaEncoding matters to ECDSA only; for Ed25519 the options object just costs argument parsing on every gateway response.
  const large = data.byteLength >= OFF_LOOP_BYTES;
  if (alg === 'ES256') {
    const k = { key, dsaEncoding: 'ieee-p1363' as const };
    return large ? signAsync('sha256', data, k) : crypto.sign('sha256', data, k);
  }
  return large ? signAsync(null, data, key) : crypto.sign(null, data, key);
}

function keyRing(load: () => Promise<{ current: HeldKey; all: HeldKey[] }>): CryptoProvider {
  let ring: Promise<{ current: HeldKey; all: HeldKey[]; jwks: { keys: PublicJwk[] } }> | undefined;
  // Loaded once and kept: the same JWKS object each time lets verifiers cache their key set.
  const loaded = () =>
    (ring ??= load().then(({ current, all }) => ({ current, all, jwks: { keys: [current, ...all.filter((k) => k !== current)].map((k) => k.jwk) } })));
  return {
    async signingKey() {
      const { current } = await loaded();
      return { kid: current.kid, alg: current.alg };
    },
    async sign(kid, data) {
      const key = (await loaded()).all.find((k) => k.kid === kid);
      if (!key?.privateKey) throw new Error(`no private signing key ${kid}`);
      const signature = await signBytes(key.alg, data, key.privateKey);
      return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
    },
    async publicJwks() {
      return (await loaded()).jwks;
    },
  };
}

/** Keys held in memory only: tests, and short-lived tools. */
export function memoryCryptoProvider(alg: SigningAlg = 'ES256'): CryptoProvider {
  return keyRing(async () => {
    const pair = generate(alg);
    const key = await holdKey(pair.privateKey, pair.publicKey);
    return { current: key, all: [key] };
  });
}

export const SIGNING_KEY_FILE = 'signing.pem';

/**
 * Key files outside the database, so a database administrator cannot sign. `signing.pem`
 * (PKCS#8, mode 0600) signs; every other `*.pem` in the directory (private or public) is
 * still published, so tokens and checkpoints signed before a rotation keep verifying.
 * The first use creates the directory (0700) and the key; several instances starting
 * together agree on one key because it is published with an exclusive link.
 */
export function fileCryptoProvider(dir: string, alg: SigningAlg = 'ES256'): CryptoProvider {
  return keyRing(async () => {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const signingPath = path.join(dir, SIGNING_KEY_FILE);
    if (!fs.existsSync(signingPath)) writeNewKey(signingPath, alg);
    const all: HeldKey[] = [];
    let current: HeldKey | undefined;
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.pem'))
      .sort()) {
      const key = await readKeyFile(path.join(dir, file));
      all.push(key);
      if (file === SIGNING_KEY_FILE) current = key;
    }
    if (!current?.privateKey) throw new Error(`${signingPath} must hold a private key`);
    return { current, all };
  });
}

function writeNewKey(target: string, alg: SigningAlg): void {
  const pem = generate(alg).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, target); // fails if another instance won the race: its key is used
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}

async function readKeyFile(file: string): Promise<HeldKey> {
  const pem = fs.readFileSync(file, 'utf8');
  if (!pem.includes('PRIVATE KEY')) {
    const pub = crypto.createPublicKey(pem);
    return holdKey(null, pub);
  }
  // Like ssh: a private key others can read is refused rather than used.
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by other users; run: chmod 600 ${file}`);
  }
  const priv = crypto.createPrivateKey(pem);
  return holdKey(priv, crypto.createPublicKey(priv));
}

/**
 * Signs with `primary` and publishes the keys of all: one JWKS (/.well-known/jwks.json) serves
 * verifiers of access tokens (ES256, the primary) and of signed gateway responses (EdDSA).
 */
export function publishTogether(primary: CryptoProvider, ...others: CryptoProvider[]): CryptoProvider {
  let jwks: Promise<{ keys: PublicJwk[] }> | undefined;
  return {
    signingKey: () => primary.signingKey(),
    sign: (kid, data) => primary.sign(kid, data),
    publicJwks() {
      // One object for the life of the process, so verifiers keep their key-set cache.
      jwks ??= Promise.all([primary, ...others].map((p) => p.publicJwks())).then((sets) => ({ keys: sets.flatMap((s) => s.keys) }));
      jwks.catch(() => (jwks = undefined));
      return jwks;
    },
  };
}

// ── JWS / JWT on top of any provider ──

/** base64url of bytes (viewed, not copied: gateway bodies are signed whole) or of a string's UTF-8. */
const b64u = (bytes: Uint8Array | string) =>
  (typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url');

/** The JWS signing input (RFC 7515 §5.1) and the key that signs it. */
async function signingInput(provider: CryptoProvider, payload: Uint8Array, header: Record<string, unknown>) {
  const { kid, alg } = await provider.signingKey();
  const protectedHeader = b64u(JSON.stringify({ ...header, alg, kid }));
  return { kid, protectedHeader, input: `${protectedHeader}.${b64u(payload)}` };
}

/** Compact JWS (RFC 7515) of `payload`, signed with the provider's current key. */
export async function signJws(provider: CryptoProvider, payload: Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, input } = await signingInput(provider, payload, header);
  return `${input}.${b64u(await provider.sign(kid, Buffer.from(input, 'latin1')))}`;
}

/** Signed JWT; `typ` e.g. `at+jwt` (RFC 9068) so a token of one kind is not accepted as another. */
export function signJwt(provider: CryptoProvider, claims: jose.JWTPayload, typ = 'JWT'): Promise<string> {
  return signJws(provider, Buffer.from(JSON.stringify(claims)), { typ });
}

/** Detached JWS (RFC 7515 Appendix F): `header..signature`; the content travels separately. */
export async function signDetached(provider: CryptoProvider, content: Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, protectedHeader, input } = await signingInput(provider, content, header);
  return `${protectedHeader}..${b64u(await provider.sign(kid, Buffer.from(input, 'latin1')))}`;
}

const keySets = new WeakMap<object, ReturnType<typeof jose.createLocalJWKSet>>();

async function verificationKeys(provider: CryptoProvider) {
  const jwks = await provider.publicJwks();
  let set = keySets.get(jwks);
  if (!set) keySets.set(jwks, (set = jose.createLocalJWKSet(jwks)));
  return set;
}

/** Verifies a JWT signed by the platform (any published key); throws jose errors. */
export async function verifyJwt(provider: CryptoProvider, token: string, options: jose.JWTVerifyOptions): Promise<jose.JWTPayload> {
  const { payload } = await jose.jwtVerify(token, await verificationKeys(provider), { algorithms: [...SIGNING_ALGS], ...options });
  return payload;
}

/** Verifies a detached JWS over `content`. */
export async function verifyDetached(provider: CryptoProvider, jws: string, content: Uint8Array): Promise<jose.CompactVerifyResult> {
  const [h, empty, s] = jws.split('.');
  if (h === undefined || s === undefined || empty !== '') throw new jose.errors.JWSInvalid('not a detached compact JWS');
  return jose.compactVerify(`${h}.${b64u(content)}.${s}`, await verificationKeys(provider), { algorithms: [...SIGNING_ALGS] });
}

// ── JWE to a consumer system's registered key ──

const encryptionKeys = new Map<string, Promise<{ key: jose.CryptoKey | Uint8Array; alg: string }>>();

/** Key management by key type: ECDH-ES+A256KW for EC/OKP (X25519), RSA-OAEP-256 for RSA. */
function keyManagementAlg(jwk: jose.JWK): string {
  return jwk.kty === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW';
}

/**
 * Compact JWE (RFC 7516, A256GCM content encryption) of `plaintext` to a public key: only the
 * holder of the private key reads it. Needs no platform secret, so it does not go through the
 * signing provider; the provider still signs the result (sign the bytes sent).
 */
export async function encryptFor(jwk: jose.JWK, plaintext: Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  const id = JSON.stringify(jwk);
  let imported = encryptionKeys.get(id);
  if (!imported) {
    const alg = keyManagementAlg(jwk);
    imported = jose.importJWK(jwk, alg).then((key) => ({ key, alg }));
    // A handful of consumer systems hold secret grants: a small map, cleared rather than grown.
    if (encryptionKeys.size > 1000) encryptionKeys.clear();
    encryptionKeys.set(id, imported);
    imported.catch(() => encryptionKeys.delete(id));
  }
  const { key, alg } = await imported;
  return new jose.CompactEncrypt(plaintext)
    .setProtectedHeader({ ...header, alg, enc: 'A256GCM', ...(typeof jwk.kid === 'string' && { kid: jwk.kid }) })
    .encrypt(key);
}
