/**
 * Sharing-log (ledger) benchmarks on the PostgreSQL server, in one run:
 *   1. durable appends per second vs a raw 100-row-batch INSERT of rows of the same size;
 *   2. `ledger verify` over 1,000,000 entries;
 *   3. inclusion-proof latency at 1,000,000 entries (service and HTTP).
 * Writes the `<!-- bench:ledger-postgres -->` section of docs/BENCHMARKS.md and prints it.
 *
 *   node --import tsx bench/ledger.ts
 *
 * Environment:
 *   DATABASE_URL      run in this database (it must be a throwaway one: ledger rows cannot be
 *                     deleted, and the logs used here must be empty). Unset: a database
 *                     lt_bench_ledger_<random> is created on BENCH_PG_URL and dropped at the end.
 *   BENCH_PG_URL      maintenance database of the server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_DURATION    measured seconds per append variant (default 6; 2 s warm-up each)
 *   BENCH_ROUNDS      rounds of the baseline and appendDurable, one after the other (default 5)
 *   BENCH_WORKERS     concurrent appenders of the per-transaction variants and the raw baselines (default 10)
 *   BENCH_CALLERS     concurrent callers of the group-commit appender (default 256)
 *   BENCH_ENTRIES     size of the log for verify and proofs (default 1000000)
 *   BENCH_PROOFS      inclusion proofs timed per path (default 2000)
 *   BENCH_GATEWAY_RATE  exchanges per second of the paced variant: the data gateway's peak on this
 *                     machine (default 4000; docs/BENCHMARKS.md, "data gateway on PostgreSQL server")
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { memoryCryptoProvider } from '../src/core/crypto.ts';
import { newId } from '../src/core/ids.ts';
import { BinaryCopyDecoder } from '../src/db/copy.ts';
import type { Database } from '../src/db/database.ts';
import { openDatabase } from '../src/db/open.ts';
import { originOf } from '../src/ledger/log/checkpoints.ts';
import { type LedgerEntry, leafBytes } from '../src/ledger/entry.ts';
import { CompactRange } from '../src/ledger/log/compact-range.ts';
import { leafHash, sha256 } from '../src/ledger/log/merkle.ts';
import { DEFAULT_LEDGER_OPTIONS, createLedger } from '../src/ledger/service.ts';
import { openPlatform, startBackgroundWork } from '../src/platform.ts';
import type { InclusionResult } from './ledger-inclusion.ts';
import { type AppendRun, GOALS, type LedgerResults, type LogStorage, appendRatio, ledgerSection, sustainedRatio } from './ledger-report.ts';
import { CheckpointLag } from './ledger-lag.ts';
import { cpuSnapshot, latencyRun, otherCpu, otherCpuPercent } from './ledger-util.ts';
import { writeReport } from './report.ts';
import { serveNodeFlags } from './servers.ts';
import { teardown } from './cleanup.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = path.join(ROOT, 'docs', 'BENCHMARKS.md');
const SECTION = 'ledger-postgres';
/** One custodian (seeded agency) per measured log, so one variant's tree does not slow the next. */
const LOGS = {
  group: 'BNCTW',
  groupMatched: 'BTGDVTW',
  shared: 'BCSCLTW',
  paced: 'DUCQDTW',
  many: 'UBKTTW',
  single: 'BTCTW',
  batched: 'BCT',
  steps: 'VPTW',
  big: 'VPCP',
} as const;
const WARMUP_S = 2;
const RAW_BATCH = 100;
const BUILD_CHUNK = 10_000;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const DURATION_S = positiveInt('BENCH_DURATION', 6);
const ROUNDS = positiveInt('BENCH_ROUNDS', 5);
const WORKERS = positiveInt('BENCH_WORKERS', 10);
const CALLERS = positiveInt('BENCH_CALLERS', 256);
const ENTRIES = positiveInt('BENCH_ENTRIES', 1_000_000);
const PROOFS = positiveInt('BENCH_PROOFS', 2000);
const GATEWAY_RATE = positiveInt('BENCH_GATEWAY_RATE', 4000);
const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const masked = (u: string): string => {
  const url = new URL(u);
  if (url.password) url.password = '***';
  return url.href;
};

function commandLine(): string {
  const env: string[] = [];
  for (const name of ['BENCH_DURATION', 'BENCH_ROUNDS', 'BENCH_WORKERS', 'BENCH_CALLERS', 'BENCH_ENTRIES', 'BENCH_PROOFS'])
    if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  for (const name of ['DATABASE_URL', 'BENCH_PG_URL']) if (process.env[name]) env.push(`${name}=${masked(process.env[name]!)}`);
  const cmd = process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}` : 'node --import tsx bench/ledger.ts';
  return [...env, cmd].join(' ');
}

/** The code measured: commit, and whether src/ had uncommitted changes (it is edited concurrently). */
function sourceState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return `commit ${head}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// ——— teardown, whatever happens ———

const cleanups = teardown();
const cleanUp = cleanups.run;

// ——— small helpers ———

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const progress = (msg: string) => console.log(`[${elapsed()}] ${msg}`);

async function machineBusyness(): Promise<{ loadAvg1: number; idlePercent: number }> {
  const sum = () =>
    os.cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + Object.values(c.times).reduce((x, y) => x + y, 0) }), { idle: 0, total: 0 });
  const a = sum();
  await sleep(1000);
  const b = sum();
  return { loadAvg1: os.loadavg()[0]!, idlePercent: (100 * (b.idle - a.idle)) / Math.max(1, b.total - a.total) };
}

