/**
 * `npm run bench:stream`: from a write's commit to its server-sent event at the consumer, on the
 * PostgreSQL server. BENCH_STREAMS (default 100) streams of one consumer account follow
 * can-bo-dang-vien while writes of BENCH_BATCH (20) records are committed BENCH_RATE (1,000)
 * changes a second for BENCH_DURATION (10) seconds. The latency of a change is the time from its
 * write's commit (writeAs resolved) to the event carrying it, for every stream; p50/p99/max.
 * Platform and writer share this process; the readers parse on a worker thread of their own
 * (push-consumers.mjs), as consumers on other machines would; all share two cores with PostgreSQL.
 * With BENCH_WRITE=1, writes the section into docs/BENCHMARKS.md.
 */
import { LienThongClient } from '../src/client/index.ts';
import { startConsumers } from './push-consumers.ts';
import { startSyncWorld, writeOpenLoop, writeSection } from './sync-setup.ts';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const STREAMS = num('BENCH_STREAMS', 100);
const RATE = num('BENCH_RATE', 1000);
const BATCH = num('BENCH_BATCH', 20);
const DURATION_S = num('BENCH_DURATION', 10);
const WARMUP_S = num('BENCH_WARMUP', 3);
/** LIENTHONG_RESPONSE_SIGNATURES (each, the default, or batch: docs/batch-signatures.md), passed to the platform. */
const SIGNATURES = { LIENTHONG_RESPONSE_SIGNATURES: process.env.LIENTHONG_RESPONSE_SIGNATURES ?? 'each' };

async function main(): Promise<void> {
  const w = await startSyncWorld(SIGNATURES);
  try {
    const client = new LienThongClient({ baseUrl: w.url, clientId: w.consumer.clientId, clientSecret: w.consumer.clientSecret, purpose: w.purpose });
    const token = await client.accessToken();
    const head = (await w.platform.sync.feed.head(w.dataset)) as number;
    const { encode } = await import('../src/gateway/feeds.ts');
    const cursor = encode({ d: w.dataset, p: head });
    const committed = new Map<string, number>();
    const warming = new Map<string, number>();
    const consumers = await startConsumers({
      mode: 'stream',
      count: STREAMS,
      url: `${w.url}/data/v1/${w.dataset}/stream?cursor=${cursor}`,
      token,
      purpose: w.purpose,
    });
    console.log(`${STREAMS} streams open; writing ${RATE} changes/s in batches of ${BATCH} for ${WARMUP_S} s unmeasured, then ${DURATION_S} s…`);
    const { written, total, late, achieved, commitP99Ms } = await writeOpenLoop(
      w,
      { prefix: 'ps', rate: RATE, batch: BATCH, seconds: DURATION_S, warmup: WARMUP_S },
      committed,
      warming,
    );
    // Let the streams drain what was written.
    const until = performance.now() + 30_000;
    while (consumers.received() < total * STREAMS && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
    const { latencies, warmup, received, events, duplicates } = await consumers.finish(committed, warming);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const section =
      [
        '## Results: change stream (server-sent events) on the PostgreSQL server',
        '',
        `Command: \`npm run bench:stream\` (BENCH_STREAMS=${STREAMS} BENCH_RATE=${RATE} BENCH_BATCH=${BATCH} BENCH_DURATION=${DURATION_S} BENCH_WARMUP=${WARMUP_S} LIENTHONG_RESPONSE_SIGNATURES=${SIGNATURES.LIENTHONG_RESPONSE_SIGNATURES}; platform and writer in one process, the ${STREAMS} stream readers on a worker thread, 2 cores shared with PostgreSQL). ${new Date().toISOString().slice(0, 10)}.`,
        '',
        '| what | value |',
        '|---|---:|',
        `| changes written in the measured window (achieved rate, open loop) | ${written.toLocaleString('en-US')} (${achieved.toFixed(0)}/s committed in the window; ${late} batches started late; write commit p99 ${commitP99Ms.toFixed(0)} ms) |`,
        `| changes delivered (all streams) | ${received.toLocaleString('en-US')} of ${(total * STREAMS).toLocaleString('en-US')} (warm-up included) in ${events.toLocaleString('en-US')} events (each a signed, logged exchange); ${duplicates} duplicates |`,
        `| commit → event, p50 | ${ms(q(0.5))} |`,
        `| commit → event, p99 | ${ms(q(0.99))} |`,
        `| commit → event, max | ${ms(latencies.at(-1) ?? NaN)} |`,
        `| warm-up (not measured): commit → event, p99 / max | ${ms(warmup[Math.floor(0.99 * warmup.length)] ?? NaN)} / ${ms(warmup.at(-1) ?? NaN)} |`,
        '',
        `Goal: p99 ≤ 250 ms at 1,000 changes/s to 100 streams — ${received === total * STREAMS && q(0.99) <= 250 && achieved >= 0.95 * RATE && STREAMS >= 100 ? 'met' : 'not met'} in this run.`,
      ].join('\n') + '\n';
    console.log(`\n${section}`);
    if (process.env.BENCH_WRITE === '1') writeSection('sync-stream', section);
  } finally {
    await w.close();
  }
}

await main();
process.exit(0);
