import crypto from 'node:crypto';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) and checkpoints
 * (https://c2sp.org/tlog-checkpoint): the text form of a signed tree head that witnesses,
 * auditors and the Go/transparency-dev tooling already read.
 *
 *   <origin>\n<size>\n<base64 root>\n       ← note text (the checkpoint body)
 *   \n                                      ← blank line
 *   — <key name> <base64(key ID ‖ sig)>\n   ← one line per signature (U+2014, then spaces)
 */

/** Signature type byte for Ed25519 (signed-note §"Signature types"). */
const ED25519_TYPE = 0x01;
const SIG_PREFIX = '\u2014 ';
/** signed-note: verifiers MUST accept at least 16 signatures; like golang.org/x/mod/sumdb/note, stop at 100. */
const MAX_SIGNATURES = 100;

export interface Checkpoint {
  /** log identity; for Liên Thông, the log's schema-less URL */
  origin: string;
  size: number;
  /** RFC 9162 root hash (32 bytes) */
  rootHash: Uint8Array;
  /** optional extension lines (tlog-checkpoint: NOT RECOMMENDED) */
  extensions?: string[];
}

/** Something that signs note text: a key file, or the crypto provider in front of an HSM. */
export interface NoteSigner {
  name: string;
  /** 4-byte key ID, e.g. `ed25519KeyId(name, publicKey)` */
  keyId: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface NoteVerifier {
  name: string;
  keyId: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  /** 4-byte key ID */
  keyId: Uint8Array;
  /** the signature proper, without the key ID */
  signature: Uint8Array;
}

export interface OpenedNote {
  /** the signed text, final newline included */
  text: string;
  /** signatures by known keys, each verified (one per key) */
  verified: NoteSignature[];
  /** signatures by keys not given; ignored, as signed-note requires */
  unverified: NoteSignature[];
}

export interface VerifiedCheckpoint extends OpenedNote {
  checkpoint: Checkpoint;
}

function malformed(why: string): Error {
  return new Error(`malformed note: ${why}`);
}

// ——— encodings ———

/** Standard base64 (RFC 4648 §4), canonical only: Buffer's decoder would skip junk silently. */
function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Key names: non-empty, no Unicode space, no '+' (signed-note §"Format"); no control characters either. */
function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0000-\u001f]/u.test(name);
}

/** signed-note: valid UTF-8 (a JS string that survives a UTF-8 round trip) and no controls but newline. */
function isNoteText(text: string): boolean {
  return !/[\u0000-\u0009\u000b-\u001f]/.test(text) && Buffer.from(text, 'utf8').toString('utf8') === text;
}

function toText(note: string | Uint8Array): string {
  if (typeof note === 'string') return note;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
  } catch {
    throw malformed('not UTF-8');
  }
}

// ——— keys ———

/** signed-note §"Ed25519 signatures": key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): Uint8Array {
  const digest = crypto
    .createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(publicKey)
    .digest();
  return digest.subarray(0, 4);
}

/** The raw 32-byte Ed25519 public key of a KeyObject (public or private). */
export function ed25519PublicKeyBytes(key: crypto.KeyObject): Uint8Array {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  return Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url');
}

/** The verifier key string of golang.org/x/mod/sumdb/note: `name+hex(key ID)+base64(0x01 ‖ public key)`. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  if (!isKeyName(name)) throw new Error(`bad key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  const encoded = Buffer.concat([Buffer.from([ED25519_TYPE]), publicKey]).toString('base64');
  return `${name}+${hex(ed25519KeyId(name, publicKey))}+${encoded}`;
}

function ed25519PublicKey(raw: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** Parses a verifier key; refuses any other algorithm, a bad encoding, or a key ID that does not match the key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // name+hash+key: the key is standard base64, which may itself contain '+', so split twice only.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const [name, idHex, keyB64] = first < 0 || second < 0 ? [] : [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  const bad = () => new Error(`invalid verifier key ${JSON.stringify(vkey)}`);
  if (!name || !isKeyName(name) || !idHex || !/^[0-9a-f]{8}$/.test(idHex) || !keyB64) throw bad();
  const key = decodeBase64(keyB64);
  if (!key || key.length !== 33 || key[0] !== ED25519_TYPE) throw bad();
  const publicKey = key.subarray(1);
  const keyId = ed25519KeyId(name, publicKey);
  if (hex(keyId) !== idHex) throw bad();
  const keyObject = ed25519PublicKey(publicKey);
  return {
    name,
    keyId,
    verify: (message, signature) => signature.length === 64 && crypto.verify(null, message, keyObject, signature),
  };
}

/** A NoteSigner for an Ed25519 private key held in this process (tests, key files). */
export function ed25519Signer(name: string, privateKey: crypto.KeyObject): NoteSigner {
  if (!isKeyName(name)) throw new Error(`bad key name ${JSON.stringify(name)}`);
  return {
    name,
    keyId: ed25519KeyId(name, ed25519PublicKeyBytes(privateKey)),
    sign: async (message) => crypto.sign(null, message, privateKey),
  };
}

