import { canonicalJson } from '../core/canonical.ts';
import type { Queryable } from '../db/database.ts';
import { CompactRange, originOf } from './log/index.ts';
import { HASH_SIZE, leafHash } from './log/merkle.ts';
import { parseVerifierKey, verifyNote } from './log/note.ts';
import { bytes } from './log/store.ts';

/**
 * An export bundle (docs/ledger-bundle.md): every entry's leaf bytes and every signed checkpoint
 * of one log, plus the log's verifier key, signed as a whole by the log key. Checking it needs
 * nothing but the file: no database, no server.
 */
const BUNDLE_FORMAT = 'lienthong-ledger-bundle/1';

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  log: string;
  origin: string;
  verifier_key: string;
  exported_at: string;
  /** `leaf`, or for entries already archived only their `leaf_hash` (both base64) */
  entries: { index: number; leaf?: string; leaf_hash?: string }[];
  checkpoints: { tree_size: number; note: string }[];
  /** base64 Ed25519 signature by the log key over the canonical JSON of every other member */
  signature: string;
}

export interface BundleReport {
  ok: boolean;
  log: string | null;
  entries: number;
  checkpoints: number;
  problem: string | null;
}

export async function buildBundle(
  q: Queryable,
  log: string,
  verifierKey: string,
  sign: (msg: Uint8Array) => Promise<Uint8Array>,
  now: Date,
  upTo?: number,
): Promise<Bundle> {
  const entries = await q.query<{ leaf_index: number; leaf: Uint8Array; leaf_hash: Uint8Array }>(
    `SELECT e.leaf_index, q.leaf, q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id
      WHERE e.custodian_code = $1 AND ($2::bigint IS NULL OR e.leaf_index < $2) ORDER BY e.leaf_index`,
    [log, upTo ?? null],
  );
  const cps = await q.query<{ tree_size: number; note: string }>(
    'SELECT tree_size, note FROM ledger_checkpoints WHERE custodian_code = $1 AND ($2::bigint IS NULL OR tree_size <= $2) ORDER BY tree_size',
    [log, upTo ?? null],
  );
  const unsigned: Omit<Bundle, 'signature'> = {
    format: BUNDLE_FORMAT,
    log,
    origin: originOf(log),
    verifier_key: verifierKey,
    exported_at: now.toISOString(),
    entries: entries.rows.map((e) =>
      bytes(e.leaf).length > 0
        ? { index: Number(e.leaf_index), leaf: bytes(e.leaf).toString('base64') }
        : { index: Number(e.leaf_index), leaf_hash: bytes(e.leaf_hash).toString('base64') },
    ),
    checkpoints: cps.rows.map((c) => ({ tree_size: Number(c.tree_size), note: c.note })),
  };
  const signature = Buffer.from(await sign(Buffer.from(canonicalJson(unsigned), 'utf8'))).toString('base64');
  return { ...unsigned, signature };
}

/** The bundle file: RFC 8785 canonical JSON, so every byte is significant. */
export function serializeBundle(b: Bundle): Buffer {
  return Buffer.from(canonicalJson(b), 'utf8');
}

/** Checks a bundle file with nothing else: signature, leaves, tree, every checkpoint. */
export function verifyBundle(file: Uint8Array): BundleReport {
  const fail = (problem: string, b?: Partial<Bundle>): BundleReport => ({
    ok: false,
    log: b?.log ?? null,
    entries: b?.entries?.length ?? 0,
    checkpoints: b?.checkpoints?.length ?? 0,
    problem,
  });
  let b: Bundle;
  try {
    b = JSON.parse(Buffer.from(file).toString('utf8')) as Bundle;
  } catch {
    return fail('the file is not JSON');
  }
  if (b?.format !== BUNDLE_FORMAT || !Array.isArray(b.entries) || !Array.isArray(b.checkpoints) || typeof b.signature !== 'string')
    return fail('not a Liên Thông ledger bundle', b);
  if (!Buffer.from(file).equals(serializeBundle(b))) return fail('the file is not in canonical form (it was edited)', b);
  let verifier;
  try {
    verifier = parseVerifierKey(b.verifier_key);
  } catch {
    return fail('invalid verifier key', b);
  }
  const { signature, ...unsigned } = b;
  if (!verifier.verify(Buffer.from(canonicalJson(unsigned), 'utf8'), Buffer.from(signature, 'base64'))) return fail('the bundle signature does not verify', b);
  if (b.origin !== originOf(b.log) || verifier.name !== b.origin) return fail('the log name, origin and key name disagree', b);

  const roots = new Map<number, Uint8Array>();
  for (const c of b.checkpoints) {
    try {
      const v = verifyNote(c.note, [verifier], { origin: b.origin });
      if (v.checkpoint.size !== c.tree_size) return fail(`checkpoint ${c.tree_size}: the note says size ${v.checkpoint.size}`, b);
      roots.set(c.tree_size, v.checkpoint.rootHash);
    } catch (err) {
      return fail(`checkpoint ${c.tree_size}: ${(err as Error).message}`, b);
    }
  }
  const tree = new CompactRange();
  for (const [i, e] of b.entries.entries()) {
    if (e.index !== i) return fail(`entry ${i} is missing or out of order`, b);
    let hash: Uint8Array;
    if (e.leaf === undefined) {
      // Archived earlier: only its hash travels; the signed checkpoints still pin it.
      if (typeof e.leaf_hash !== 'string') return fail(`entry ${i} has neither leaf nor leaf hash`, b);
      hash = Buffer.from(e.leaf_hash, 'base64');
    } else {
      const leaf = Buffer.from(e.leaf, 'base64');
      try {
        if ((JSON.parse(leaf.toString('utf8')) as { log?: string }).log !== b.log) return fail(`entry ${i} belongs to another log`, b);
      } catch {
        return fail(`entry ${i} is not JSON`, b);
      }
      hash = leafHash(leaf);
    }
    if (hash.length !== HASH_SIZE) return fail(`entry ${i} has a leaf hash of ${hash.length} bytes`, b);
    tree.push(hash);
    const want = roots.get(i + 1);
    if (want) {
      if (!Buffer.from(tree.root()).equals(Buffer.from(want)))
        return fail(`the tree of size ${i + 1} does not match its signed checkpoint (entries up to ${i} altered)`, b);
    }
  }
  const beyond = b.checkpoints.find((c) => c.tree_size > b.entries.length);
  if (beyond) return fail(`checkpoint ${beyond.tree_size} covers entries the bundle lacks`, b);
  return { ok: true, log: b.log, entries: b.entries.length, checkpoints: b.checkpoints.length, problem: null };
}
