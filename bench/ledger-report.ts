/**
 * Markdown for the sharing-log (ledger) benchmark, `bench/ledger.ts`: one
 * `<!-- bench:ledger-postgres -->` section of docs/BENCHMARKS.md, written through
 * report.ts's `writeReport`, which keeps every other section as it is.
 */
import os from 'node:os';

export interface AppendRun {
  label: string;
  /** entries per transaction (1, or 100 for the batched and raw variants) */
  perTx: number;
  workers: number;
  /** rows durably committed per second over the measured window */
  rowsPerS: number;
  /** transaction (or statement) latency, ms */
  p50Ms: number;
  p99Ms: number;
  rowsMeasured: number;
  /** how far the newest checkpoint was behind the committed appends, sampled every 50 ms of the window (bench/ledger-lag.ts) */
  checkpointLag?: LatencyRun;
  /** sequencing by the background integrator (undefined for raw baselines) */
  integrated?: {
    perS: number;
    /** queued but not yet sequenced when the appenders stopped */
    backlogAtEnd: number;
    /** seconds from the appenders stopping to the last entry sequenced */
    drainS: number;
    /** appended ÷ (measured window + drain): what the log sustains end to end */
    sustainedPerS: number;
  };
}

export interface LatencyRun {
  label: string;
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LedgerFacts {
  command: string;
  /** git state of the code measured */
  source: string;
  when: Date;
  totalS: number;
  before: { loadAvg1: number; idlePercent: number };
  /** % of the machine's CPU other processes used during each part (null: not measurable here) */
  otherCpu: { appends: number | null; verify: number | null; inclusion: number | null; whole: number | null };
  pg: { version: string; settings: Record<string, string> };
  durationS: number;
  warmupS: number;
  /** baseline / appendDurable pairs */
  rounds: number;
  /** V8 / Node flags of the run (the npm script's) */
  nodeFlags: string;
  workers: number;
  callers: number;
  poolMax: number;
  leafBytes: number;
}

/** Bytes on disk a sequenced entry costs, per table (heap, TOAST and indexes), over every log of the run's database. */
export interface LogStorage {
  entries: number;
  bytesPerEntry: Record<string, number>;
}

export interface LedgerResults {
  /**
   * The goals' measures, round by round: the raw baseline, then `appendDurable` (the gateway's
   * path, group commit) with as many callers as the baseline has rows in flight, the integrator
   * paused (`durable`), then the same with the integrator running in the same process (`running`).
   */
  rounds: { raw: AppendRun; durable: AppendRun; running: AppendRun }[];
  rawSingle: AppendRun;
  /** `appendDurable` with fewer callers (BENCH_CALLERS), the integrator paused */
  group: AppendRun;
  /** `appendDurable` paced at the data gateway's peak rate, the integrator running: the checkpoint lag goal */
  groupPaced: AppendRun;
  /** `appendMany` of 100 entries in one caller transaction */
  many: AppendRun;
  single: AppendRun;
  batched: AppendRun;
  /** µs per append (or per transaction) for each step, one worker alone */
  appendPhasesUs: Record<string, number>;
  build: { entries: number; insertS: number; integrateS: number; checkpoints: number; tiles: number; idlePassMs: number; storage: LogStorage };
  sequencing: { entries: number; passes: number; seconds: number; atSize: number };
  verify: { entries: number; seconds: number; ok: boolean; checkpoints: number; phases: Record<string, number> };
  inclusion: {
    size: number;
    cold?: LatencyRun;
    warm?: { tiles: number; seconds: number; cacheMb: number };
    service: LatencyRun;
    inject?: LatencyRun;
    tcp?: LatencyRun;
    proofsChecked: number;
    proofLength: number;
  };
  facts: LedgerFacts;
}

export const GOALS = { appendRatio: 0.8, verifyS: 10, inclusionP99Ms: 2, sustainedRatio: 0.5, checkpointLagMs: 1000 };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** The baseline's rate: the median of its rounds. */
export const rawRate = (r: LedgerResults): number => median(r.rounds.map((x) => x.raw.rowsPerS));
/** The goal's ratio: the median over rounds of appendDurable ÷ the baseline measured just before it. */
export const appendRatio = (r: LedgerResults): number => median(r.rounds.map((x) => x.durable.rowsPerS / x.raw.rowsPerS));
/** Sequencing keeps pace: the median over rounds of appended-and-sequenced per second, the integrator running, ÷ the baseline of its round. */
export const sustainedRatio = (r: LedgerResults): number => median(r.rounds.map((x) => (x.running.integrated?.sustainedPerS ?? 0) / x.raw.rowsPerS));

const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);
const pct = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(0)}%`);
const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');

function appendTable(r: LedgerResults): string {
  const row = (a: AppendRun, raw: number, against: string): string => {
    const i = a.integrated;
    return `| ${a.label} | ${a.perTx} | ${n0(a.rowsPerS)} | ${i ? n0(i.perS) : '—'} | ${i ? `${n0(i.backlogAtEnd)} / ${f2(i.drainS)} s` : '—'} | ${i ? n0(i.sustainedPerS) : '—'} | ${f3(a.rowsPerS / raw)}× ${against} | ${f2(a.p50Ms)} | ${f2(a.p99Ms)} | ${a.checkpointLag ? `${n0(a.checkpointLag.p99Ms)} / ${n0(a.checkpointLag.maxMs)}` : '—'} | ${n0(a.rowsMeasured)} |`;
  };
  const median = rawRate(r);
  return [
    '| Variant | entries / commit | appended / s | sequenced / s (during) | backlog at stop / drain | sustained / s | ÷ raw | tx p50 ms | tx p99 ms | checkpoint lag p99 / max ms | rows measured |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...r.rounds.flatMap((x) => [row(x.raw, x.raw.rowsPerS, ''), row(x.durable, x.raw.rowsPerS, '(its round)'), row(x.running, x.raw.rowsPerS, '(its round)')]),
    ...[r.group, r.groupPaced, r.rawSingle, r.many, r.single, r.batched].map((a) => row(a, median, '(median raw)')),
  ].join('\n');
}

function latencyRow(l: LatencyRun): string {
  return `| ${l.label} | ${n0(l.n)} | ${f3(l.p50Ms)} | ${f3(l.p90Ms)} | ${f3(l.p99Ms)} | ${f3(l.maxMs)} | ${f3(l.meanMs)} |`;
}

function goals(r: LedgerResults): string {
  const raw = rawRate(r);
  const ratio = appendRatio(r);
  const each = r.rounds.map((x) => f3(x.durable.rowsPerS / x.raw.rowsPerS)).join(', ');
  const [group, many, single] = [r.group, r.many, r.single].map((a) => a.rowsPerS / raw) as [number, number, number];
  const shared = median(r.rounds.map((x) => x.running.rowsPerS / x.raw.rowsPerS));
  const httpP99 = r.inclusion.inject?.p99Ms;
  const kept = sustainedRatio(r);
  const keptEach = r.rounds.map((x) => f3((x.running.integrated?.sustainedPerS ?? 0) / x.raw.rowsPerS)).join(', ');
  const lag = r.groupPaced.checkpointLag;
  const unpacedLag = r.rounds.map((x) => (x.running.checkpointLag ? n0(x.running.checkpointLag.p99Ms) : '—')).join(', ');
  return [
    '| Goal | Target | Measured | |',
    '|---|--:|--:|---|',
    `| Durable appends ÷ raw 100-row INSERT | ≥ ${GOALS.appendRatio} | **${f3(ratio)}**: median of ${r.rounds.length} rounds (${each}) of \`appendDurable\`, ${n0(r.rounds[0]!.durable.workers)} callers, integrator paused ÷ the baseline just before it. Against the median baseline: ${f3(group)} with ${r.group.workers} callers; ${f3(shared)} with the integrator running in the same process (median of the rounds, each against its own baseline); ${f3(many)} (\`appendMany\`, 100 / tx), ${f3(single)} (\`append\`, 1 / tx) | ${met(ratio >= GOALS.appendRatio)} |`,
    `| Sequencing keeps pace: appended and sequenced ÷ raw 100-row INSERT | ≥ ${GOALS.sustainedRatio} | **${f3(kept)}**: median of ${r.rounds.length} rounds (${keptEach}) of \`appendDurable\`, ${n0(r.rounds[0]!.running.workers)} callers, the integrator running in the same process: entries appended from the window's start ÷ (window + the time until the last is sequenced), ÷ the baseline just before it | ${met(kept >= GOALS.sustainedRatio)} |`,
    `| Newest checkpoint behind the appends, the gateway at its peak | p99 ≤ ${GOALS.checkpointLagMs / 1000} s | **${lag ? `p99 ${n0(lag.p99Ms)} ms, max ${n0(lag.maxMs)} ms` : '—'}** (${n0(lag?.n ?? 0)} samples; \`appendDurable\` paced at ${n0(r.groupPaced.rowsPerS)} / s, the integrator running). Unpaced, appending as fast as the callers can (the rounds): p99 ${unpacedLag} ms | ${met(lag !== undefined && lag.p99Ms <= GOALS.checkpointLagMs)} |`,
    `| \`ledger verify\` over ${n0(r.verify.entries)} entries | ≤ ${GOALS.verifyS} s | ${f2(r.verify.seconds)} s (${n0(r.verify.entries / r.verify.seconds)} entries/s) | ${met(r.verify.ok && r.verify.seconds <= GOALS.verifyS)} |`,
    `| Inclusion proof p99 at ${n0(r.inclusion.size)} entries | ≤ ${GOALS.inclusionP99Ms} ms | ${f3(r.inclusion.service.p99Ms)} ms (service)${httpP99 !== undefined ? `, ${f3(httpP99)} ms (HTTP, in-process)` : ''} | ${met(r.inclusion.service.p99Ms <= GOALS.inclusionP99Ms)} |`,
  ].join('\n');
}

