import { PROBLEMS, Problem, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { VIETNAM_TODAY, formatIsoDate, isIsoDate, vietnamDate } from '../core/time.ts';
import { Where } from '../db/rows.ts';
import type { Clock } from '../core/clock.ts';
import type { CryptoProvider } from '../core/crypto.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import {
  type AppendItem,
  DEFAULT_GROUP_APPENDER_OPTIONS,
  type GroupAppender,
  type GroupAppenderOptions,
  type GroupWriter,
  type Receipt,
  appendEntry,
  appendMany,
  createGroupAppender,
  writeInProcess,
} from './append.ts';
import { buildBundle, serializeBundle } from './bundle.ts';
import { sha256 } from './entry.ts';
import type { LedgerEntry } from './entry.ts';
import { type CheckpointRow, type LogOptions, type VerifyReport, createLog, originOf } from './log/index.ts';
import { bytes } from './log/store.ts';
import { type QueueThread, startQueueThread } from './log/queue-thread.ts';
import { searchIndex } from './search.ts';
import { type VerifyOptions, sharingLogChecks } from './verify.ts';

/**
 * The sharing log: the application on the log (./log/) — what an exchange's
 * entry is and how it is appended, who may read which log and receipt, the search of who received
 * what, archives, bundles.
 */
export interface LedgerOptions extends LogOptions {
  /** Group commit of `appendDurable` (see append.ts `createGroupAppender`). */
  group?: Partial<GroupAppenderOptions>;
  /**
   * The PostgreSQL server's URL: group commits of `appendDurable` are then hashed and written by a
   * worker thread with its own connections (queue-thread.ts). Unset (PGlite, whose one connection
   * lives in this thread): they are written here.
   */
  queueThreadUrl?: string | undefined;
}

export const DEFAULT_LEDGER_OPTIONS: LedgerOptions = { checkpointEvery: 256, checkpointSeconds: 5, batch: 4096 };

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

function checkpointJson(c: CheckpointRow) {
  return { tree_size: c.tree_size, root_hash: b64(c.root_hash), timestamp: c.created_at, signature: b64(c.signature), key_id: c.key_id, note: c.note };
}