// ——— notes ———

/** Signs `text` (which must end in a newline) with each signer, in order. */
export async function signNote(text: string, ...signers: NoteSigner[]): Promise<string> {
  if (text.length === 0 || !text.endsWith('\n') || !isNoteText(text))
    throw malformed('text must be non-empty UTF-8 ending in a newline, without control characters');
  if (signers.length === 0) throw new Error('a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const lines: string[] = [];
  for (const signer of signers) {
    if (!isKeyName(signer.name) || signer.keyId.length !== 4) throw new Error(`invalid signer ${JSON.stringify(signer.name)}`);
    const signature = await signer.sign(message);
    lines.push(`${SIG_PREFIX}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`);
  }
  return `${text}\n${lines.join('')}`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw malformed('signature line must start with "— "');
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  const bytes = space > 0 ? decodeBase64(rest.slice(space + 1)) : null;
  if (!isKeyName(name) || !bytes || bytes.length < 5) throw malformed(`bad signature line ${JSON.stringify(line)}`);
  return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
}

/**
 * Splits a signed note into its text and signature lines, checking only syntax: the text ends
 * at the last blank line (signed-note §"Format"); after it come 1 … 100 signature lines.
 */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  const all = toText(note);
  if (!isNoteText(all)) throw malformed('control characters or invalid UTF-8');
  const split = all.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature lines must end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

function verifierIndex(verifiers: readonly (string | NoteVerifier)[]): Map<string, NoteVerifier> {
  const index = new Map<string, NoteVerifier>();
  const source = new Map<string, string | NoteVerifier>();
  for (const v of verifiers) {
    const verifier = typeof v === 'string' ? parseVerifierKey(v) : v;
    const key = `${verifier.name}+${hex(verifier.keyId)}`;
    const earlier = source.get(key);
    if (earlier !== undefined && earlier !== v) throw new Error(`ambiguous key ${key}`);
    index.set(key, verifier);
    source.set(key, v);
  }
  return index;
}

/**
 * Verifies a signed note against trusted keys (verifier key strings or NoteVerifiers), per
 * signed-note §"Signatures": signatures by unknown keys are ignored; a signature by a known key
 * that fails rejects the whole note; at least one known key must have signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly (string | NoteVerifier)[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const known = verifierIndex(verifiers);
  const message = Buffer.from(text, 'utf8');
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  for (const sig of signatures) {
    const key = `${sig.name}+${hex(sig.keyId)}`;
    const verifier = known.get(key);
    if (!verifier) {
      unverified.set(`${key} ${hex(sig.signature)}`, sig);
    } else if (!verifier.verify(message, sig.signature)) {
      throw new Error(`invalid signature for key ${key}`);
    } else {
      verified.set(key, sig);
    }
  }
  if (verified.size === 0) throw new Error('note has no verifiable signatures');
  return { text, verified: [...verified.values()], unverified: [...unverified.values()] };
}

// ——— checkpoints ———

const SIZE = /^(0|[1-9][0-9]*)$/;

function checkOrigin(origin: string): void {
  if (origin.length === 0 || origin.includes('\n') || !isNoteText(origin)) throw malformed('origin must be one non-empty line');
}

/** tlog-checkpoint §"Note text": origin, decimal size without leading zeroes, base64 root, each on its own line. */
export function formatCheckpoint(cp: Checkpoint): string {
  checkOrigin(cp.origin);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new RangeError(`bad tree size ${cp.size}`);
  if (cp.rootHash.length !== 32) throw new RangeError('root hash must be 32 bytes');
  const extensions = cp.extensions ?? [];
  for (const line of extensions) {
    if (line.length === 0 || line.includes('\n') || !isNoteText(line)) throw malformed('extension lines must be non-empty single lines');
  }
  return [cp.origin, String(cp.size), Buffer.from(cp.rootHash).toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint body (the note text); throws if it is not one. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('checkpoint must end in a newline');
  const [origin = '', size = '', root = '', ...extensions] = text.slice(0, -1).split('\n');
  checkOrigin(origin);
  const rootHash = decodeBase64(root);
  if (!SIZE.test(size) || !Number.isSafeInteger(Number(size))) throw malformed(`bad tree size ${JSON.stringify(size)}`);
  if (!rootHash || rootHash.length !== 32) throw malformed('root hash must be base64 of 32 bytes');
  if (extensions.some((l) => l.length === 0)) throw malformed('empty extension line');
  return extensions.length > 0 ? { origin, size: Number(size), rootHash, extensions } : { origin, size: Number(size), rootHash };
}

/**
 * Verifies a signed checkpoint: the note's signatures as `openNote`, then its text as a
 * checkpoint, and (if given) that it comes from the expected log.
 */
export function verifyNote(note: string | Uint8Array, verifiers: readonly (string | NoteVerifier)[], options: { origin?: string } = {}): VerifiedCheckpoint {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new Error(`checkpoint is from ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(options.origin)}`);
  }
  return { ...opened, checkpoint };
}