// ——— entries: one realistic shape, numbered ———

const BASE_MS = Date.UTC(2026, 2, 2, 3, 0, 0);
const hex = (n: number) => crypto.createHash('sha256').update(String(n)).digest('hex');

function entry(n: number): LedgerEntry {
  return {
    requested_at: new Date(BASE_MS + n).toISOString(),
    responded_at: new Date(BASE_MS + n + 37).toISOString(),
    form: 'api',
    requester: { agency: 'VPCP', system: 'VPCP-QLCB', account: 'ltc_0192f3a4-bench' },
    request: {
      method: 'GET',
      resource: `/data/v1/can-bo-dang-vien/records/dv-${n}`,
      query: { fields: 'full_name,birth_date,party_unit' },
      purpose: 'to-chuc-can-bo',
      fields: ['full_name', 'birth_date', 'party_unit'],
    },
    dataset: 'can-bo-dang-vien',
    record_keys: [`dv-${n}`],
    response: { status: 200, content_sha256: hex(n), content_kept: false },
    agreement_ids: ['0192f3a4-5b6c-7d8e-9f00-112233445566'],
    policy_version: 'g1',
    trace_id: `00-${hex(n).slice(0, 32)}-${hex(n).slice(32, 48)}-01`,
    gateway_instance: 'gw-bench-1',
  };
}

/**
 * The leaf bytes of entry(n) for `log` without running the canonicaliser a million times: the
 * canonical JSON of a template with markers, markers replaced by values that need no escaping
 * (RFC 8785 orders members by key, so values never move). Checked against leafBytes below.
 */
function fastLeaves(log: string): (n: number) => Buffer {
  const t = entry(0);
  const marked: LedgerEntry = {
    ...t,
    requested_at: '@@REQ@@',
    responded_at: '@@RESP@@',
    request: { ...t.request, resource: '/data/v1/can-bo-dang-vien/records/dv-@@N@@' },
    record_keys: ['dv-@@N@@'],
    response: { ...t.response, content_sha256: '@@H@@' },
    trace_id: '00-@@T1@@-@@T2@@-01',
  };
  const parts = leafBytes(log, marked)
    .toString('utf8')
    .split(/(@@[A-Z0-9]+@@)/);
  const fn = (n: number): Buffer => {
    const h = hex(n);
    const values: Record<string, string> = {
      '@@REQ@@': new Date(BASE_MS + n).toISOString(),
      '@@RESP@@': new Date(BASE_MS + n + 37).toISOString(),
      '@@N@@': String(n),
      '@@H@@': h,
      '@@T1@@': h.slice(0, 32),
      '@@T2@@': h.slice(32, 48),
    };
    return Buffer.from(parts.map((p) => values[p] ?? p).join(''), 'utf8');
  };
  for (const n of [0, 7, 123_456, 999_999]) {
    if (!fn(n).equals(leafBytes(log, entry(n)))) throw new Error(`fast leaf ${n} differs from leafBytes()`);
  }
  return fn;
}

// ——— the database ———

