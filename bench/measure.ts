/** Load generation with autocannon, run in the benchmark's parent process. */
import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  /** Seconds of measured load. */
  durationS: number;
  /** Seconds of unmeasured load first: JIT, connection pools and caches settle. */
  warmupS: number;
}

export interface Measurement {
  label: string;
  url: string;
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Mean response size including headers, so the report shows how much more the platform sends. */
  bytesPerResponse: number;
}

interface Run {
  result: autocannon.Result;
  latenciesMs: number[];
}

/** One autocannon run; latencies are also collected here, unrounded (see percentile). */
function fire(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<Run> {
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, headers, connections, duration: durationS }, (err, result) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve({ result, latenciesMs }),
    );
    instance.on('response', (_client, _status, _bytes, ms) => void latenciesMs.push(ms));
  });
}

/**
 * autocannon's own latency histogram has 1 ms resolution, which flattens a
 * sub-millisecond baseline to 0 or 1; so percentiles come from the raw
 * per-response times instead (nearest-rank).
 */
function percentile(sortedMs: Float64Array, p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1]!;
}

/** A broken endpoint answers fast; a number is only reported when every response was a 2xx. */
function assertAllOk(label: string, r: autocannon.Result): void {
  const problems = [
    r['2xx'] === 0 && 'no 2xx response at all',
    r.non2xx > 0 && `${r.non2xx} non-2xx responses (1xx ${r['1xx']}, 3xx ${r['3xx']}, 4xx ${r['4xx']}, 5xx ${r['5xx']})`,
    r.errors > 0 && `${r.errors} connection errors`,
    r.timeouts > 0 && `${r.timeouts} timeouts`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`${label}: measured run is invalid: ${problems.join('; ')}`);
}

export async function measure(label: string, url: string, headers: Record<string, string>, o: LoadOptions): Promise<Measurement> {
  if (o.warmupS > 0) assertAllOk(`${label} (warm-up)`, (await fire(url, headers, o.connections, o.warmupS)).result);
  const { result, latenciesMs } = await fire(url, headers, o.connections, o.durationS);
  assertAllOk(label, result);
  const sorted = Float64Array.from(latenciesMs).sort(); // typed arrays sort numerically
  return {
    label,
    url,
    requests: result['2xx'],
    durationS: result.duration,
    rps: result['2xx'] / result.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    bytesPerResponse: result.throughput.total / Math.max(1, result['2xx']),
  };
}
