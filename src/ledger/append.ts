import { newId } from '../core/ids.ts';
import type { Queryable } from '../db/database.ts';
import { type LedgerEntry, leafBytes, sha256 } from './entry.ts';
import { leafHash } from './merkle.ts';

export interface Receipt {
  id: string;
  log: string;
  leaf_hash: string;
  queued_at: Date;
  leaf_index: number | null;
}

/** The log's name in checkpoints (C2SP tlog-checkpoint "origin"): stable per custodian. */
export const originOf = (custodian: string) => `lienthong/${custodian.toLowerCase()}`;

/**
 * Appends one exchange to its custodian's log inside the caller's transaction: when the
 * exchange commits, the entry is durably queued; if this insert fails, the caller's transaction
 * fails and no data may leave (the rule of the gateway). Sequencing into the tree happens later,
 * in the integrator.
 */
export async function appendEntry(tx: Queryable, custodian: string, entry: LedgerEntry, now: Date, content?: Uint8Array): Promise<Receipt> {
  if (content && entry.response.content_sha256 !== sha256(content).toString('hex')) {
    throw new Error('ledger: kept content does not match the entry content_sha256');
  }
  await tx.query('INSERT INTO ledger_logs (custodian_code, origin, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [custodian, originOf(custodian), now]);
  const id = newId();
  const leaf = leafBytes(custodian, entry);
  const hash = Buffer.from(leafHash(leaf));
  await tx.query(
    `INSERT INTO ledger_queue (id, custodian_code, leaf, leaf_hash, queued_at, requested_at, requester_agency, requester_system, dataset_code, record_keys, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, custodian, leaf, hash, now, entry.requested_at, entry.requester.agency, entry.requester.system, entry.dataset, entry.record_keys, entry.response.status],
  );
  await tx.query('INSERT INTO ledger_pending (queue_id, custodian_code) VALUES ($1, $2)', [id, custodian]);
  if (content) await tx.query('INSERT INTO ledger_content (queue_id, content) VALUES ($1, $2)', [id, Buffer.from(content)]);
  return { id, log: custodian, leaf_hash: hash.toString('base64'), queued_at: now, leaf_index: null };
}