async function setUpDatabase(): Promise<{ url: string; throwaway: boolean }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, throwaway: false };
  const name = `lt_bench_ledger_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
    progress(`dropped database ${name}`);
  });
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  progress(`created throwaway database ${name}`);
  return { url: url.href, throwaway: true };
}

async function serverFacts(db: Database): Promise<{ version: string; settings: Record<string, string> }> {
  const version = (await db.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
  const names = ['shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay', 'max_wal_size', 'work_mem'];
  const r = await db.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1) ORDER BY name',
    [names],
  );
  return { version, settings: Object.fromEntries(r.rows.map((x) => [x.name, x.setting])) };
}

// ——— 1. appends ———

interface Workload {
  label: string;
  perTx: number;
  /** concurrent loops (default WORKERS) */
  workers?: number;
  /** one unit of work: commits `perTx` rows */
  once: (worker: number) => Promise<void>;
  /** the log the background integrator sequences, when it is a ledger variant */
  log?: string;
  treeSize?: () => Promise<number>;
  /** the server's background work (the integrator) stopped while measuring; it drains the backlog after */
  paused?: boolean;
  /** the log's newest checkpoint size: sample how far it lags behind the appends (CheckpointLag) */
  checkpointed?: () => Promise<number>;
  /** calls started per second, all workers together (open loop); unset: each worker as fast as it can */
  ratePerS?: number;
}

/** The server's periodic work, exactly as `serve` starts it, paused for the variants that measure the append stage alone. */
const background = {
  platform: null as Awaited<ReturnType<typeof openPlatform>> | null,
  stop: null as (() => void) | null,
  run(on: boolean): void {
    if (on && !this.stop && this.platform) {
      this.stop = startBackgroundWork(this.platform, (err, what) => console.error(`${what} failed:`, err));
    } else if (!on && this.stop) {
      this.stop();
      this.stop = null;
    }
  },
};
cleanups.push(() => background.run(false));

/**
 * W workers loop `once` for warm-up + duration; the rate is the rows committed between the two
 * instants (the counter moves only when a transaction has committed), so it is what was durable.
 */
async function runWorkload(w: Workload): Promise<AppendRun> {
  let committed = 0;
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let slot = performance.now();
  const paced = async () => {
    if (!w.ratePerS) return;
    // The next start time; a backlog of slots older than 50 ms is dropped, not burst through.
    const now = performance.now();
    slot = Math.max(slot + 1000 / w.ratePerS, now - 50);
    if (slot - now > 1) await sleep(slot - now);
  };
  const worker = async (i: number) => {
    while (!stop) {
      await paced();
      if (stop) break;
      const s = performance.now();
      await w.once(i);
      const d = performance.now() - s;
      committed += w.perTx;
      if (measuring) latencies.push(d);
    }
  };
  background.run(!w.paused);
  const size0 = w.treeSize ? await w.treeSize() : 0;
  const checkpointed = w.checkpointed;
  const lag =
    checkpointed &&
    new CheckpointLag(
      () => committed,
      async () => (await checkpointed()) - size0,
    );
  lag?.start();
  const workers = w.workers ?? WORKERS;
  const running = Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  running.catch(() => (stop = true));
  await Promise.race([sleep(WARMUP_S * 1000), running]);
  const c1 = committed;
  const s1 = w.treeSize ? await w.treeSize() : 0;
  const m1 = performance.now();
  measuring = true;
  lag?.record(true);
  for (let left = DURATION_S; left > 0 && !stop; left -= Math.min(left, 5)) await Promise.race([sleep(Math.min(left, 5) * 1000), running]);
  const c2 = committed;
  const m2 = performance.now();
  lag?.record(false);
  const s2 = w.treeSize ? await w.treeSize() : 0;
  measuring = false;
  await lag?.stop();
  stop = true;
  await running;
  const stopped = performance.now();
  const windowS = (m2 - m1) / 1000;
  const run: AppendRun = {
    label: w.label,
    perTx: w.perTx,
    workers,
    rowsPerS: (c2 - c1) / windowS,
    rowsMeasured: c2 - c1,
    ...(() => {
      const l = latencyRun('', latencies);
      return { p50Ms: l.p50Ms, p99Ms: l.p99Ms };
    })(),
    ...(lag && { checkpointLag: latencyRun('checkpoint lag', lag.lagsMs) }),
  };
  if (w.treeSize) {
    background.run(true); // (already running unless paused: then it starts on the backlog now)
    const total = committed;
    const backlog = total - ((await w.treeSize()) - size0);
    // Wait for the server's own loop to sequence everything that was appended.
    const deadline = performance.now() + 300_000;
    let size = await w.treeSize();
    while (size - size0 < total) {
      if (performance.now() > deadline) throw new Error(`${w.label}: the integrator did not catch up within 5 min (${size - size0} of ${total})`);
      await sleep(50);
      size = await w.treeSize();
    }
    if (size - size0 !== total) throw new Error(`${w.label}: ${size - size0} entries sequenced for ${total} appended`);
    const drainS = (performance.now() - stopped) / 1000;
    // End to end: everything appended from the measurement's start, over the window plus the drain.
    const afterStart = total - c1;
    run.integrated = { perS: (s2 - s1) / windowS, backlogAtEnd: backlog, drainS, sustainedPerS: afterStart / ((performance.now() - m1) / 1000) };
  }
  const lagged = run.checkpointLag ? `; checkpoint lag p99 ${run.checkpointLag.p99Ms.toFixed(0)} ms, max ${run.checkpointLag.maxMs.toFixed(0)} ms` : '';
  progress(
    `  ${w.label}: ${Math.round(run.rowsPerS)} rows/s${run.integrated ? `, sequenced ${Math.round(run.integrated.perS)}/s during, backlog ${run.integrated.backlogAtEnd} drained in ${run.integrated.drainS.toFixed(2)} s, sustained ${Math.round(run.integrated.sustainedPerS)}/s` : ''}; p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms per transaction${lagged}`,
  );
  return run;
}

/** The tree size of a log's newest checkpoint (0: none yet). */
async function checkpointSize(db: Database, log: string): Promise<number> {
  const r = await db.query<{ n: string }>('SELECT COALESCE(max(tree_size), 0) AS n FROM ledger_checkpoints WHERE custodian_code = $1', [log]);
  return Number(r.rows[0]!.n);
}

/** ledger_queue's columns, as the migrations leave them. */
const RAW_COLUMNS = ['id', 'custodian_code', 'leaf', 'leaf_hash', 'queued_at'];

/**
 * The baseline table: `ledger_queue`'s very columns and types (copied with LIKE, so it follows
 * the schema) and a uuid primary key — nothing else: no foreign key, no secondary index, no
 * trigger, no work-list row. What a durable log row cannot cost less than.
 */
const RAW_TABLE = 'CREATE TABLE bench_raw_queue (LIKE ledger_queue INCLUDING DEFAULTS); ALTER TABLE bench_raw_queue ADD PRIMARY KEY (id)';

/** Raw rows are prepared in advance (the very leaves append writes); only the id and time are new. */
function rawRows(log: string, leaves: Buffer[], hashes: Buffer[]): (n: number) => unknown[] {
  return (n) => [newId(), log, leaves[n % leaves.length], hashes[n % leaves.length], new Date()];
}

const rawInsertSql = (rows: number) => {
  const c = RAW_COLUMNS.length;
  const values = Array.from({ length: rows }, (_, r) => `(${RAW_COLUMNS.map((_, k) => `$${r * c + k + 1}`).join(', ')})`);
  return `INSERT INTO bench_raw_queue (${RAW_COLUMNS.join(', ')}) VALUES ${values.join(', ')}`;
};

/**
 * Each measurement of a round starts from the same state: no autovacuum worker busy (the drain
 * before it deleted a work list and grew the queue) and a fresh checkpoint (the full-page images
 * written after one otherwise fall on whichever variant runs then). CHECKPOINT needs a superuser or
 * pg_checkpoint; without it the rounds run unsettled (said in the progress output).
 */
async function settle(db: Database): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const busy = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = current_database()",
    );
    if (busy.rows[0]!.n === 0) break;
    await sleep(500);
  }
  await db
    .exec('CHECKPOINT')
    .catch((err: unknown) => progress(`  (no CHECKPOINT before the measurement: ${err instanceof Error ? err.message : String(err)})`));
}

type AppendResults = Pick<LedgerResults, 'rounds' | 'rawSingle' | 'group' | 'groupPaced' | 'many' | 'single' | 'batched' | 'appendPhasesUs'> & {
  leafBytes: number;
};

async function benchAppends(platform: Awaited<ReturnType<typeof openPlatform>>): Promise<AppendResults> {
  const { db, ledger } = platform;
  background.platform = platform;
  // Rows of the same size as the ledger's: the very leaf bytes append would write.
  const leaves = Array.from({ length: 1000 }, (_, n) => leafBytes('BTCTW', entry(n)));
  const hashes = leaves.map((l) => Buffer.from(leafHash(l)));
  const leafSize = Math.round(leaves.reduce((a, l) => a + l.length, 0) / leaves.length);
  await db.exec(RAW_TABLE);
  progress(
    `appends: ${ROUNDS} rounds of the baseline and appendDurable, then the other variants; ${WARMUP_S} s warm-up + ${DURATION_S} s each; leaves ${leafSize} B`,
  );

  let n = 0;
  const rawRow = rawRows('BTCTW', leaves, hashes);
  const sql100 = rawInsertSql(RAW_BATCH);
  const sql1 = rawInsertSql(1);
  const rawRun = (round: number) =>
    runWorkload({
      label: `raw ${RAW_BATCH}-row INSERT (baseline), round ${round}`,
      perTx: RAW_BATCH,
      paused: true,
      once: async () => void (await db.query(sql100, Array.from({ length: RAW_BATCH }, () => rawRow(n++)).flat())),
    });

  // Exchanges prepared in advance, as the raw rows are (the caller's data, not the log's work):
  // every call still canonicalises and hashes its entry.
  const prepared = Array.from({ length: 1000 }, (_, n) => entry(n));
  let k = 0;
  const next = () => prepared[k++ % prepared.length]!;
  // Each log gets its first entry alone: concurrent *first* appends to a log can collide on
  // ledger_logs' UNIQUE (origin), which `ON CONFLICT (custodian_code)` does not absorb.
  const ledgerLogs = [LOGS.group, LOGS.groupMatched, LOGS.shared, LOGS.paced, LOGS.many, LOGS.single, LOGS.batched];
  background.run(true);
  for (const log of ledgerLogs) await db.transaction((tx) => ledger.append(tx, log, next()));
  for (const log of ledgerLogs) while ((await ledger.treeSize(log)) < 1) await sleep(50);

  // The goals' measures, paired with the baseline round by round (the machine drifts over minutes):
  // the gateway's path — many exchanges in flight, each awaiting its own receipt (group commit) —
  // with as many entries in flight as the baseline's 10 × 100 rows, first the integrator paused
  // (the append stage alone; the backlog is sequenced after, and timed), then running in this
  // process as a lone `serve` runs it (appended and sequenced: does sequencing keep pace?).
  const matched = WORKERS * RAW_BATCH;
  const rounds: LedgerResults['rounds'] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await settle(db);
    const raw = await rawRun(round);
    await settle(db);
    const durable = await runWorkload({
      label: `ledger.appendDurable, ${matched.toLocaleString('en-US')} callers, integrator paused, round ${round}`,
      perTx: 1,
      workers: matched,
      paused: true,
      log: LOGS.groupMatched,
      treeSize: () => ledger.treeSize(LOGS.groupMatched),
      once: async () => void (await ledger.appendDurable(LOGS.groupMatched, next())),
    });
    await settle(db);
    const running = await runWorkload({
      label: `ledger.appendDurable, ${matched.toLocaleString('en-US')} callers, integrator running, round ${round}`,
      perTx: 1,
      workers: matched,
      log: LOGS.shared,
      treeSize: () => ledger.treeSize(LOGS.shared),
      checkpointed: () => checkpointSize(db, LOGS.shared),
      once: async () => void (await ledger.appendDurable(LOGS.shared, next())),
    });
    rounds.push({ raw, durable, running });
  }
  const group = await runWorkload({
    label: `ledger.appendDurable, ${CALLERS} callers, integrator paused`,
    perTx: 1,
    workers: CALLERS,
    paused: true,
    log: LOGS.group,
    treeSize: () => ledger.treeSize(LOGS.group),
    once: async () => void (await ledger.appendDurable(LOGS.group, next())),
  });
  // The gateway at its peak: exchanges arrive at its best rate on this machine, each logged by appendDurable.
  const groupPaced = await runWorkload({
    label: `ledger.appendDurable at ${GATEWAY_RATE.toLocaleString('en-US')} / s (the gateway's peak), integrator running`,
    perTx: 1,
    workers: matched,
    ratePerS: GATEWAY_RATE,
    log: LOGS.paced,
    treeSize: () => ledger.treeSize(LOGS.paced),
    checkpointed: () => checkpointSize(db, LOGS.paced),
    once: async () => void (await ledger.appendDurable(LOGS.paced, next())),
  });
  const rawSingle = await runWorkload({
    label: 'raw 1-row INSERT / tx (reference)',
    perTx: 1,
    once: async () => void (await db.transaction((tx) => tx.query(sql1, rawRow(n++)))),
  });
  const many = await runWorkload({
    label: `ledger.appendMany, ${RAW_BATCH} per tx`,
    perTx: RAW_BATCH,
    log: LOGS.many,
    treeSize: () => ledger.treeSize(LOGS.many),
    once: async () =>
      void (await db.transaction((tx) =>
        ledger.appendMany(
          tx,
          Array.from({ length: RAW_BATCH }, () => ({ custodian: LOGS.many, entry: next() })),
        ),
      )),
  });
  const single = await runWorkload({
    label: 'ledger.append, 1 per tx',
    perTx: 1,
    log: LOGS.single,
    treeSize: () => ledger.treeSize(LOGS.single),
    once: async () => void (await db.transaction((tx) => ledger.append(tx, LOGS.single, next()))),
  });
  const batched = await runWorkload({
    label: `ledger.append, ${RAW_BATCH} per tx`,
    perTx: RAW_BATCH,
    log: LOGS.batched,
    treeSize: () => ledger.treeSize(LOGS.batched),
    once: async () =>
      void (await db.transaction(async (tx) => {
        for (let j = 0; j < RAW_BATCH; j++) await ledger.append(tx, LOGS.batched, next());
      })),
  });
  background.run(false);
  await sleep(600); // let a pass that was running finish before the big log exists
  progress("appends: timing one append's steps, one worker alone…");
  const phases = await appendPhases(db, ledger, LOGS.steps);
  progress(
    `  ${Object.entries(phases)
      .map(([p, v]) => `${p} ${v.toFixed(0)} µs`)
      .join('; ')}`,
  );
  return { rounds, rawSingle, group, groupPaced, many, single, batched, leafBytes: leafSize, appendPhasesUs: phases };
}

