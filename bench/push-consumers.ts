/**
 * Starts the push benchmarks' consumers on their own worker thread (push-consumers.mjs) and turns
 * what they received into commit → receipt latencies. Times on both threads are
 * `performance.timeOrigin + performance.now()` (`wallNow`), one clock for the process.
 */
import { Worker } from 'node:worker_threads';

export const wallNow = () => performance.timeOrigin + performance.now();

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** The webhook benchmarks' knobs (bench:webhook and its floor), from the environment. */
export const webhookKnobs = () => ({
  SUBSCRIPTIONS: num('BENCH_SUBSCRIPTIONS', 100),
  RATE: num('BENCH_RATE', 1000),
  BATCH: num('BENCH_BATCH', 20),
  BATCH_MAX: num('BENCH_BATCH_MAX', 100),
  DURATION_S: num('BENCH_DURATION', 10),
  WARMUP_S: num('BENCH_WARMUP', 3),
});

export type ConsumerSpec = { mode: 'stream'; count: number; url: string; token: string; purpose: string } | { mode: 'webhook'; count: number };

export interface ConsumerTally {
  /** Commit → receipt of every change of the measured window each consumer received once, sorted. */
  latencies: number[];
  /** The same for the warm-up's changes. */
  warmup: number[];
  received: number;
  /** SSE events or webhook requests. */
  events: number;
  duplicates: number;
}

interface Finished {
  keys: string[];
  at: Float64Array;
  received: number;
  events: number;
  duplicates: number;
}

export async function startConsumers(spec: ConsumerSpec): Promise<{
  urls: string[];
  received(): number;
  finish(committed: Map<string, number>, warming: Map<string, number>): Promise<ConsumerTally>;
}> {
  const worker = new Worker(new URL('./push-consumers.mjs', import.meta.url), { workerData: spec });
  let received = 0;
  let failure: Error | null = null;
  worker.on('error', (err) => (failure = err));
  const ready = await new Promise<{ urls?: string[] }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', function first(m: { ready?: boolean; urls?: string[] }) {
      if (!m.ready) return;
      worker.off('message', first);
      resolve(m);
    });
  });
  worker.on('message', (m: { progress?: number }) => {
    if (m.progress !== undefined) received = m.progress;
  });
  return {
    urls: ready.urls ?? [],
    received: () => {
      if (failure) throw failure;
      return received;
    },
    async finish(committed, warming) {
      const done = new Promise<Finished>((resolve) => worker.on('message', (m: Finished | { progress: number }) => 'keys' in m && resolve(m)));
      worker.postMessage('finish');
      const f = await done;
      await worker.terminate();
      const latencies: number[] = [];
      const warmup: number[] = [];
      for (let i = 0; i < f.keys.length; i++) {
        const at = committed.get(f.keys[i]!);
        if (at !== undefined) latencies.push(f.at[i]! - at);
        const warm = warming.get(f.keys[i]!);
        if (warm !== undefined) warmup.push(f.at[i]! - warm);
      }
      latencies.sort((a, b) => a - b);
      warmup.sort((a, b) => a - b);
      return { latencies, warmup, received: f.received, events: f.events, duplicates: f.duplicates };
    },
  };
}
