import type { Clock } from '../../core/clock.ts';
import type { CryptoProvider } from '../../core/crypto.ts';
import { PROBLEMS, Problem, notFound } from '../../core/errors.ts';
import type { Database, Queryable } from '../../db/database.ts';
import { withSnapshotReaders } from '../../db/snapshot.ts';
import { type CheckpointRow, latestCheckpoint, logPublicKey, logVerifierKey, noteSigner, originOf, writeCheckpoint } from './checkpoints.ts';
import { HandOff } from './hand-off.ts';
import { KnownLogs } from './known-logs.ts';
import type { QueuedLeaf } from './queue-rows.ts';
import { consistencyNodes, consistencyProof, inclusionNodes, inclusionProof, rootFromAccessor, rootNodes } from './merkle.ts';
import { BoundedNodeCache, accessorFor, bytes, loadTiles, writeTiles } from './store.ts';
import { TileCache } from './tile-cache.ts';
import { type Tile, appendToTiles, partialTiles } from './tiles.ts';
import { type LogVerifyOptions, type VerifyReport, verifyLog } from './verify.ts';

/**
 * The log itself, the way Tessera draws it: sequencing queued leaves into an RFC 9162 tree stored
 * as C2SP tiles, signed checkpoints, inclusion and consistency proofs, verification of the stored
 * rows. It knows leaves only as bytes and their hashes: no principals, no entry format, no HTTP.
 * The sharing log (../service.ts) is the application on top.
 */
export interface LogOptions {
  /** Checkpoint at least every N integrated entries … */
  checkpointEvery: number;
  /** … or T seconds after the last one, if the tree grew. */
  checkpointSeconds: number;
  /** Entries sequenced per integration batch (Tessera-style: ≤ 256). */
  batch: number;
  /** Memory for tiles kept for proofs (tile-cache.ts); default 128 MiB. */
  tileCacheBytes?: number;
}

/**
 * Rows the application derives from the leaves it sequences, written by the integrator's own
 * statement (one round trip a batch): `sql(first)` is an INSERT … SELECT whose parameters start at
 * `$first` ($1 is the log, $2 the first leaf index), `params` its parameters for the leaves' text.
 */
export interface SequencedIndex {
  sql(first: number): string;
  params(leaves: readonly string[]): unknown[];
}

/**
 * Connections `verify` reads with beside its own on the PostgreSQL server (withSnapshotReaders):
 * one is enough for the reads to keep up with this process's hashing.
 */
const VERIFY_READERS = 1;
const LOCK_NAMESPACE = 17_2025; // R-17, 2025: the integrator lock's first key

const badSize = (detail: string, detail_en: string) => new Problem(PROBLEMS.badRequest, { detail, detail_en });

