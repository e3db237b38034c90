import { PROBLEMS, Problem, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { VIETNAM_TODAY, formatIsoDate, isIsoDate, vietnamDate } from '../core/time.ts';
import { Where } from '../db/rows.ts';
import type { Clock } from '../core/clock.ts';
import type { CryptoProvider } from '../core/crypto.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import { type AppendItem, DEFAULT_GROUP_APPENDER_OPTIONS, type GroupAppender, type GroupAppenderOptions, type GroupWriter, KnownLogs, type Receipt, appendEntry, appendMany, createGroupAppender, originOf, writeInProcess } from './append.ts';
import { type QueueThread, startQueueThread } from './queue-thread.ts';
import { type CheckpointRow, latestCheckpoint, logPublicKey, logVerifierKey, noteSigner, writeCheckpoint } from './checkpoints.ts';
import { buildBundle, serializeBundle } from './bundle.ts';
import { sha256 } from './entry.ts';
import type { LedgerEntry } from './entry.ts';
import { consistencyNodes, consistencyProof, inclusionNodes, inclusionProof, rootFromAccessor, rootNodes } from './merkle.ts';
import { BoundedNodeCache, accessorFor, bytes, loadTiles, writeTiles } from './store.ts';
import { searchColumns, searchInsert, searchParams } from './search.ts';
import { TileCache } from './tile-cache.ts';
import { type Tile, appendToTiles, partialTiles } from './tiles.ts';
import { type VerifyOptions, type VerifyReport, verifyLog } from './verify.ts';
import { withSnapshotReaders } from '../db/snapshot.ts';

export interface LedgerOptions {
  /** Checkpoint at least every N integrated entries … */
  checkpointEvery: number;
  /** … or T seconds after the last one, if the tree grew. */
  checkpointSeconds: number;
  /** Entries sequenced per integration batch (Tessera-style: ≤ 256). */
  batch: number;
  /** Group commit of `appendDurable` (see append.ts `createGroupAppender`). */
  group?: Partial<GroupAppenderOptions>;
  /** Memory for tiles kept for proofs (tile-cache.ts); default 128 MiB. */
  tileCacheBytes?: number;
  /**
   * The PostgreSQL server's URL: group commits of `appendDurable` are then hashed and written by a
   * worker thread with its own connections (queue-thread.ts). Unset (PGlite, whose one connection
   * lives in this thread): they are written here.
   */
  queueThreadUrl?: string | undefined;
}

/**
 * Connections `verify` reads with beside its own on the PostgreSQL server (withSnapshotReaders):
 * one is enough for the reads to keep up with this process's hashing.
 */
const VERIFY_READERS = 1;

export const DEFAULT_LEDGER_OPTIONS: LedgerOptions = { checkpointEvery: 256, checkpointSeconds: 5, batch: 256 };
const LOCK_NAMESPACE = 17_2025; // R-17, 2025: the integrator lock's first key

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** An archived entry's leaf is in its archive bundle; here it is null. */
function parseLeaf(leaf: Uint8Array): Record<string, unknown> | null {
  const b = bytes(leaf);
  return b.length === 0 ? null : (JSON.parse(b.toString('utf8')) as Record<string, unknown>);
}

/**
 * Who reads a receipt: an official (session), or a connection account's system (access token) —
 * the consumer system holds the receipts of its own exchanges as its evidence.
 */
export type ReceiptReader = Principal | { system: string; agency: string };

/** May this reader see a receipt of `log` whose requester is `requester`? */
function readsReceipt(reader: ReceiptReader, log: string, requester: { agency: string | null; system: string | null }): boolean {
  // A system sees only its own exchanges: not its agency's other systems', nor the custodian's log.
  if (!('userId' in reader)) return requester.system !== null && requester.system === reader.system && requester.agency === reader.agency;
  return seesEverything(reader) || reader.agencyCode === log || reader.agencyCode === requester.agency;
}

export function checkpointJson(c: CheckpointRow) {
  return { tree_size: c.tree_size, root_hash: b64(c.root_hash), timestamp: c.created_at, signature: b64(c.signature), key_id: c.key_id, note: c.note };
}

export function createLedger(db: Database, clock: Clock, crypto: CryptoProvider, opts: LedgerOptions = DEFAULT_LEDGER_OPTIONS) {
  const tileCache = new TileCache(opts.tileCacheBytes);
  const nodeCaches = new Map<string, BoundedNodeCache>();
  const nodesOf = (log: string) => nodeCaches.get(log) ?? nodeCaches.set(log, new BoundedNodeCache()).get(log)!;
  /** Logs seen committed (ledger_logs rows are never deleted): no existence query, no upsert, after the first. */
  const known = new KnownLogs();
  /**
   * The largest tree size seen committed per log. A log only grows, so a proof asking for a size
   * ≤ this one needs no query to know the size is valid; only a larger size asks the database.
   */
  const sizes = new Map<string, number>();
  const sawSize = (log: string, size: number) => {
    if (size > (sizes.get(log) ?? 0)) sizes.set(log, size);
  };
  let group: GroupAppender | undefined;
  let queueThread: QueueThread | undefined;
  /** Group commits go to the queue thread when there is one; a group with kept content (rare) is written here. */
  function groupWriter(): GroupWriter {
    const here = writeInProcess(db);
    if (!opts.queueThreadUrl) return here;
    const { maxInFlight } = { ...DEFAULT_GROUP_APPENDER_OPTIONS, ...opts.group };
    const thread = (queueThread = startQueueThread({ databaseUrl: opts.queueThreadUrl, connections: maxInFlight }));
    return (items, at) => (items.some((i) => i.content !== null) ? here(items, at) : thread.write(items, at));
  }
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
        if (size > (last?.tree_size ?? 0) && due(last, size, now)) await writeCheckpoint(tx, crypto, log, originOf(log), size, await rootAt(tx, log, size), now);
        return 0;
      }
      const partial = await loadTiles(tx, log, partialTiles(size));
      const result = appendToTiles(size, pending.rows.map((p) => bytes(p.leaf_hash)), (l, i, w) => partial.get(`${l}/${i}/${w}`));
      await writeTiles(tx, log, result.tiles);
      written = result.tiles;
      // One statement: the entries, their search copies read out of the leaves — appends
      // do not write them, to keep the hot path lean — and the work list emptied.
      await tx.query(
        `WITH e AS (INSERT INTO ledger_entries (custodian_code, leaf_index, queue_id, integrated_at)
                SELECT $1, $2::bigint + x.ord - 1, x.id, $3 FROM unnest($4::uuid[]) WITH ORDINALITY AS x(id, ord)),
          s AS (${searchInsert(6)})
         DELETE FROM ledger_pending WHERE custodian_code = $1 AND queue_id = ANY($5::uuid[])`,
        [log, size, now, pending.rows.map((p) => p.id), pending.lists, ...searchParams(searchColumns(pending.rows.map((p) => p.leaf)))],
      );
      if (due(last, result.size, now)) await writeCheckpoint(tx, crypto, log, originOf(log), result.size, result.root, now);
      grown = result.size;
      return pending.rows.length;
    });
    // Committed: the log has (at least) this size.
    if (exists) known.add(log);
    if (grown >= 0) sawSize(log, grown);
    tileCache.addFull(log, written);
    return n;
  }

  /**
   * The next work-list rows of a log, whole, until they list `opts.batch` entries (at least one
   * row, however long: a batch write of thousands is sequenced at once), and their queue rows'
   * leaf hashes in the order listed.
   */
  async function nextPending(tx: Queryable, log: string): Promise<{ lists: string[]; rows: { id: string; leaf_hash: Uint8Array; leaf: string }[] }> {
    // Only the rows the batch takes (`before`: entries listed ahead of the row), not every listed id of `batch` rows.
    const work = await tx.query<{ queue_id: string; ids: string[] }>(
      `SELECT queue_id, ids FROM (SELECT queue_id, ids, sum(cardinality(ids)) OVER (ORDER BY queue_id) - cardinality(ids) AS before
                                    FROM ledger_pending WHERE custodian_code = $1 ORDER BY queue_id LIMIT $2) w
        WHERE before < $2 ORDER BY queue_id`, [log, opts.batch],
    );
    const lists: string[] = [];
    const ids: string[] = [];
    for (const w of work.rows) {
      if (ids.length > 0 && ids.length + w.ids.length > opts.batch) break;
      lists.push(w.queue_id);
      ids.push(...w.ids);
    }
    if (ids.length === 0) return { lists, rows: [] };
    // The leaf as text: it is UTF-8 JSON, and its search copy is read from it.
    const rows = await tx.query<{ id: string; leaf_hash: Uint8Array; leaf: string }>(
      `SELECT q.id, q.leaf_hash, convert_from(q.leaf, 'UTF8') AS leaf FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord) JOIN ledger_queue q ON q.id = x.id ORDER BY x.ord`, [ids],
    );
    // Written in one statement with their list: a listed entry missing from the queue is a broken database.
    if (rows.rows.length !== ids.length) throw new Error(`ledger: the work list of ${log} names ${ids.length - rows.rows.length} queue rows that do not exist`);
    return { lists, rows: rows.rows };
  }

  function due(last: CheckpointRow | null, size: number, now: Date): boolean {
    if (!last) return true;
    return size - last.tree_size >= opts.checkpointEvery || now.getTime() - last.created_at.getTime() >= opts.checkpointSeconds * 1000;
  }

  /** Integrates every log until its queue is empty (the server's loop calls this). */
  async function integrateAll(): Promise<number> {
    const logs = await db.query<{ custodian_code: string }>('SELECT custodian_code FROM ledger_logs ORDER BY custodian_code');
    let total = 0;
    for (const { custodian_code } of logs.rows) {
      known.add(custodian_code);
      for (let n = await integrate(custodian_code); n > 0; n = await integrate(custodian_code)) total += n;
    }
    return total;
  }

  /** Custodians see their own log; coordinators and auditors see all. */
  function requireLogAccess(p: Principal, log: string): void {
    if (!seesEverything(p) && p.agencyCode !== log) throw notFound('nhật ký chia sẻ', 'sharing log', log);
  }

  async function requireLog(log: string): Promise<void> {
    if (known.has(log)) return;
    if ((await db.query('SELECT 1 FROM ledger_logs WHERE custodian_code = $1', [log])).rows.length === 0) throw notFound('nhật ký chia sẻ', 'sharing log', log);
    known.add(log);
  }

  const badSize = (detail: string, detail_en: string) => new Problem(PROBLEMS.badRequest, { detail, detail_en });

  return {
    integrate,
    integrateAll,
    /**
     * Loads every log's tiles into the proof cache, as far as it holds them (`serve` runs it at
     * start-up, in the background): proofs then need no round trip to the database.
     */
    async warmTiles(): Promise<number> {
      const logs = (await db.query<{ custodian_code: string }>('SELECT custodian_code FROM ledger_logs')).rows.map((r) => r.custodian_code);
      return tileCache.warm(db, logs);
    },

    /** The bundle for an official who may search the log (it holds who received what, R-4.5): the custodian, coordinators, auditors. */
    async bundleFor(p: Principal, log: string): Promise<Buffer> {
      requireLogAccess(p, log);
      return this.exportBundle(log);
    },

    /** A signed bundle of the whole log (or its first `upTo` entries), verifiable offline. */
    async exportBundle(log: string, upTo?: number): Promise<Buffer> {
      await requireLog(log);
      const origin = originOf(log);
      const signer = await noteSigner(crypto, origin);
      return serializeBundle(await buildBundle(db, log, await logVerifierKey(crypto, origin), signer.sign, clock.now(), upTo));
    },

    /**
     * the log is kept at least 2 years; `before` later than two years ago is refused.
     * Entries requested before it are written to a signed bundle and the archive is recorded.
     */
    async archive(log: string, before: string, actor: string): Promise<{ bundle: Buffer; up_to_index: number; sha256: string }> {
      const limit = vietnamDate(new Date(clock.now().getTime()));
      const twoYearsAgo = `${Number(limit.slice(0, 4)) - 2}${limit.slice(4)}`;
      if (!isIsoDate(before) || before > twoYearsAgo) {
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-17.1',
          detail: `Nhật ký chia sẻ phải lưu ít nhất 2 năm: chỉ lưu trữ được các mục trước ngày ${formatIsoDate(twoYearsAgo)} (${VIETNAM_TODAY.vi(limit)}).`,
          detail_en: `The sharing log is kept at least 2 years: only entries before ${twoYearsAgo} can be archived (${VIETNAM_TODAY.en(limit)}).`,
        });
      }
      await requireLog(log);
      const r = await db.query<{ n: number }>(
        `SELECT COALESCE(min(e.leaf_index), (SELECT COALESCE(max(leaf_index) + 1, 0) FROM ledger_entries WHERE custodian_code = $1))::bigint AS n
           FROM ledger_search e WHERE e.custodian_code = $1 AND e.requested_at >= ($2::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')`,
        [log, before],
      );
      const upTo = Number(r.rows[0]!.n);
      const bundle = await this.exportBundle(log, upTo);
      const sha = sha256(bundle).toString('hex');
      await db.transaction(async (tx) => {
        await tx.query(
          'INSERT INTO ledger_archives (id, custodian_code, before_date, up_to_index, bundle_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [newId(), log, before, upTo, sha, actor, clock.now()],
        );
        // The bundle now holds them: empty the leaves (hashes and tiles stay) and drop kept content.
        const archived = 'SELECT queue_id FROM ledger_entries WHERE custodian_code = $1 AND leaf_index < $2';
        await tx.query(`UPDATE ledger_queue SET leaf = '\\x'::bytea WHERE id IN (${archived}) AND length(leaf) > 0`, [log, upTo]);
        await tx.query(`DELETE FROM ledger_content WHERE queue_id IN (${archived})`, [log, upTo]);
      });
      return { bundle, up_to_index: upTo, sha256: sha };
    },

    /** who received what, when — searched from the log itself. */
    async entries(p: Principal, log: string, f: { requester?: string | undefined; dataset?: string | undefined; record_key?: string | undefined; from?: string | undefined; to?: string | undefined; status?: number | undefined; limit: number; after?: number | undefined }) {
      requireLogAccess(p, log);
      await requireLog(log);
      // The search copies (ledger_search) are written when an entry is sequenced: the search
      // answers over sequenced entries, as it always did (it joined ledger_entries).
      const w = new Where().add('s.custodian_code = ?', log)
        .addIf(f.requester !== undefined, 's.requester_agency = ?', f.requester)
        .addIf(f.dataset !== undefined, 's.dataset_code = ?', f.dataset)
        .addIf(f.record_key !== undefined, '? = ANY(s.record_keys)', f.record_key)
        .addIf(f.from !== undefined, 's.requested_at >= ?', f.from)
        .addIf(f.to !== undefined, 's.requested_at < ?', f.to)
        .addIf(f.status !== undefined, 's.status = ?', f.status)
        .addIf(f.after !== undefined, 's.leaf_index > ?', f.after);
      const rows = await db.query<{ leaf_index: number; id: string; leaf: Uint8Array }>(
        `SELECT s.leaf_index, q.id, q.leaf FROM ledger_search s
           JOIN ledger_entries e ON e.custodian_code = s.custodian_code AND e.leaf_index = s.leaf_index
           JOIN ledger_queue q ON q.id = e.queue_id ${w} ORDER BY s.leaf_index LIMIT ${w.next(f.limit)}`,
        w.params,
      );
      const items = rows.rows.map((r) => ({ leaf_index: Number(r.leaf_index), receipt_id: r.id, entry: parseLeaf(r.leaf) }));
      return { items, next_after: items.length === f.limit ? items.at(-1)!.leaf_index : null };
    },

    /** `lienthong ledger verify`: recompute one log or all of them from the database rows. */
    async verify(log?: string, progress?: (log: string, done: number, total: number) => void, options: VerifyOptions = {}): Promise<VerifyReport[]> {
      const logs = log ? [log] : (await db.query<{ custodian_code: string }>('SELECT custodian_code FROM ledger_logs ORDER BY custodian_code')).rows.map((r) => r.custodian_code);
      const out: VerifyReport[] = [];
      for (const l of logs) {
        const key = await logVerifierKey(crypto, originOf(l));
        // One snapshot per log: pages, tiles and checkpoints agree while the log keeps growing.
        // On the PostgreSQL server a second backend on the same snapshot reads every other page,
        // so reading (the larger part of verify) uses both the server's cores and this process's.
        out.push(await db.transaction(async (tx) => {
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
          return withSnapshotReaders(db, tx, VERIFY_READERS, (readers) =>
            verifyLog(tx, l, key, (d, t) => progress?.(l, d, t), { readers, ...options }));
        }));
      }
      return out;
    },
    async treeSize(log: string): Promise<number> {
      const n = await treeSize(db, log);
      sawSize(log, n);
      return n;
    },

    /** one exchange durably queued in the caller's transaction, or it throws. */
    append: (tx: Queryable, custodian: string, entry: LedgerEntry, content?: Uint8Array): Promise<Receipt> => appendEntry(tx, custodian, entry, clock.now(), content, known),

    /** several exchanges queued in the caller's transaction by one statement; receipts in the same order. */
    appendMany: (tx: Queryable, items: readonly AppendItem[]): Promise<Receipt[]> => appendMany(tx, items, clock.now(), known),

    /**
     * one exchange durably queued with group commit, outside any caller
     * transaction — concurrent callers share one statement and one WAL flush (append.ts
     * `createGroupAppender`). Resolves with the receipt only after the commit; rejects if the
     * group's commit failed, and then nothing of it is stored: release data only on resolve.
     */
    appendDurable(custodian: string, entry: LedgerEntry, content?: Uint8Array): Promise<Receipt> {
      group ??= createGroupAppender(db, () => clock.now(), known, opts.group, groupWriter());
      return group.append(custodian, entry, content);
    },
    /**
     * Starts what the first exchange would otherwise wait for: the group appender and, on the
     * PostgreSQL server, the queue thread with a connection open (`serve` calls it at start).
     */
    async warmUp(): Promise<void> {
      group ??= createGroupAppender(db, () => clock.now(), known, opts.group, groupWriter());
      await queueThread?.warm();
    },
    /** Settles every `appendDurable` call made so far, then stops the queue thread, if any. */
    async close(): Promise<void> {
      await group?.flush();
      await queueThread?.close();
    },

    /**
     * The newest checkpoint — public (no sign-in): size, root and signed note reveal no exchange,
     * and auditors and consumers must be able to check the log without the custodian's help.
     */
    async checkpoint(log: string) {
      await requireLog(log);
      const c = await latestCheckpoint(db, log);
      if (!c) throw notFound('điểm kiểm tra', 'checkpoint', log);
      return { ...checkpointJson(c), origin: originOf(log), verifier_key: await logVerifierKey(crypto, originOf(log)) };
    },

    /** RFC 9162 inclusion proof — public: hashes only, useless without the leaf a receipt holder has. */
    async inclusion(log: string, index: number, size: number) {
      await requireLog(log);
      const current = await sizeAtLeast(log, size);
      if (!(index >= 0 && index < size && size <= current)) throw badSize(`Cần 0 ≤ index < size ≤ ${current}.`, `Need 0 ≤ index < size ≤ ${current}.`);
      return { hashes: inclusionProof(index, size, await accessorFor(db, log, size, inclusionNodes(index, size), tileCache, nodesOf(log))).map(b64) };
    },

    /** RFC 9162 consistency proof — public, so anyone holding an old checkpoint can check the log only grew. */
    async consistency(log: string, from: number, to: number) {
      await requireLog(log);
      const current = await sizeAtLeast(log, to);
      if (!(from >= 1 && from <= to && to <= current)) throw badSize(`Cần 1 ≤ "from" ≤ "to" ≤ ${current}.`, `Need 1 ≤ "from" ≤ "to" ≤ ${current}.`);
      return { hashes: consistencyProof(from, to, await accessorFor(db, log, to, consistencyNodes(from, to), tileCache, nodesOf(log))).map(b64) };
    },

    /**
     * The public verifier keys of the logs (C2SP signed-note `name+hash+base64`), one per log: the
     * platform's one log key under each log's origin. With these alone anyone checks a checkpoint.
     */
    async verifierKeys() {
      const logs = await db.query<{ custodian_code: string }>('SELECT custodian_code FROM ledger_logs ORDER BY custodian_code');
      const { raw } = await logPublicKey(crypto);
      const keys = await Promise.all(logs.rows.map(async ({ custodian_code: log }) => ({ log, origin: originOf(log), verifier_key: await logVerifierKey(crypto, originOf(log)) })));
      return { algorithm: 'Ed25519' as const, public_key: b64(raw), keys };
    },

    /** A receipt: the entry, its leaf index, and its inclusion proof against the newest checkpoint covering it. */
    async receipt(reader: ReceiptReader, id: string) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('biên nhận', 'receipt', id);
      const r = await db.query<{ custodian_code: string; leaf: Uint8Array; leaf_hash: Uint8Array; queued_at: Date; requester_agency: string | null; requester_system: string | null; leaf_index: number | null }>(
        `SELECT q.custodian_code, q.leaf, q.leaf_hash, q.queued_at, s.requester_agency, s.requester_system, e.leaf_index
           FROM ledger_queue q LEFT JOIN ledger_entries e ON e.queue_id = q.id
           LEFT JOIN ledger_search s ON s.custodian_code = e.custodian_code AND s.leaf_index = e.leaf_index WHERE q.id = $1`,
        [id],
      );
      const row = r.rows[0];
      const entry = row ? parseLeaf(row.leaf) : null;
      // Not yet sequenced, there is no search row: the leaf itself names the requester.
      const named = entry?.requester as { agency?: string | null; system?: string | null } | undefined;
      const requester = { agency: row?.requester_agency ?? named?.agency ?? null, system: row?.requester_system ?? named?.system ?? null };
      // The requester holds its receipts too: they are its proof of what it received.
      if (!row || !readsReceipt(reader, row.custodian_code, requester)) throw notFound('biên nhận', 'receipt', id);
      const index = row.leaf_index === null ? null : Number(row.leaf_index);
      const cp = index === null ? null : await latestCheckpoint(db, row.custodian_code, index + 1);
      const proof = cp && index !== null ? inclusionProof(index, cp.tree_size, await accessorFor(db, row.custodian_code, cp.tree_size, inclusionNodes(index, cp.tree_size), tileCache, nodesOf(row.custodian_code))).map(b64) : null;
      return {
        id,
        log: row.custodian_code,
        leaf_hash: b64(bytes(row.leaf_hash)),
        // The exact leaf bytes (RFC 8785 JSON of `entry`): a verifier hashes these, not a re-encoding.
        leaf: entry === null ? null : b64(bytes(row.leaf)),
        queued_at: row.queued_at,
        leaf_index: index,
        entry,
        inclusion_proof: proof,
        checkpoint: cp ? checkpointJson(cp) : null,
      };
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
