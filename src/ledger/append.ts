import { newId } from '../core/ids.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type LedgerEntry, framed, leafText, sha256 } from './entry.ts';
import { KnownLogs, originOf } from './log/index.ts';
import { HASH_BYTES, QUEUE_COLUMNS, type QueuedLeaf, queueRows } from './log/queue-rows.ts';

export { KnownLogs } from './log/index.ts';

export interface Receipt {
  id: string;
  log: string;
  leaf_hash: string;
  queued_at: Date;
  leaf_index: number | null;
}

/** One exchange to log: its custodian's log, the R-17.2 entry, and the content kept "where needed" (R-17.1). */
export interface AppendItem {
  custodian: string;
  entry: LedgerEntry;
  content?: Uint8Array | undefined;
}

/**
 * An item checked and turned into its leaf text and queue id: done before any SQL, on the caller's
 * thread, so a bad item fails alone. Hashing waits for the writer (`GroupWriter`).
 */
interface Leafed extends QueuedLeaf {
  content: Buffer | null;
}

/** A leafed item with its bytes: the leaf and its hash. */
interface Prepared extends Leafed {
  leaf: Buffer;
  hash: Buffer;
}

function leafed(item: AppendItem): Leafed {
  const { custodian, entry, content } = item;
  if (content && entry.response.content_sha256 !== sha256(content).toString('hex')) {
    throw new Error('ledger: kept content does not match the entry content_sha256');
  }
  // UUIDv7: the integrator sequences a log's queue in id order.
  return { id: newId(), custodian, text: leafText(custodian, entry), content: content ? Buffer.from(content) : null };
}

function hashed(item: Leafed): Prepared {
  const bytes = framed(item.text);
  return { ...item, leaf: bytes.subarray(1), hash: sha256(bytes) };
}

const LOG_UPSERT =
  'INSERT INTO ledger_logs (custodian_code, origin, created_at) SELECT c, o, $3 FROM unnest($1::text[], $2::text[]) AS x(c, o) ON CONFLICT DO NOTHING';

/**
 * The queue rows (and kept content) in ONE statement, so they are atomic even in autocommit and a
 * batch of any size costs one round trip; the statement's trigger (ledger_queue_list_queued) lists them in
 * the integrator's work list. Multi-row VALUES with one parameter a column, not unnest(array
 * parameters): the driver sends a Buffer parameter as raw bytes, but bytea[] as a text array
 * literal of hex, twice the bytes to build and for the server to parse.
 */
const sqlCache = new Map<string, string>();
function insertSql(rows: number, kept: number): string {
  const cacheKey = `${rows}/${kept}`;
  let sql = sqlCache.get(cacheKey);
  if (sql) return sql;
  // $1 is the queue time; then 4 parameters a row; then 2 a kept content.
  const values = Array.from({ length: rows }, (_, r) => `($${2 + 4 * r}::uuid, $${3 + 4 * r}, $${4 + 4 * r}::bytea, $${5 + 4 * r}::bytea, $1::timestamptz)`);
  const base = 2 + 4 * rows;
  const content = Array.from({ length: kept }, (_, r) => `($${base + 2 * r}::uuid, $${base + 2 * r + 1}::bytea)`);
  // (ledger_content's foreign key is checked at the end of the statement, when the queue rows exist.)
  sql = `${kept ? `WITH k AS (INSERT INTO ledger_content (queue_id, content) VALUES ${content.join(', ')}) ` : ''}INSERT INTO ledger_queue (id, custodian_code, leaf, leaf_hash, queued_at) VALUES ${values.join(', ')}`;
  if (sqlCache.size < 4096) sqlCache.set(cacheKey, sql);
  return sql;
}

async function insertPrepared(q: Queryable, items: readonly Prepared[], now: Date): Promise<void> {
  const params: unknown[] = [now];
  for (const p of items) params.push(p.id, p.custodian, p.leaf, p.hash);
  let kept = 0;
  for (const p of items) {
    if (p.content === null) continue;
    params.push(p.id, p.content);
    kept++;
  }
  await q.query(insertSql(items.length, kept), params);
}