/**
 * Where an append's time goes, one worker alone: the real `ledger.append`, 100 a transaction,
 * through a transaction handle that times each statement it sends (named by its table), so the
 * breakdown follows src/ledger/append.ts whatever it does; the rest of the call is JavaScript
 * (canonical JSON, SHA-256). Then BEGIN + COMMIT of one-append transactions.
 */
async function appendPhases(db: Database, ledger: ReturnType<typeof createLedger>, log: string): Promise<Record<string, number>> {
  const us: Record<string, number> = {};
  const add = (k: string, ms: number, per: number) => (us[k] = (us[k] ?? 0) + (ms * 1000) / per);
  const label = (sql: string) => {
    const m = /^\s*(INSERT|UPDATE|DELETE|SELECT)\b.*?\b(?:INTO|FROM|UPDATE)\s+(\w+)/is.exec(sql);
    return m ? `\`${m[2]}\` ${m[1]!.toUpperCase()}` : 'other SQL';
  };
  const n = 2000;
  for (let b = 0; b < n; b += 100) {
    await db.transaction(async (tx) => {
      let inSql = 0;
      const timed = {
        query: async <T>(sql: string, params?: unknown[]) => {
          const s = performance.now();
          try {
            return await tx.query<T>(sql, params);
          } finally {
            const d = performance.now() - s;
            inSql += d;
            add(label(sql), d, n);
          }
        },
      };
      for (let j = 0; j < 100; j++) {
        const before = inSql;
        const s = performance.now();
        await ledger.append(timed, log, entry(1_000_000_000 + b + j));
        add('JavaScript (canonical JSON, SHA-256, ids)', performance.now() - s - (inSql - before), n);
      }
    });
  }
  const m = 300;
  for (let i = 0; i < m; i++) {
    let inner = 0;
    const s = performance.now();
    await db.transaction(async (tx) => {
      const t = performance.now();
      await ledger.append(tx, log, entry(2_000_000_000 + i));
      inner = performance.now() - t;
    });
    add('BEGIN + COMMIT (WAL flush) per one-append transaction', performance.now() - s - inner, m);
  }
  return us;
}