function machine(f: LedgerFacts): string {
  const cpus = os.cpus();
  const s = f.pg.settings;
  return [
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}; the database server, the benchmark process and the integrator share these cores`,
    `- ${f.pg.version.split(' on ')[0]} on the same machine; ${Object.entries(s)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `- Node ${process.version}; \`pg\` pool of ${f.poolMax} connections (\`openDatabase\`, as \`serve\` opens it)`,
    `- Machine before the run: cores ${f.before.idlePercent.toFixed(0)}% idle over 1 s, 1-min load average ${f.before.loadAvg1.toFixed(2)}`,
    `- Other processes during the run (all busy CPU − this run's processes − their database backends): ${pct(f.otherCpu.whole)} of the machine's CPU overall — ${pct(f.otherCpu.appends)} during 1, ${pct(f.otherCpu.verify)} during 2, ${pct(f.otherCpu.inclusion)} during 3. PostgreSQL's WAL writer, checkpointer, autovacuum and parallel query workers count as "other" although this run causes most of their work (much of part 2's share: a million-row build and parallel scans); a large share in parts 1 or 3 means the machine was shared and the numbers are pessimistic.`,
    `- Run at ${f.when.toISOString()} (${(f.totalS / 60).toFixed(1)} min in all) on ${f.source}, with: \`${f.command}\``,
  ].join('\n');
}