/**
 * Writes one group commit as ONE autocommitted statement and resolves with its leaf hashes (32
 * bytes each, in order) once it has committed; if it rejects, nothing of the group is stored.
 */
export type GroupWriter = (items: readonly Leafed[], at: Date) => Promise<Buffer>;

/**
 * The group commit's statement on this thread: a binary COPY of the queue rows — the database
 * parses and plans nothing per row (1.4–1.8× the rows of a multi-row INSERT in the same server
 * time, measured alone). A group with kept content takes the INSERT, which writes ledger_content
 * in the same statement.
 */
export function writeInProcess(db: Database): GroupWriter {
  return async (items, at) => {
    if (items.some((p) => p.content !== null)) {
      const prepared = items.map(hashed);
      await insertPrepared(db, prepared, at);
      return Buffer.concat(prepared.map((p) => p.hash));
    }
    const { rows, hashes } = queueRows(items, at);
    await db.copyRows('ledger_queue', QUEUE_COLUMNS, rows);
    return Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  };
}

const receiptOf = (p: QueuedLeaf, leafHash: string, now: Date): Receipt => ({
  id: p.id,
  log: p.custodian,
  leaf_hash: leafHash,
  queued_at: now,
  leaf_index: null,
});

/**
 * Appends exchanges to their custodians' logs inside the caller's transaction (R-17.1, R-17.2):
 * when the exchange commits, its entries are durably queued; if this fails, the caller's
 * transaction fails and no data may leave (the rule of the gateway). Sequencing into the tree
 * happens later, in the integrator. All queue rows go in one statement (and its trigger lists them).
 *
 * `known` only skips the ledger_logs upsert for logs already seen committed; a log created here
 * is not added to it (the caller's transaction may still roll back).
 */
export async function appendMany(tx: Queryable, items: readonly AppendItem[], now: Date, known?: KnownLogs): Promise<Receipt[]> {
  if (items.length === 0) return [];
  const prepared = items.map((item) => hashed(leafed(item)));
  const logs = [...new Set(prepared.map((p) => p.custodian))].filter((l) => !known?.has(l));
  if (logs.length) await tx.query(LOG_UPSERT, [logs, logs.map(originOf), now]);
  await insertPrepared(tx, prepared, now);
  return prepared.map((p) => receiptOf(p, p.hash.toString('base64'), now));
}

/** One exchange: `appendMany` of one item, for callers that log inside their own transaction. */
export async function appendEntry(tx: Queryable, custodian: string, entry: LedgerEntry, now: Date, content?: Uint8Array, known?: KnownLogs): Promise<Receipt> {
  return (await appendMany(tx, [{ custodian, entry, content }], now, known))[0]!;
}

export interface GroupAppenderOptions {
  /** Longest a caller waits for others to share its commit, ms (the group-commit window). */
  maxWaitMs: number;
  /** Entries written by one statement at most; a full group is written at once. */
  maxBatch: number;
  /** Groups being committed at the same time at most (each holds one pool connection). */
  maxInFlight: number;
  /**
   * Write a call at once when no group is committing (no window to wait out alone). Default: on
   * the PostgreSQL server; not on PGlite, whose one connection serialises every statement — there
   * a lone write holds up the reads queued behind it, and gathering is worth the window.
   */
  startWhenIdle?: boolean;
}

/**
 * 6 connections at most: of the queue thread's own pool on the PostgreSQL server, else of the
 * server's pool of 10 (the rest keeps 4). 256 a group: with the hashing and writing on the queue
 * thread, a group's fixed costs (message, statement, commit) are what a bigger group spreads
 * (the benchmark's appendDurable workload at 1,000 callers, single runs: ~0.74 of the baseline with 128, ~0.79 with 256, ~0.69 with 512).
 */
export const DEFAULT_GROUP_APPENDER_OPTIONS: GroupAppenderOptions = { maxWaitMs: 2, maxBatch: 256, maxInFlight: 6 };

