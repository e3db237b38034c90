import type { CryptoProvider } from '../../core/crypto.ts';
import type { Queryable } from '../../db/database.ts';
import { type NoteSigner, ed25519KeyId, formatCheckpoint, signNote, verifierKey } from './note.ts';
import { bytes } from './store.ts';

/** The log's name in checkpoints (C2SP tlog-checkpoint "origin"): stable per custodian. */
export const originOf = (custodian: string) => `lienthong/${custodian.toLowerCase()}`;

export interface CheckpointRow {
  tree_size: number;
  root_hash: Uint8Array;
  created_at: Date;
  key_id: string;
  signature: Uint8Array;
  note: string;
}

/** The log key's public half as raw Ed25519 bytes, from the provider's JWKS (a hardware module publishes the same). */
export async function logPublicKey(crypto: CryptoProvider): Promise<{ kid: string; raw: Uint8Array }> {
  const { kid } = await crypto.signingKey();
  const jwk = (await crypto.publicJwks()).keys.find((k) => k.kid === kid);
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('the sharing-log key must be Ed25519 (C2SP signed-note)');
  return { kid, raw: Buffer.from(jwk.x, 'base64url') };
}

/** Signs through the crypto provider, so the log key can live in a hardware module. */
export async function noteSigner(crypto: CryptoProvider, origin: string): Promise<NoteSigner> {
  const { kid, raw } = await logPublicKey(crypto);
  return { name: origin, keyId: ed25519KeyId(origin, raw), sign: (msg) => crypto.sign(kid, msg) };
}

export async function logVerifierKey(crypto: CryptoProvider, origin: string): Promise<string> {
  return verifierKey(origin, (await logPublicKey(crypto)).raw);
}

/** Signs and stores the checkpoint of a tree (RFC 9162 root) as a C2SP signed note. */
export async function writeCheckpoint(
  tx: Queryable,
  crypto: CryptoProvider,
  log: string,
  origin: string,
  size: number,
  root: Uint8Array,
  now: Date,
): Promise<CheckpointRow> {
  const body = formatCheckpoint({ origin, size, rootHash: root });
  const signer = await noteSigner(crypto, origin);
  const note = await signNote(body, signer);
  const { kid } = await crypto.signingKey();
  // The note's signature line holds keyId ‖ signature; the JSON form carries the signature alone.
  const line = note
    .slice(body.length + 1)
    .trim()
    .split(' ')
    .at(-1)!;
  const signature = Buffer.from(line, 'base64').subarray(4);
  await tx.query(
    `INSERT INTO ledger_checkpoints (custodian_code, tree_size, root_hash, created_at, key_id, signature, note) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [log, size, Buffer.from(root), now, kid, signature, note],
  );
  return { tree_size: size, root_hash: root, created_at: now, key_id: kid, signature, note };
}

export async function latestCheckpoint(q: Queryable, log: string, atLeast = 0): Promise<CheckpointRow | null> {
  const r = await q.query<CheckpointRow>(
    `SELECT tree_size, root_hash, created_at, key_id, signature, note FROM ledger_checkpoints
      WHERE custodian_code = $1 AND tree_size >= $2 ORDER BY tree_size DESC LIMIT 1`,
    [log, atLeast],
  );
  const c = r.rows[0];
  return c ? { ...c, tree_size: Number(c.tree_size), root_hash: bytes(c.root_hash), signature: bytes(c.signature) } : null;
}
