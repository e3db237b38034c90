/**
 * `npm run bench:webhook`: from a write's commit to its webhook delivery at the receiver, on the
 * PostgreSQL server. BENCH_SUBSCRIPTIONS (default 100) webhook subscriptions — 20 per consumer
 * system (the platform's limit per system and dataset), so 5 systems for 100 —, each to its own receiving HTTP server (its own origin) on a worker thread of their own
 * (push-consumers.mjs), batched mode
 * (BENCH_BATCH_MAX, default 100 events a request), follow can-bo-dang-vien while writes of
 * BENCH_BATCH (20) records are committed BENCH_RATE (1,000) changes a second for BENCH_DURATION
 * (10) seconds. The latency of a change is the time from its write's commit (writeAs resolved) to
 * the request carrying it, for every subscription; p50/p99/max. Each request is a signed
 * (Standard Webhooks) and logged delivery. Platform and writer share this process; all
 * share the machine's two cores with PostgreSQL, as in `bench:stream`.
 * With BENCH_WRITE=1, writes the section into docs/BENCHMARKS.md.
 */
import { LienThongClient } from '../src/client/index.ts';
import { startConsumers, webhookKnobs } from './push-consumers.ts';
import { startSyncWorld, writeOpenLoop, writeSection } from './sync-setup.ts';

const { SUBSCRIPTIONS, RATE, BATCH, BATCH_MAX, DURATION_S, WARMUP_S } = webhookKnobs();
/** LIENTHONG_RESPONSE_SIGNATURES (each, the default, or batch: docs/batch-signatures.md), passed to the platform. */
const SIGNATURES = { LIENTHONG_RESPONSE_SIGNATURES: process.env.LIENTHONG_RESPONSE_SIGNATURES ?? 'each' };
/** src/push/service.ts: a system has at most 20 subscriptions per dataset. */
const PER_SYSTEM = 20;

async function main(): Promise<void> {
  const w = await startSyncWorld(SIGNATURES, Math.ceil(SUBSCRIPTIONS / PER_SYSTEM));
  const committed = new Map<string, number>();
  const warming = new Map<string, number>();
  const receivers = await startConsumers({ mode: 'webhook', count: SUBSCRIPTIONS });
  try {
    const tokens = await Promise.all(
      w.consumers.map((c) => new LienThongClient({ baseUrl: w.url, clientId: c.clientId, clientSecret: c.clientSecret, purpose: w.purpose }).accessToken()),
    );
    for (let n = 0; n < SUBSCRIPTIONS; n++) {
      const token = tokens[Math.floor(n / PER_SYSTEM)]!;
      const res = await fetch(`${w.url}/data/v1/${w.dataset}/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': w.purpose, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receivers.urls[n], batch_max: BATCH_MAX, start: 'now' }),
      });
      if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${await res.text()}`);
    }
    console.log(`${SUBSCRIPTIONS} subscriptions; writing ${RATE} changes/s in batches of ${BATCH} for ${WARMUP_S} s unmeasured, then ${DURATION_S} s…`);
    const { written, total, late, achieved, commitP99Ms } = await writeOpenLoop(
      w,
      { prefix: 'wh', rate: RATE, batch: BATCH, seconds: DURATION_S, warmup: WARMUP_S },
      committed,
      warming,
    );
    const until = performance.now() + 60_000;
    while (receivers.received() < total * SUBSCRIPTIONS && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
    const t = await receivers.finish(committed, warming);
    const l = t.latencies;
    const q = (p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN;
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const complete = t.received === total * SUBSCRIPTIONS;
    const section =
      [
        '## Results: webhook push on the PostgreSQL server',
        '',
        `Command: \`npm run bench:webhook\` (BENCH_SUBSCRIPTIONS=${SUBSCRIPTIONS} BENCH_RATE=${RATE} BENCH_BATCH=${BATCH} BENCH_BATCH_MAX=${BATCH_MAX} BENCH_DURATION=${DURATION_S} BENCH_WARMUP=${WARMUP_S} LIENTHONG_RESPONSE_SIGNATURES=${SIGNATURES.LIENTHONG_RESPONSE_SIGNATURES}; platform and writer in one process, the ${SUBSCRIPTIONS} receiving servers on a worker thread, 2 cores shared with PostgreSQL). ${new Date().toISOString().slice(0, 10)}.`,
        '',
        '| what | value |',
        '|---|---:|',
        `| changes written in the measured window (achieved rate, open loop) | ${written.toLocaleString('en-US')} (${achieved.toFixed(0)}/s committed in the window; ${late} batches started late; write commit p99 ${commitP99Ms.toFixed(0)} ms) |`,
        `| changes delivered (all subscriptions, de-duplicated) | ${t.received.toLocaleString('en-US')} of ${(total * SUBSCRIPTIONS).toLocaleString('en-US')} (warm-up included) in ${t.events.toLocaleString('en-US')} requests (each signed and logged); ${t.duplicates} duplicates |`,
        `| commit → webhook received, p50 | ${ms(q(0.5))} |`,
        `| commit → webhook received, p99 | ${ms(q(0.99))} |`,
        `| commit → webhook received, max | ${ms(l.at(-1) ?? NaN)} |`,
        `| warm-up (not measured): commit → webhook received, p99 / max | ${ms(t.warmup[Math.floor(0.99 * t.warmup.length)] ?? NaN)} / ${ms(t.warmup.at(-1) ?? NaN)} |`,
        '',
        `Goal: p99 ≤ 1 s at 1,000 changes/s to 100 subscribers — ${complete && q(0.99) <= 1000 && achieved >= 0.95 * RATE && SUBSCRIPTIONS >= 100 ? 'met' : 'not met'} in this run.`,
      ].join('\n') + '\n';
    console.log(`\n${section}`);
    if (process.env.BENCH_WRITE === '1') writeSection('sync-webhook', section);
  } finally {
    await w.close();
  }
}

await main();
process.exit(0);
