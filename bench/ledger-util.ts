/** Small helpers shared by bench/ledger.ts, bench/ledger-inclusion.ts and the ledger tests (the seeded PRNG). */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/db/database.ts';
import type { LatencyRun } from './ledger-report.ts';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

export function latencyRun(label: string, samples: number[]): LatencyRun {
  const s = Float64Array.from(samples).sort();
  return {
    label,
    n: s.length,
    p50Ms: percentile(s, 50),
    p90Ms: percentile(s, 90),
    p99Ms: percentile(s, 99),
    maxMs: s[s.length - 1] ?? Number.NaN,
    meanMs: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

/** mulberry32: a seeded PRNG, so every run asks for the same proofs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The machine may be shared: CPU time used by *other* processes over a stretch of the run =
 * all busy CPU time (/proc/stat) − this process − the database backends serving this database.
 * (PostgreSQL's own background processes — WAL writer, checkpointer, autovacuum — count as
 * "other", so a little of it is this run's.) Linux only; null elsewhere.
 */
export interface CpuSnapshot {
  at: number;
  busy: number;
  self: number;
  backends: Map<number, number>;
}
const TICK_S = 0.01; // USER_HZ is 100 on Linux

function procTicks(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, and for this process also cutime + cstime (children it has waited for)
    return Number(fields[11]) + Number(fields[12]) + (pid === 'self' ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0; // exited
  }
}

export async function cpuSnapshot(db: Database): Promise<CpuSnapshot | null> {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = cpu.reduce((a, b) => a + b, 0) - cpu[3]! - (cpu[4] ?? 0); // all but idle and iowait
    const pids = (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
    return { at: performance.now(), busy, self: procTicks('self'), backends: new Map(pids.map((pid) => [pid, procTicks(pid)])) };
  } catch {
    return null;
  }
}

/** CPU seconds other processes used between two snapshots, and the machine's capacity over it. */
export function otherCpu(a: CpuSnapshot | null, b: CpuSnapshot | null): { other: number; capacity: number } | null {
  if (!a || !b) return null;
  const capacity = ((b.at - a.at) / 1000) * os.cpus().length;
  // Backends come and go (the pool closes idle ones): count each one's growth since it was last
  // seen; one that started in between counts whole, one that ended is lost (a slight overestimate).
  let mine = b.self - a.self;
  for (const [pid, ticks] of b.backends) mine += ticks - (a.backends.get(pid) ?? 0);
  return { other: Math.max(0, b.busy - a.busy - mine) * TICK_S, capacity };
}

export function otherCpuPercent(...parts: ({ other: number; capacity: number } | null)[]): number | null {
  if (parts.some((p) => p === null)) return null;
  const sum = (k: 'other' | 'capacity') => parts.reduce((a, p) => a + p![k], 0);
  return (100 * sum('other')) / sum('capacity');
}
