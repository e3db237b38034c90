/**
 * What every scenario shares: the mode (short for CI, full for docs/RELIABILITY.md), the checks it
 * reports, and the teardown steps run whatever happens (success, failure, Ctrl-C).
 */
import { teardown } from '../../bench/cleanup.ts';

export type Mode = 'short' | 'full';

interface Check {
  scenario: string;
  measure: string;
  value: string;
  goal: string;
  /** null: reported only, not asserted. */
  pass: boolean | null;
  /** Why it failed: error texts, samples. */
  detail?: string;
}

export interface Suite {
  mode: Mode;
  checks: Check[];
  /** Adds a row; `pass` false makes the run exit non-zero. */
  check(scenario: string, measure: string, value: string | number, goal: string, pass: boolean | null, detail?: string): void;
  cleanups: ReturnType<typeof teardown>;
  log(msg: string): void;
}

export function createSuite(mode: Mode): Suite {
  const checks: Check[] = [];
  const started = Date.now();
  return {
    mode,
    checks,
    check(scenario, measure, value, goal, pass, detail) {
      checks.push({ scenario, measure, value: typeof value === 'number' ? fmt(value) : value, goal, pass, ...(detail ? { detail } : {}) });
      const mark = pass === null ? ' ' : pass ? '✓' : '✗';
      console.log(`  ${mark} [${scenario}] ${measure}: ${typeof value === 'number' ? fmt(value) : value}${goal ? ` (goal ${goal})` : ''}`);
      if (pass === false && detail) console.log(indent(detail.slice(0, 1500), '      '));
    },
    cleanups: teardown(),
    log(msg) {
      console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
    },
  };
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function indent(s: string, pad: string): string {
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of unsorted numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Small deterministic PRNG (mulberry32, shared with the benchmarks), so a failing malformed request can be replayed by seed. */
export { prng as rng } from '../../bench/ledger-util.ts';

/** Last `n` characters of a process's output, for failure details. */
export function tail(text: string, n = 1500): string {
  return text.length > n ? `…${text.slice(-n)}` : text;
}

/** What a dead server printed about its death: from the first error line on (the start-up banner left out). */
export function crashText(output: string, n = 2500): string {
  const i = output.search(/\n(node:|\S*Error\b|Unhandled|.*Lỗi)/);
  return (i >= 0 ? output.slice(i + 1) : tail(output, n)).slice(0, n);
}
