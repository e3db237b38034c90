import crypto from 'node:crypto';

/**
 * Envelope encryption of data at rest: content is sealed with a data key, and the
 * data key is stored only wrapped by a key-encryption key (KEK) that never enters the database.
 *
 * AES-256-GCM from node:crypto (OpenSSL) rather than a library: it is the whole primitive needed,
 * an authenticated cipher with associated data, and no maintained JavaScript library adds to it
 * (jose's JWE would add a JSON header and base64 to every stored record; Tink has no Node port).
 */
export const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of every sealed value: the format, so another one can follow without guessing. */
const FORMAT_V1 = 1;

/**
 * The key-wrapping half of the platform's crypto provider (see `CryptoProvider` in crypto.ts for
 * the signing half): it holds KEKs and only wraps and unwraps data keys, as a hardware module or
 * another approved cryptographic product does (PKCS#11 C_WrapKey / C_UnwrapKey), so one can
 * replace the key file without the rest of the platform changing. Data keys are unwrapped into
 * the server's memory; the KEK never is when the holder is such a product.
 */
export interface KeyWrapper {
  /** The KEKs held: the current one (null: none yet), one prepared by `prepareNext` and not yet promoted, and every one held. */
  kekIds(): Promise<HeldKeks>;
  /** Creates the first KEK; returns its id and where it is kept (for the operator's log). */
  createFirst(): Promise<{ kekId: string; where: string }>;
  /** Wraps `dataKey` with KEK `kekId`; `context` is bound to the result (it must be given again to unwrap). */
  wrap(kekId: string, dataKey: Uint8Array, context: string): Promise<Uint8Array>;
  /** Unwraps; throws when the KEK is not held, or the wrapped key or its context was altered. */
  unwrap(kekId: string, wrapped: Uint8Array, context: string): Promise<Uint8Array>;
  /** A new KEK for a rotation, held but not yet current; returns its id. */
  prepareNext(): Promise<string>;
  /** Makes `kekId` (prepared by `prepareNext`) the current KEK; the one before is kept, retired, for older backups. */
  promote(kekId: string): Promise<void>;
}

export interface HeldKeks {
  current: string | null;
  pending: string | null;
  held: string[];
}

/** A KEK or data key id: a keyed digest, so it names the key without revealing anything of it. */
export function keyId(key: Uint8Array): string {
  return crypto.createHmac('sha256', key).update('lienthong key id').digest('hex').slice(0, 32);
}

export const newDataKey = (): Buffer => crypto.randomBytes(DATA_KEY_BYTES);

/** format ‖ iv ‖ ciphertext ‖ tag: AES-256-GCM of `plaintext` under `key`, authenticated with `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, body, cipher.getAuthTag()]);
}

/** The plaintext of `sealed`; throws `SealBroken` when the key, the aad or any byte differs. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: string): Buffer {
  const s = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (s.length < 1 + IV_BYTES + TAG_BYTES || s[0] !== FORMAT_V1) throw new SealBroken('not a sealed value of a known format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, s.subarray(1, 1 + IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(s.subarray(s.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(s.subarray(1 + IV_BYTES, s.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealBroken('authentication failed: wrong key, or the value was altered or moved');
  }
}

class SealBroken extends Error {
  constructor(why: string) {
    super(`sealed value cannot be opened: ${why}`);
    this.name = 'SealBroken';
  }
}

/** KEKs in memory only: tests and short-lived tools. The same wrapping as the key file's. */
export function memoryKeyWrapper(): KeyWrapper {
  const keks = new Map<string, Buffer>();
  let current: string | undefined;
  let next: string | undefined;
  const add = () => {
    const k = newDataKey();
    keks.set(keyId(k), k);
    return keyId(k);
  };
  return {
    kekIds: async () => ({ current: current ?? null, pending: next !== current ? (next ?? null) : null, held: [...keks.keys()] }),
    createFirst: async () => ({ kekId: (current = add()), where: 'memory' }),
    wrap: async (kekId, dataKey, context) => seal(held(keks, kekId), dataKey, context),
    unwrap: async (kekId, wrapped, context) => open(held(keks, kekId), wrapped, context),
    prepareNext: async () => (next = add()),
    promote: async (kekId) => {
      if (kekId !== next) throw new Error(`KEK ${kekId} was not prepared`);
      current = kekId;
    },
  };
}

function held(keks: Map<string, Buffer>, kekId: string): Buffer {
  const k = keks.get(kekId);
  if (!k) throw new Error(`KEK ${kekId} is not held`);
  return k;
}