export interface GroupAppender {
  /**
   * Queues one exchange durably (R-17.1, R-17.2) together with whatever other callers append
   * at the same moment. Resolves with the receipt only once the group's statement has
   * COMMITTED; rejects if it failed (then nothing of the group is stored). A gateway must not
   * release data unless this resolved.
   */
  append(custodian: string, entry: LedgerEntry, content?: Uint8Array): Promise<Receipt>;
  /** Writes whatever is waiting now and resolves when every group started so far has settled. */
  flush(): Promise<void>;
}

interface Waiting {
  item: Leafed;
  resolve: (r: Receipt) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for appends that do not ride in a caller's transaction: concurrent callers are
 * collected for at most `maxWaitMs` or `maxBatch` entries and written by one autocommitted
 * statement (the `writer`: queue rows and, by trigger, their work-list row) — one WAL flush for the group
 * instead of one per exchange, which is what a per-exchange transaction cannot avoid.
 *
 * Every caller's promise settles after its group's commit: resolved with its receipt if the
 * statement committed, rejected with the error if not (a single statement is atomic, so a
 * failure stores nothing of the group). Logs are created (and remembered in `known`) by a
 * separate committed upsert before the first group that needs them; a log that cannot be created
 * (an unknown custodian) rejects only its own callers.
 */
export function createGroupAppender(
  db: Database,
  now: () => Date,
  known: KnownLogs = new KnownLogs(),
  options: Partial<GroupAppenderOptions> = {},
  writer: GroupWriter = writeInProcess(db),
): GroupAppender {
  const opts = { ...DEFAULT_GROUP_APPENDER_OPTIONS, startWhenIdle: db.driver === 'postgres', ...options };
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let inFlight = 0;
  const running = new Set<Promise<void>>();

  function schedule(): void {
    if (waiting.length === 0) return;
    // Nothing committing: waiting would gather no one, so a lone exchange pays no window (on the
    // server; see `startWhenIdle`). While commits run, arrivals gather for the next group.
    if ((opts.startWhenIdle && inFlight === 0) || (waiting.length >= opts.maxBatch && inFlight < opts.maxInFlight)) {
      start();
      return;
    }
    // A group no bigger than the window lets through; when every slot is busy the next group
    // simply grows until one frees (then it is started by `settled`).
    timer ??= setTimeout(() => {
      timer = null;
      if (inFlight < opts.maxInFlight) start();
    }, opts.maxWaitMs);
  }

  function start(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const group = waiting.slice(0, opts.maxBatch);
    waiting = waiting.slice(group.length);
    inFlight++;
    const p = write(group).finally(() => {
      inFlight--;
      running.delete(p);
      // Callers that arrived while every slot was busy: start their group now if it is full or
      // has already waited, else let the window run.
      if (waiting.length) {
        if (waiting.length >= opts.maxBatch || timer === null || (opts.startWhenIdle && inFlight === 0)) start();
      }
    });
    running.add(p);
    if (waiting.length) schedule();
  }

  async function write(group: Waiting[]): Promise<void> {
    // Logs first, committed on their own: then they are known for good, and a custodian that
    // cannot have a log fails only its own callers.
    const logs = [...new Set(group.map((w) => w.item.custodian))].filter((l) => !known.has(l));
    for (const log of logs) {
      try {
        await db.query(LOG_UPSERT, [[log], [originOf(log)], now()]);
        known.add(log);
      } catch (err) {
        for (const w of group) if (w.item.custodian === log) w.reject(err);
        group = group.filter((w) => w.item.custodian !== log);
      }
    }
    if (group.length === 0) return;
    const at = now();
    let hashes: Buffer;
    try {
      hashes = await writer(
        group.map((w) => w.item),
        at,
      );
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    group.forEach((w, i) => w.resolve(receiptOf(w.item, hashes.toString('base64', i * HASH_BYTES, (i + 1) * HASH_BYTES), at)));
  }

  return {
    append(custodian, entry, content) {
      let item: Leafed;
      try {
        item = leafed({ custodian, entry, content });
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<Receipt>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (waiting.length || running.size) {
        if (waiting.length && inFlight < opts.maxInFlight) start();
        await Promise.allSettled([...running]);
      }
    },
  };
}