export function createLedger(db: Database, clock: Clock, crypto: CryptoProvider, opts: LedgerOptions = DEFAULT_LEDGER_OPTIONS) {
  // The integrator writes each entry's search copy in its own statement: appends do not, to keep the hot path lean.
  const theLog = createLog(db, clock, crypto, opts, searchIndex);
  const { known, requireLog } = theLog;
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
  /** The group commits, each handed to this process's integrator once committed: it need not read them back. */
  function handingWriter(): GroupWriter {
    const write = groupWriter();
    return async (items, at) => {
      const hashes = await write(items, at);
      theLog.handOff(items, hashes);
      return hashes;
    };
  }
  /** Custodians see their own log; coordinators and auditors see all. */
  function requireLogAccess(p: Principal, log: string): void {
    if (!seesEverything(p) && p.agencyCode !== log) throw notFound('nhật ký chia sẻ', 'sharing log', log);
  }

  return {
    integrate: theLog.integrate,
    integrateAll: theLog.integrateAll,
    warmTiles: theLog.warmTiles,

    /** The bundle for an official who may search the log (it holds who received what, R-4.5): the custodian, coordinators, auditors. */
    async bundleFor(p: Principal, log: string): Promise<Buffer> {
      requireLogAccess(p, log);
      return this.exportBundle(log);
    },

    /** A signed bundle of the whole log (or its first `upTo` entries), verifiable offline. */
    async exportBundle(log: string, upTo?: number): Promise<Buffer> {
      await requireLog(log);
      const signer = await theLog.signer(log);
      return serializeBundle(await buildBundle(db, log, await theLog.verifierKey(log), signer.sign, clock.now(), upTo));
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
    async entries(
      p: Principal,
      log: string,
      f: {
        requester?: string | undefined;
        dataset?: string | undefined;
        record_key?: string | undefined;
        from?: string | undefined;
        to?: string | undefined;
        status?: number | undefined;
        limit: number;
        after?: number | undefined;
      },
    ) {
      requireLogAccess(p, log);
      await requireLog(log);
      // The search copies (ledger_search) are written when an entry is sequenced, so the search
      // answers over sequenced entries only: each has its leaf index, hence its proof.
      const w = new Where()
        .add('s.custodian_code = ?', log)
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
    verify: (log?: string, progress?: (log: string, done: number, total: number) => void, options: VerifyOptions = {}): Promise<VerifyReport[]> =>
      theLog.verify(log, progress, sharingLogChecks(options)),
    treeSize: theLog.treeSize,
    /** The size of the newest signed checkpoint of `log` (0 before any): what a count "as of checkpoint N" may cover. */
    async checkpointedSize(log: string): Promise<number> {
      return (await theLog.latestCheckpoint(log))?.tree_size ?? 0;
    },
    /** Every log (custodian code), for work done per log (report figures). */
    logs: (): Promise<string[]> => theLog.allLogs(),

    /**
     * The sequenced entries of `log` from leaf index `position` on, at most `limit`, in order — for
     * those who count the log (src/reports/): no authorisation here, the caller decides what it
     * shows. `entry` is null for an archived leaf (its bytes are in the archive bundle, R-17.1).
     * `q`: the caller's transaction, when it reads inside one.
     */
    async entriesAfter(
      log: string,
      position: number,
      limit: number,
      q: Queryable = db,
    ): Promise<{ leaf_index: number; entry: (LedgerEntry & { log: string }) | null }[]> {
      const r = await q.query<{ leaf_index: number; leaf: Uint8Array }>(
        `SELECT e.leaf_index, q.leaf FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id
          WHERE e.custodian_code = $1 AND e.leaf_index >= $2 ORDER BY e.leaf_index LIMIT $3`,
        [log, position, limit],
      );
      return r.rows.map((x) => ({ leaf_index: Number(x.leaf_index), entry: parseLeaf(x.leaf) as (LedgerEntry & { log: string }) | null }));
    },

    /** one exchange durably queued in the caller's transaction, or it throws. */
    append: (tx: Queryable, custodian: string, entry: LedgerEntry, content?: Uint8Array): Promise<Receipt> =>
      appendEntry(tx, custodian, entry, clock.now(), content, known),

    /** several exchanges queued in the caller's transaction by one statement; receipts in the same order. */
    appendMany: (tx: Queryable, items: readonly AppendItem[]): Promise<Receipt[]> => appendMany(tx, items, clock.now(), known),

    /**
     * one exchange durably queued with group commit, outside any caller
     * transaction — concurrent callers share one statement and one WAL flush (append.ts
     * `createGroupAppender`). Resolves with the receipt only after the commit; rejects if the
     * group's commit failed, and then nothing of it is stored: release data only on resolve.
     */
    appendDurable(custodian: string, entry: LedgerEntry, content?: Uint8Array): Promise<Receipt> {
      group ??= createGroupAppender(db, () => clock.now(), known, opts.group, handingWriter());
      return group.append(custodian, entry, content);
    },
    /**
     * Starts what the first exchange would otherwise wait for: the group appender and, on the
     * PostgreSQL server, the queue thread with a connection open (`serve` calls it at start).
     */
    async warmUp(): Promise<void> {
      group ??= createGroupAppender(db, () => clock.now(), known, opts.group, handingWriter());
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
      const c = await theLog.latestCheckpoint(log);
      if (!c) throw notFound('điểm kiểm tra', 'checkpoint', log);
      return { ...checkpointJson(c), origin: originOf(log), verifier_key: await theLog.verifierKey(log) };
    },

    /** RFC 9162 inclusion proof — public: hashes only, useless without the leaf a receipt holder has. */
    inclusion: async (log: string, index: number, size: number) => ({ hashes: (await theLog.inclusion(log, index, size)).map(b64) }),

    /** RFC 9162 consistency proof — public, so anyone holding an old checkpoint can check the log only grew. */
    consistency: async (log: string, from: number, to: number) => ({ hashes: (await theLog.consistency(log, from, to)).map(b64) }),

    /**
     * The public verifier keys of the logs (C2SP signed-note `name+hash+base64`), one per log: the
     * platform's one log key under each log's origin. With these alone anyone checks a checkpoint.
     */
    async verifierKeys() {
      const logs = await theLog.allLogs();
      const { raw } = await theLog.publicKey();
      const keys = await Promise.all(logs.map(async (log) => ({ log, origin: originOf(log), verifier_key: await theLog.verifierKey(log) })));
      return { algorithm: 'Ed25519' as const, public_key: b64(raw), keys };
    },

    /** A receipt: the entry, its leaf index, and its inclusion proof against the newest checkpoint covering it. */
    async receipt(reader: ReceiptReader, id: string) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('biên nhận', 'receipt', id);
      const r = await db.query<{
        custodian_code: string;
        leaf: Uint8Array;
        leaf_hash: Uint8Array;
        queued_at: Date;
        requester_agency: string | null;
        requester_system: string | null;
        leaf_index: number | null;
      }>(
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
      const cp = index === null ? null : await theLog.latestCheckpoint(row.custodian_code, index + 1);
      const proof = cp && index !== null ? (await theLog.proofAt(row.custodian_code, index, cp.tree_size)).map(b64) : null;
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