// ——— 2. verify over ENTRIES ———

async function buildBigLog(
  db: Database,
  ledger: ReturnType<typeof createLedger>,
  closer: ReturnType<typeof createLedger>,
  server: ReturnType<typeof createLedger>,
  log: string,
) {
  // (server: the same log key with the server's default options)
  const leafOf = fastLeaves(log);
  const now = new Date();
  await db.query('INSERT INTO ledger_logs (custodian_code, origin, created_at) VALUES ($1, $2, $3)', [log, originOf(log), now]);
  // The rows append would write: the queue rows (the statement's trigger lists them for the integrator).
  const insert = `INSERT INTO ledger_queue (id, custodian_code, leaf, leaf_hash, queued_at)
    SELECT x.id, $1, x.leaf, x.leaf_hash, $2 FROM unnest($3::uuid[], $4::bytea[], $5::bytea[]) AS x(id, leaf, leaf_hash)`;
  progress(`verify: building a log of ${ENTRIES.toLocaleString('en-US')} entries (${log}): bulk insert of queue rows…`);
  const i0 = performance.now();
  let next = 0;
  let done = 0;
  let lastReport = performance.now();
  const chunkWorker = async () => {
    while (next < ENTRIES) {
      const from = next;
      const to = Math.min(ENTRIES, from + BUILD_CHUNK);
      next = to;
      const ids: string[] = [];
      const ls: Buffer[] = [];
      const hs: Buffer[] = [];
      for (let n = from; n < to; n++) {
        ids.push(newId()); // UUIDv7, monotonic: the integrator's order is the insertion order
        const leaf = leafOf(n);
        ls.push(leaf);
        hs.push(Buffer.from(leafHash(leaf)));
      }
      await db.query(insert, [log, now, ids, ls, hs]);
      done += to - from;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        progress(`  inserted ${done.toLocaleString('en-US')}`);
      }
    }
  };
  await Promise.all([chunkWorker(), chunkWorker()]);
  const insertS = (performance.now() - i0) / 1000;
  progress(`  inserted ${ENTRIES.toLocaleString('en-US')} queue rows in ${insertS.toFixed(1)} s; integrating (batches of 10,000)…`);
  const g0 = performance.now();
  let integrated = 0;
  lastReport = performance.now();
  for (let got = await ledger.integrate(log); got > 0; got = await ledger.integrate(log)) {
    integrated += got;
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      progress(`  integrated ${integrated.toLocaleString('en-US')} (${Math.round(integrated / ((performance.now() - g0) / 1000))}/s)`);
    }
  }
  const integrateS = (performance.now() - g0) / 1000;
  if (integrated !== ENTRIES) throw new Error(`integrated ${integrated} of ${ENTRIES}`);
  // checkpointEvery 100,000 from a first checkpoint at 10,000 never lands on the last entry; the
  // server's time rule would sign the full tree within seconds: the same rule, due at once.
  await closer.integrate(log);
  const size = await ledger.treeSize(log);
  const cps = await db.query<{ n: number; max: number }>('SELECT count(*)::int AS n, max(tree_size) AS max FROM ledger_checkpoints WHERE custodian_code = $1', [
    log,
  ]);
  if (Number(cps.rows[0]!.max) !== size) throw new Error(`the newest checkpoint covers ${cps.rows[0]!.max} of ${size} entries`);
  const tiles = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_tiles WHERE custodian_code = $1', [log])).rows[0]!.n);
  progress(`  integrated in ${integrateS.toFixed(1)} s; ${cps.rows[0]!.n} checkpoints, ${tiles} tile rows`);
  // Settle the database as a long-lived log would be (autovacuum would otherwise start on the
  // million fresh rows in the middle of the measurements below).
  const v0 = performance.now();
  await db.exec('VACUUM (ANALYZE) ledger_queue, ledger_entries, ledger_search, ledger_tiles, ledger_checkpoints');
  await db.exec('CHECKPOINT');
  progress(`  VACUUM (ANALYZE) + CHECKPOINT in ${((performance.now() - v0) / 1000).toFixed(1)} s`);
  const storage = await logStorage(db);
  // What `serve` pays every 250 ms for this log once it is this big, with nothing to do.
  const passes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    if ((await server.integrate(log)) !== 0) throw new Error('the queue should be empty');
    passes.push(performance.now() - s);
  }
  const idlePassMs = passes.sort((a, b) => a - b)[1]!;
  progress(`  an integrator pass with an empty queue takes ${idlePassMs.toFixed(0)} ms (median of 3)`);
  return { entries: size, insertS, integrateS, checkpoints: Number(cps.rows[0]!.n), tiles, idlePassMs, storage };
}