export function ledgerSection(r: LedgerResults): string {
  const f = r.facts;
  const inc = r.inclusion;
  const timed = Object.values(r.verify.phases).reduce((a, b) => a + b, 0);
  const phases =
    Object.entries(r.verify.phases)
      .map(([k, v]) => `${k} ${f2(v)} s`)
      .join(', ') +
    (timed > 0
      ? ` — ${f2(timed)} s in all against verify's ${f2(r.verify.seconds)} s (run separately, one after another on one connection; verify itself streams pages on two connections while it walks, so it can take less than the sum)`
      : '');
  return `## Results: sharing log (ledger) on the PostgreSQL server

Generated by \`bench/ledger.ts\`; do not edit by hand — a run replaces this
section only. Baselines and the platform are measured in the same run, on one throwaway database.

${goals(r)}

### 1. Durable appends

${appendTable(r)}

- **raw 100-row INSERT** (the goal's baseline): ${f.workers} workers, each looping one plain
  multi-row \`INSERT … VALUES\` of 100 rows (autocommit, so one commit per 100 rows) into a bare
  table with \`ledger_queue\`'s columns (\`CREATE TABLE … (LIKE ledger_queue)\`: id, custodian, leaf,
  leaf hash, queue time), the same leaf bytes (${n0(f.leafBytes)} B a leaf), a uuid primary key and nothing
  else; same \`pg\` pool of ${f.poolMax} connections.
- **Rounds.** The baseline and \`appendDurable\` (integrator paused, then running) are measured in ${f.rounds} rounds, one right after the other,
  and each goal's ratio is the median of the rounds' ratios: on this shared 2-core virtual machine
  the same workload's rate drifts by ±15% from one minute to the next (background checkpoints,
  autovacuum of the growing tables, the host), which a single baseline measured minutes before
  the platform would fold into the ratio. Before each measurement of a round the run waits for
  autovacuum workers to finish and issues a \`CHECKPOINT\`, so both start from the same state.
- **ledger.appendDurable** (the goal's measure; how the gateway calls it): ${n0(r.rounds[0]!.durable.workers)} concurrent callers — as many
  entries in flight as the baseline's ${f.workers} × 100 rows — each looping \`await ledger.appendDurable(custodian, entry)\`:
  one exchange, one receipt, resolved only after the commit. Each call builds its RFC 8785 leaf (the
  raw rows are prepared in advance). The group-commit appender (src/ledger/append.ts, default options)
  collects callers for ≤ 2 ms or 256 entries and writes each group with ONE autocommitted statement,
  a binary COPY of the queue rows whose trigger writes the group's work-list row, at most 6 groups in flight.
  On the PostgreSQL server the groups are hashed, encoded and written by the queue thread
  (src/ledger/log/queue-thread.ts, its own connections); the caller's thread builds the leaf text and the promise.
  *Integrator paused*: the server's background loop is stopped while these rounds are measured — this is
  the append stage alone, as the baseline is a write alone — and started again after each one:
  *backlog / drain* is how long it then took to sequence everything appended, and *sustained / s*
  = entries appended ÷ (window + drain).
- **integrator running**: the same with \`startBackgroundWork\` (\`integrateAll\` every 250 ms, batches
  of up to 4,096, checkpoint every 256 entries or 5 s) sequencing in the same process throughout, as a lone
  \`serve\` runs: the integrator, the appenders and the database then share the 2 cores. Its *sustained / s*
  ÷ the baseline of its round is the "sequencing keeps pace" goal.
- **at N / s (the gateway's peak)**: the same, but the callers together start at most N exchanges a
  second (\`BENCH_GATEWAY_RATE\`; the data gateway's best rate on this machine, docs/BENCHMARKS.md,
  "data gateway on PostgreSQL server"): the log's load when the gateway runs flat out.
  *Checkpoint lag* (bench/ledger-lag.ts), sampled every 50 ms of the window: how long ago the
  first entry not under the newest signed checkpoint was committed (its receipt resolved), 0 when the
  checkpoint covers every committed entry.
- **raw 1-row INSERT / tx** (reference, not a goal): \`BEGIN; INSERT one row; COMMIT\` into the same bare
  table — the per-commit floor a one-entry-per-exchange design pays before any ledger work.
- **ledger.appendMany, 100 / tx**: \`db.transaction(tx => ledger.appendMany(tx, 100 items))\` — one
  multi-row INSERT inside a caller's transaction, on this thread. **ledger.append, 1 / tx**: each worker loops
  \`db.transaction(tx => ledger.append(tx, custodian, entry))\`. **ledger.append, 100 / tx**: 100 sequential
  \`append\` calls in one transaction. These three run with the integrator running.
- ${f.warmupS} s unmeasured warm-up then ${f.durationS} s measured per variant; each variant appends to its own
  custodian's log. Latency = one transaction (or one 100-row statement, or one caller's wait for its
  receipt), nearest-rank percentiles. Node flags: \`${f.nodeFlags || '(none)'}\` (as \`npm start\` runs the server).
- Where an append's time goes (one worker alone; the real \`ledger.append\`, 100 a transaction, through a
  transaction handle that times each statement it sends; then the commit of one-append transactions):
  ${Object.entries(r.appendPhasesUs)
    .map(([k, v]) => `${k} ${n0(v)} µs`)
    .join(', ')}.
- Where the CPU goes (CPU profiles and per-thread \`/proc\` times of \`appendDurable\` at 1,000 callers,
  integrator paused): about 8 µs an entry on the caller's thread (its RFC 8785 leaf text and the
  text's UTF-8 bytes ≈ 4.5, id, promise, receipt, the benchmark's own loop), 4.5 µs on the queue thread
  (SHA-256, COPY encoding, the socket), 1–2 µs in V8's garbage-collection helper threads, and 7–8 µs
  in PostgreSQL — against the baseline's 4 µs in Node and 11–12 µs in PostgreSQL (the COPY costs
  the server less than the INSERT). The two cores are 85–90% busy in both, so the ratio is close
  to the ratio of CPU spent a row. With the integrator in the same process it takes its share of
  those cores (the *integrator running* row). Those figures are from an earlier host (its baseline
  ran at 72–93k rows/s; the ratio there was 0.74). The CPU a row costs differs between hosts, and
  PostgreSQL's share most: on a host whose baseline ran at 31–55k rows/s, \`/proc\` times over 5 s of
  a round gave 16.5 µs of Node CPU and 15.5 µs of PostgreSQL CPU a durable entry, against about
  42 µs of machine CPU a baseline row (cores 87–97% busy) — a baseline that spends most of its CPU
  in the server slows most where the server is slow, so the ratio moves with the host.

### 2. \`ledger verify\` over ${n0(r.verify.entries)} entries

| Step | seconds | entries / s |
|---|--:|--:|
| build: bulk \`INSERT … SELECT FROM unnest(…)\` of queue rows (10,000 a statement) | ${f2(r.build.insertS)} | ${n0(r.build.entries / r.build.insertS)} |
| build: \`integrate\` with \`{batch: 10000, checkpointEvery: 100000}\` | ${f2(r.build.integrateS)} | ${n0(r.build.entries / r.build.integrateS)} |
| **\`ledger.verify(log)\`** | **${f2(r.verify.seconds)}** | **${n0(r.verify.entries / r.verify.seconds)}** |
| \`integrate(log)\` with an empty queue (what \`serve\` runs for every log every 250 ms), median of 3 | ${f3(r.build.idlePassMs / 1000)} | — |
| afterwards: ${n0(r.sequencing.entries)} new entries (queued by \`appendMany\`, so read back from the queue) sequenced with the server's defaults (batch 4,096, checkpoint every 256) at ${n0(r.sequencing.atSize)} entries, ${r.sequencing.passes} passes | ${f2(r.sequencing.seconds)} | ${n0(r.sequencing.entries / r.sequencing.seconds)} |

- The log: ${n0(r.build.entries)} entries (real RFC 8785 leaves of the same shape as above), ${r.build.checkpoints} signed checkpoints, ${n0(r.build.tiles)} tile rows;
  then \`VACUUM (ANALYZE)\` and \`CHECKPOINT\`, so what follows runs on a settled database (warm OS cache).
- Disk a sequenced entry costs once settled (\`pg_total_relation_size\`: heap, TOAST, indexes; every log of the run,
  ${n0(r.build.storage.entries)} entries): ${storageLine(r.build.storage)}. docs/scale.md multiplies this by national volumes.
- \`verify\` reads the log in one REPEATABLE READ snapshot, shared by two connections (an exported
  snapshot), in pages of 50,000 leaf indexes streamed as binary COPY (each leaf as its bytes); the
  two connections stream alternate pages, this process hashes every leaf as soon as its row has
  arrived, then walks the pages in order: it rebuilds the tree once (its nodes give the
  checkpoint roots and the expected tiles) and compares every leaf hash, stored tile and signed
  checkpoint. Search copies (\`ledger_search\`) are
  compared only with \`{searchCopies: true}\` (not measured here).
- \`verify\` is \`createLedger(…).verify(log)\` alone — what \`lienthong ledger verify --custodian\` runs —
  and it reported ${r.verify.ok ? 'no divergence' : '**a divergence** (the run is invalid)'} over ${n0(r.verify.entries)} entries and ${r.verify.checkpoints} checkpoints.
${phases ? `- Where its time went (the same queries and hashing, timed separately afterwards): ${phases}.\n` : ''}
### 3. Inclusion proofs at ${n0(inc.size)} entries

| Path | proofs | p50 ms | p90 ms | p99 ms | max ms | mean ms |
|---|--:|--:|--:|--:|--:|--:|
${[inc.cold, inc.service, inc.inject, inc.tcp]
  .filter((x): x is LatencyRun => x !== undefined)
  .map(latencyRow)
  .join('\n')}

- Measured in a child process of its own (\`bench/ledger-inclusion.ts\`: a fresh heap, the Node flags of \`npm start\`, and a fresh
  \`openPlatform\`, like \`serve\`), one call at a time, each path after 200 unmeasured calls, with
  its own list of uniformly random \`index\` values (fixed seeds) in a tree of \`size\` = ${n0(inc.size)}, the
  newest checkpoint's size; each proof has ${inc.proofLength} hashes. The first row runs with the
  process's tile cache (src/ledger/log/tile-cache.ts) empty, so nearly every proof reads a tile from the
  database and expands it. Then \`ledger.warmTiles()\` — what \`serve\` runs in the background at start-up —
  ${inc.warm ? `loaded ${n0(inc.warm.tiles)} full tiles (every log of the database; \`LIENTHONG_LEDGER_TILE_CACHE_MB=${inc.warm.cacheMb}\`) in ${f2(inc.warm.seconds)} s` : 'loaded the tiles'}, and the other rows are what a running server answers: no round trip, no hashing.
- *service*: \`platform.ledger.inclusion(principal, log, index, size)\`, the function the route calls, for a
  coordinator of VPTW. *HTTP (inject)*: \`GET /api/v1/ledger/{custodian}/proof/inclusion\` through
  \`buildServer\` + \`app.inject\` with a real session token (adds authentication, validation,
  serialisation). *HTTP (TCP)*: the same request over a listening socket with keep-alive \`fetch\`
  from the same process.
- ${inc.proofsChecked} of the proofs were checked with \`verifyInclusion\` against the signed checkpoint's root.

${machine(f)}
`;
}

function storageLine(s: LogStorage): string {
  const parts = Object.entries(s.bytesPerEntry).map(([table, b]) => `\`${table}\` ${n0(b)} B`);
  const total = Object.values(s.bytesPerEntry).reduce((a, b) => a + b, 0);
  return `**${n0(total)} B an entry** — ${parts.join(', ')}`;
}