export function createLog(db: Database, clock: Clock, crypto: CryptoProvider, opts: LogOptions, index?: SequencedIndex) {
  const tileCache = new TileCache(opts.tileCacheBytes);
  const nodeCaches = new Map<string, BoundedNodeCache>();
  const nodesOf = (log: string) => nodeCaches.get(log) ?? nodeCaches.set(log, new BoundedNodeCache()).get(log)!;
  /** Logs seen committed (ledger_logs rows are never deleted): no existence query, no upsert, after the first. */
  const known = new KnownLogs();
  const handOff = new HandOff();
  /**
   * The largest tree size seen committed per log. A log only grows, so a proof asking for a size
   * ≤ this one needs no query to know the size is valid; only a larger size asks the database.
   */
  const sizes = new Map<string, number>();
  const sawSize = (log: string, size: number) => {
    if (size > (sizes.get(log) ?? 0)) sizes.set(log, size);
  };

  async function treeSize(q: Queryable, log: string): Promise<number> {
    const r = await q.query<{ n: number }>('SELECT COALESCE(max(leaf_index) + 1, 0)::bigint AS n FROM ledger_entries WHERE custodian_code = $1', [log]);
    return Number(r.rows[0]!.n);
  }
  /** A committed size ≥ `atLeast` if the log has one (from memory when it can), else the current size. */
  async function sizeAtLeast(log: string, atLeast: number): Promise<number> {
    const cached = sizes.get(log) ?? 0;
    if (cached >= atLeast && cached > 0) return cached;
    const n = await treeSize(db, log);
    sawSize(log, n);
    return n;
  }

  async function rootAt(q: Queryable, log: string, size: number): Promise<Uint8Array> {
    return rootFromAccessor(size, await accessorFor(q, log, size, rootNodes(size)));
  }

  /**
   * Sequences queued entries into the tree: one integrator per log at a time (a transaction-level
   * advisory lock; other instances skip), a batch at a time, tiles and entries written in the
   * same transaction, then a signed checkpoint when one is due. Returns the entries integrated.
   */
  async function integrate(log: string): Promise<number> {
    let grown = -1;
    let exists = false;
    let written: readonly Tile[] = [];
    let sequenced: readonly string[] = [];
    const n = await db.transaction(async (tx) => {
      const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, log]);
      if (!lock.rows[0]!.ok) return 0;
      const size = await treeSize(tx, log);
      const pending = await nextPending(tx, log);
      // Entries or tiles (whose foreign key names the log) prove the log exists; an empty queue
      // does not — its first append may not have created it yet.
      exists = size > 0 || pending.rows.length > 0;
      const now = clock.now();
      const last = await latestCheckpoint(tx, log);
      if (pending.rows.length === 0) {
        if (size > (last?.tree_size ?? 0) && due(last, size, now))
          await writeCheckpoint(tx, crypto, log, originOf(log), size, await rootAt(tx, log, size), now);
        return 0;
      }
      const partial = await loadTiles(tx, log, partialTiles(size));
      const result = appendToTiles(
        size,
        pending.rows.map((p) => bytes(p.leaf_hash)),
        (l, i, w) => partial.get(`${l}/${i}/${w}`),
      );
      await writeTiles(tx, log, result.tiles);
      written = result.tiles;
      const ids = pending.rows.map((p) => p.id);
      // One statement: the entries, the application's rows derived from the leaves, and the work list emptied.
      await tx.query(
        `WITH e AS (INSERT INTO ledger_entries (custodian_code, leaf_index, queue_id, integrated_at)
                SELECT $1, $2::bigint + x.ord - 1, x.id, $3 FROM unnest($4::uuid[]) WITH ORDINALITY AS x(id, ord))${
                  index
                    ? `,
          s AS (${index.sql(6)})`
                    : ''
                }
         DELETE FROM ledger_pending WHERE custodian_code = $1 AND queue_id = ANY($5::uuid[])`,
        [log, size, now, ids, pending.lists, ...(index ? index.params(pending.rows.map((p) => p.leaf)) : [])],
      );
      if (due(last, result.size, now)) await writeCheckpoint(tx, crypto, log, originOf(log), result.size, result.root, now);
      grown = result.size;
      sequenced = ids;
      return pending.rows.length;
    });
    // Committed: the log has (at least) this size.
    if (exists) known.add(log);
    if (grown >= 0) sawSize(log, grown);
    tileCache.addFull(log, written);
    handOff.drop(log, sequenced);
    return n;
  }

  /**
   * The next work-list rows of a log, whole, until they list `opts.batch` entries (at least one
   * row, however long: a batch write of thousands is sequenced at once), and their leaves and
   * leaf hashes in the order listed: those this process queued from its hand-off, the others
   * read from the queue.
   */
  async function nextPending(tx: Queryable, log: string): Promise<{ lists: string[]; rows: { id: string; leaf_hash: Uint8Array; leaf: string }[] }> {
    // Only the rows the batch takes (`before`: entries listed ahead of the row), not every listed id of `batch` rows.
    const work = await tx.query<{ queue_id: string; ids: string[] }>(
      `SELECT queue_id, ids FROM (SELECT queue_id, ids, sum(cardinality(ids)) OVER (ORDER BY queue_id) - cardinality(ids) AS before
                                    FROM ledger_pending WHERE custodian_code = $1 ORDER BY queue_id LIMIT $2) w
        WHERE before < $2 ORDER BY queue_id`,
      [log, opts.batch],
    );
    const lists: string[] = [];
    const ids: string[] = [];
    for (const w of work.rows) {
      if (ids.length > 0 && ids.length + w.ids.length > opts.batch) break;
      lists.push(w.queue_id);
      ids.push(...w.ids);
    }
    const rows: { id: string; leaf_hash: Uint8Array; leaf: string }[] = [];
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const handed = handOff.get(log, id);
      if (handed) rows[i] = { id, leaf_hash: handed.hash, leaf: handed.leaf };
      else missing.push(i);
    });
    if (missing.length > 0) {
      const read = await readQueued(
        tx,
        missing.map((i) => ids[i]!),
      );
      // Written in one statement with their list: a listed entry missing from the queue is a broken database.
      if (read.length !== missing.length) throw new Error(`ledger: the work list of ${log} names ${missing.length - read.length} queue rows that do not exist`);
      missing.forEach((i, k) => (rows[i] = read[k]!));
    }
    return { lists, rows };
  }

  /**
   * Queue rows by id, in the order given. The leaf as text: it is UTF-8 JSON, and the
   * application's index rows are read from it. One primary-key probe an id (the OFFSET keeps the
   * sub-select a probe): for a few thousand ids the planner otherwise hashes the whole queue, a
   * cost that grows with the log.
   */
  async function readQueued(tx: Queryable, ids: readonly string[]): Promise<{ id: string; leaf_hash: Uint8Array; leaf: string }[]> {
    const r = await tx.query<{ id: string; leaf_hash: Uint8Array; leaf: string }>(
      `SELECT q.id, q.leaf_hash, q.leaf FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord)
         CROSS JOIN LATERAL (SELECT q.id, q.leaf_hash, convert_from(q.leaf, 'UTF8') AS leaf FROM ledger_queue q WHERE q.id = x.id OFFSET 0) q
        ORDER BY x.ord`,
      [ids],
    );
    return r.rows;
  }

  function due(last: CheckpointRow | null, size: number, now: Date): boolean {
    if (!last) return true;
    return size - last.tree_size >= opts.checkpointEvery || now.getTime() - last.created_at.getTime() >= opts.checkpointSeconds * 1000;
  }

  const allLogs = async () =>
    (await db.query<{ custodian_code: string }>('SELECT custodian_code FROM ledger_logs ORDER BY custodian_code')).rows.map((r) => r.custodian_code);

  async function requireLog(log: string): Promise<void> {
    if (known.has(log)) return;
    if ((await db.query('SELECT 1 FROM ledger_logs WHERE custodian_code = $1', [log])).rows.length === 0) throw notFound('nhật ký chia sẻ', 'sharing log', log);
    known.add(log);
  }

  /** An inclusion proof in a tree of `size` leaves the caller knows the log has. */
  async function proofAt(log: string, index: number, size: number): Promise<Uint8Array[]> {
    return inclusionProof(index, size, await accessorFor(db, log, size, inclusionNodes(index, size), tileCache, nodesOf(log)));
  }

  return {
    known,
    /** Committed queue rows of this process, for its integrator to take without reading them back (hand-off.ts). */
    handOff: (items: readonly QueuedLeaf[], hashes: Uint8Array) => handOff.add(items, hashes),
    integrate,
    /** Integrates every log until its queue is empty (the server's loop calls this). */
    async integrateAll(): Promise<number> {
      let total = 0;
      for (const log of await allLogs()) {
        known.add(log);
        for (let n = await integrate(log); n > 0; n = await integrate(log)) total += n;
      }
      return total;
    },
    /**
     * Loads every log's tiles into the proof cache, as far as it holds them (`serve` runs it at
     * start-up, in the background): proofs then need no round trip to the database.
     */
    async warmTiles(): Promise<number> {
      return tileCache.warm(db, await allLogs());
    },
    allLogs,
    requireLog,
    async treeSize(log: string): Promise<number> {
      const n = await treeSize(db, log);
      sawSize(log, n);
      return n;
    },
    latestCheckpoint: (log: string, atLeast?: number) => latestCheckpoint(db, log, atLeast),
    verifierKey: (log: string) => logVerifierKey(crypto, originOf(log)),
    signer: (log: string) => noteSigner(crypto, originOf(log)),
    publicKey: () => logPublicKey(crypto),
    proofAt,

    /** RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves. */
    async inclusion(log: string, index: number, size: number): Promise<Uint8Array[]> {
      await requireLog(log);
      const current = await sizeAtLeast(log, size);
      if (!(index >= 0 && index < size && size <= current)) throw badSize(`Cần 0 ≤ index < size ≤ ${current}.`, `Need 0 ≤ index < size ≤ ${current}.`);
      return proofAt(log, index, size);
    },

    /** RFC 9162 consistency proof: the tree of `from` leaves is a prefix of the tree of `to`. */
    async consistency(log: string, from: number, to: number): Promise<Uint8Array[]> {
      await requireLog(log);
      const current = await sizeAtLeast(log, to);
      if (!(from >= 1 && from <= to && to <= current)) throw badSize(`Cần 1 ≤ "from" ≤ "to" ≤ ${current}.`, `Need 1 ≤ "from" ≤ "to" ≤ ${current}.`);
      return consistencyProof(from, to, await accessorFor(db, log, to, consistencyNodes(from, to), tileCache, nodesOf(log)));
    },

    /** Recomputes one log or all of them from the database rows, each in one snapshot. */
    async verify<X>(
      log: string | undefined,
      progress: ((log: string, done: number, total: number) => void) | undefined,
      options: LogVerifyOptions<X>,
    ): Promise<VerifyReport[]> {
      const out: VerifyReport[] = [];
      for (const l of log ? [log] : await allLogs()) {
        const key = await logVerifierKey(crypto, originOf(l));
        // One snapshot per log: pages, tiles and checkpoints agree while the log keeps growing.
        // On the PostgreSQL server a second backend on the same snapshot reads every other page,
        // so reading (the larger part of verify) uses both the server's cores and this process's.
        out.push(
          await db.transaction(async (tx) => {
            await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
            return withSnapshotReaders(db, tx, VERIFY_READERS, (readers) =>
              verifyLog(tx, l, key, (d, t) => progress?.(l, d, t), { ...options, readers: options.readers ?? readers }),
            );
          }),
        );
      }
      return out;
    },
  };
}