/** The ledger's tables on disk ÷ the entries sequenced in them: what a log grows by, an entry at a time. */
async function logStorage(db: Database): Promise<LogStorage> {
  const tables = ['ledger_entries', 'ledger_search', 'ledger_tiles', 'ledger_checkpoints', 'ledger_queue', 'ledger_content'];
  const entries = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries')).rows[0]!.n);
  const sizes = await db.query<{ t: string; b: string }>('SELECT t, pg_total_relation_size(t::regclass) AS b FROM unnest($1::text[]) AS t', [tables]);
  const bytesPerEntry = Object.fromEntries(sizes.rows.map((r) => [r.t, Number(r.b) / Math.max(1, entries)]));
  return { entries, bytesPerEntry };
}

async function benchVerify(ledger: ReturnType<typeof createLedger>, log: string) {
  progress(`verify: ledger.verify('${log}')…`);
  let last = performance.now();
  const v0 = performance.now();
  const [report] = await ledger.verify(log, (_l, d, t) => {
    if (performance.now() - last > 2000) {
      last = performance.now();
      progress(`  verified ${d.toLocaleString('en-US')} of ${t.toLocaleString('en-US')}`);
    }
  });
  const seconds = (performance.now() - v0) / 1000;
  if (!report) throw new Error('verify returned no report');
  progress(
    `  ${report.ok ? 'ok' : `DIVERGENCE: ${report.divergence?.what}`}: ${report.entries} entries, ${report.checkpoints} checkpoints in ${seconds.toFixed(2)} s`,
  );
  return { entries: report.entries, seconds, ok: report.ok, checkpoints: report.checkpoints };
}

/**
 * Where verify's time goes: its steps re-run one at a time with the same queries
 * (src/ledger/log/verify-read.ts), so a missed goal comes with a breakdown. In verify itself the page
 * reads overlap the hashing (the next page is read while one is hashed).
 */
async function verifyPhases(db: Database, log: string, total: number): Promise<Record<string, number>> {
  const phases: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const s = performance.now();
    const r = await fn();
    phases[name] = (phases[name] ?? 0) + (performance.now() - s) / 1000;
    return r;
  };
  const leaves: Uint8Array[] = [];
  const page = 50_000;
  // One connection, one page at a time (verify itself reads with two, ahead of its walk).
  await db.transaction(async (tx) => {
    await tx.exec('SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off');
    let hashing = 0;
    for (let after = -1; leaves.length < total; after += page) {
      // verify.ts's page: binary COPY of the leaf-index range, each leaf hashed once its row is in.
      const before = leaves.length;
      await time('entry pages (one connection; binary COPY of the leaf-index range JOIN, rows decoded)', async () => {
        const decoder = new BinaryCopyDecoder(3, (buf, at, len) => {
          const s = performance.now();
          buf[at[1]! - 1] = 0;
          leaves.push(sha256(buf.subarray(at[1]! - 1, at[1]! + len[1]!)));
          hashing += performance.now() - s;
        });
        await tx.copyOut(
          `SELECT e.leaf_index, q.leaf, CASE WHEN length(q.leaf) = 0 THEN q.leaf_hash END
            FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id
           WHERE e.custodian_code = '${log}' AND e.leaf_index > ${after} AND e.leaf_index <= ${after + page} ORDER BY e.leaf_index`,
          (c) => decoder.push(c),
        );
        decoder.end();
      });
      await time('level-0 tile pages', () =>
        tx.query(
          `SELECT tile_index, width, hashes FROM ledger_tiles
          WHERE custodian_code = $1 AND level = 0 AND tile_index BETWEEN $2 AND $3 ORDER BY tile_index, width`,
          [log, Math.floor((after + 1) / 256), Math.floor((after + page) / 256)],
        ),
      );
      if (leaves.length === before) break;
    }
    // The hashing happened inside the page reads: shown on its own line, taken out of theirs.
    const readKey = 'entry pages (one connection; binary COPY of the leaf-index range JOIN, rows decoded)';
    phases[readKey] = phases[readKey]! - hashing / 1000;
    phases['leaf hashes (SHA-256 of 0x00 ‖ leaf, on the received bytes)'] = hashing / 1000;
  });
  await time('tree rebuild (compact range; its nodes are the expected tiles)', () => {
    const tree = new CompactRange();
    for (const h of leaves) tree.push(h);
  });
  await time('upper-level tiles and tile list', async () => {
    await db.query('SELECT level, tile_index, width, hashes FROM ledger_tiles WHERE custodian_code = $1 AND level > 0 ORDER BY level, tile_index, width', [
      log,
    ]);
    await db.query('SELECT level, tile_index, max(width)::int AS width FROM ledger_tiles WHERE custodian_code = $1 GROUP BY level, tile_index', [log]);
  });
  return phases;
}

/**
 * Sequencing once the log is big, with the server's own settings (DEFAULT_LEDGER_OPTIONS):
 * entries queued by \`appendMany\` in caller transactions of 100 — so the integrator reads every
 * leaf back from the queue (no hand-off) — then \`integrate\` until the queue is empty.
 */
async function benchSequencingWhenBig(db: Database, server: ReturnType<typeof createLedger>, log: string, size: number) {
  const n = 4 * DEFAULT_LEDGER_OPTIONS.batch;
  progress(`sequencing at ${size.toLocaleString('en-US')} entries: ${n} new entries, server defaults (batch ${DEFAULT_LEDGER_OPTIONS.batch})…`);
  for (let b = 0; b < n; b += 100) {
    const items = Array.from({ length: Math.min(n, b + 100) - b }, (_, j) => ({ custodian: log, entry: entry(size + b + j) }));
    await db.transaction((tx) => server.appendMany(tx, items));
  }
  const s = performance.now();
  let done = 0;
  let passes = 0;
  for (let got = await server.integrate(log); got > 0; got = await server.integrate(log)) {
    done += got;
    passes++;
  }
  const seconds = (performance.now() - s) / 1000;
  if (done !== n) throw new Error(`sequenced ${done} of ${n}`);
  progress(`  ${n} entries in ${passes} passes, ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} entries/s`);
  return { entries: n, passes, seconds, atSize: size };
}

// ——— 3. inclusion proofs, in a process of their own ———

/** Runs bench/ledger-inclusion.ts as a child (a fresh heap, like a server's), passing its output through. */
async function benchInclusion(url: string, keyDir: string, log: string): Promise<InclusionResult> {
  const child = spawn(process.execPath, [...serveNodeFlags(), '--import', 'tsx', path.join(ROOT, 'bench', 'ledger-inclusion.ts')], {
    cwd: ROOT,
    env: { ...process.env, LT_BENCH_DATABASE_URL: url, LT_BENCH_KEY_DIR: keyDir, LT_BENCH_LOG: log, LT_BENCH_PROOFS: String(PROOFS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => void (child.exitCode === null && child.kill('SIGTERM'));
  cleanups.push(stop);
  let result: InclusionResult | undefined;
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as InclusionResult;
      else if (line.trim()) progress(line);
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !result) throw new Error(`bench/ledger-inclusion.ts failed (exit ${code})`);
  return result;
}

// ——— the run ———

/** The machine may be shared: wait (up to 2 min) for its cores to be mostly idle, and say how idle they were. */
async function quietMachine(): Promise<{ loadAvg1: number; idlePercent: number }> {
  let b = await machineBusyness();
  for (let waited = 0; b.idlePercent < 90 && waited < 120; waited += 6) {
    if (waited === 0) progress(`cores only ${b.idlePercent.toFixed(0)}% idle: waiting up to 2 min for other work to finish…`);
    await sleep(5000);
    b = await machineBusyness();
  }
  return b;
}

async function main(): Promise<void> {
  const source = sourceState(); // what was loaded, before anyone edits src/ again
  const before = await quietMachine();
  const { url, throwaway } = await setUpDatabase();
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-ledger-keys-'));
  cleanups.push(() => fs.rmSync(keyDir, { recursive: true, force: true }));
  const config = loadConfig({ DATABASE_URL: url, LIENTHONG_KEY_DIR: keyDir, LIENTHONG_LOG_LEVEL: 'warn' });
  const db = await openDatabase({ databaseUrl: url });
  const platform = await openPlatform(config, { clock: systemClock, db });
  cleanups.push(() => platform.close());
  const poolMax = 10; // openPostgres' default, what `serve` gets
  progress(`database ${masked(url)} migrated${throwaway ? '' : ' (DATABASE_URL: not dropped at the end)'}`);
  const used = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_queue WHERE custodian_code = ANY($1)', [Object.values(LOGS)]);
  if (Number(used.rows[0]!.n) > 0) throw new Error(`the logs ${Object.values(LOGS).join(', ')} already hold entries: point DATABASE_URL at a fresh database`);
  if ((await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'bench_raw_queue'")).rows.length)
    throw new Error('bench_raw_queue exists: point DATABASE_URL at a fresh database');
  const pgFacts = await serverFacts(db);

  const c0 = await cpuSnapshot(db);
  const appends = await benchAppends(platform);
  const c1 = await cpuSnapshot(db);

  // The log key of the big log: in memory, Ed25519, as the brief's createLedger call.
  const logKey = memoryCryptoProvider('EdDSA');
  const big = createLedger(db, systemClock, logKey, { batch: 10_000, checkpointEvery: 100_000, checkpointSeconds: 3600 });
  const closer = createLedger(db, systemClock, logKey, { batch: 10_000, checkpointEvery: 100_000, checkpointSeconds: 0 });
  const server = createLedger(db, systemClock, logKey);
  const build = await buildBigLog(db, big, closer, server, LOGS.big);
  const verified = await benchVerify(big, LOGS.big);
  progress('verify: timing its steps separately…');
  const phases = await verifyPhases(db, LOGS.big, build.entries);
  progress(
    `  ${Object.entries(phases)
      .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
      .join('; ')}`,
  );
  const c2 = await cpuSnapshot(db);
  const inclusion = await benchInclusion(url, keyDir, LOGS.big);
  const c3 = await cpuSnapshot(db);
  // Last, as it grows the log that verify and the proofs measured.
  const sequencing = await benchSequencingWhenBig(db, server, LOGS.big, build.entries);
  const c4 = await cpuSnapshot(db);
  // The proofs ran in a child process: it measured the other processes' share itself.
  const parts = [otherCpu(c0, c1), otherCpu(c1, c2), inclusion.otherCpu, otherCpu(c3, c4)] as const;
  const others = {
    appends: otherCpuPercent(parts[0]),
    verify: otherCpuPercent(parts[1]),
    inclusion: otherCpuPercent(parts[2]),
    whole: otherCpuPercent(...parts),
  };
  progress(
    `other processes used ${Object.entries(others)
      .map(([k, v]) => `${v === null ? '?' : v.toFixed(0)}% (${k})`)
      .join(', ')} of the machine's CPU`,
  );

  const results: LedgerResults = {
    ...appends,
    build,
    sequencing,
    verify: { ...verified, phases },
    inclusion,
    facts: {
      command: commandLine(),
      source,
      otherCpu: others,
      when: new Date(),
      totalS: (performance.now() - t0) / 1000,
      before,
      pg: pgFacts,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      rounds: ROUNDS,
      nodeFlags: process.execArgv.join(' ').replace('--import tsx', '').trim(),
      workers: WORKERS,
      callers: CALLERS,
      poolMax,
      leafBytes: appends.leafBytes,
    },
  };
  const body = ledgerSection(results);
  writeReport(REPORT, SECTION, body);
  console.log(`\n${body}`);
  console.log(`Written to ${path.relative(process.cwd(), REPORT)} (section ${SECTION})`);
  const ratio = appendRatio(results);
  const kept = sustainedRatio(results);
  const lagP99 = results.groupPaced.checkpointLag?.p99Ms ?? Number.NaN;
  console.log(
    `Goals: appends ${ratio >= GOALS.appendRatio ? 'met' : 'NOT met'} (median ${ratio.toFixed(3)}), verify ${verified.ok && verified.seconds <= GOALS.verifyS ? 'met' : 'NOT met'}, inclusion p99 ${inclusion.service.p99Ms <= GOALS.inclusionP99Ms ? 'met' : 'NOT met'}, sequencing keeps pace ${kept >= GOALS.sustainedRatio ? 'met' : 'NOT met'} (${kept.toFixed(3)}), checkpoint lag p99 ${lagP99 <= GOALS.checkpointLagMs ? 'met' : 'NOT met'} (${lagP99.toFixed(0)} ms)`,
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up (closing pools, dropping the throwaway database)…`);
    void cleanUp().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}

try {
  await main();
} catch (err) {
  console.error(`\nLedger benchmark FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
