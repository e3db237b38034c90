/**
 * `npm run faults` — the fault suite (docs/RELIABILITY.md), against real server processes:
 *   kill       (a) kill -9 under load; every acknowledged receipt reconciled; `ledger verify`
 *   restart    (b) the suite's own PostgreSQL restarted under load; `serve` started with it down
 *   flood      (c) unauthenticated floods of the gateway and the token endpoint
 *   malformed  (d) malformed input to every operation of /openapi.json, raw-socket cases
 *   slow       (e) 500 slow clients while a health probe measures latency
 * `npm run faults:short` (or FAULTS_SHORT=1) is the CI version. Arguments pick scenarios:
 * `npm run faults -- kill restart`. Prints a table, writes JSON (FAULTS_JSON, default
 * faults-report.json) and exits 1 on any failed check. See docs/RELIABILITY.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import { type Mode, type Suite, createSuite } from './lib/context.ts';
import { type OwnPostgres, startOwnPostgres } from './lib/pg.ts';
import { killScenario } from './kill.ts';
import { restartScenario } from './restart.ts';
import { floodScenario } from './flood.ts';
import { malformedScenario } from './malformed.ts';
import { slowScenario } from './slow.ts';

type Scenario = (suite: Suite, own: OwnPostgres) => Promise<void>;
const SCENARIOS: Record<string, Scenario> = {
  kill: killScenario,
  restart: restartScenario,
  flood: floodScenario,
  malformed: malformedScenario,
  slow: slowScenario,
};

const args = process.argv.slice(2);
const mode: Mode = args.includes('--short') || process.env.FAULTS_SHORT === '1' ? 'short' : 'full';
const picked = args.filter((a) => !a.startsWith('--'));
for (const p of picked)
  if (!SCENARIOS[p]) {
    console.error(`unknown scenario "${p}"; choose from: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
const names = picked.length ? picked : Object.keys(SCENARIOS);
const suite = createSuite(mode);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and PostgreSQL, removing temporary files…`);
    void suite.cleanups.run().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}

function table(): string {
  const rows = suite.checks.map((c) => [c.scenario, c.measure, c.value, c.goal, c.pass === null ? '' : c.pass ? 'pass' : 'FAIL']);
  const head = ['scenario', 'measure', 'value', 'goal', 'result'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c + ' '.repeat(w[i]! - [...c].length)).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const started = new Date();
console.log(`Fault suite (${mode}): ${names.join(', ')} — ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)}`);
try {
  const own = await startOwnPostgres(suite);
  for (const name of names) {
    suite.log(`── ${name} ──`);
    const t0 = Date.now();
    try {
      await SCENARIOS[name]!(suite, own);
    } catch (err) {
      suite.check(name, 'scenario ran to the end', 'no', 'yes', false, err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    suite.log(`${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
} catch (err) {
  suite.check('suite', 'set-up', 'failed', 'ok', false, err instanceof Error ? (err.stack ?? err.message) : String(err));
} finally {
  await suite.cleanups.run();
}

const failed = suite.checks.filter((c) => c.pass === false);
console.log(`\n${table()}\n`);
const out = process.env.FAULTS_JSON ?? 'faults-report.json';
fs.writeFileSync(
  out,
  JSON.stringify(
    {
      mode,
      scenarios: names,
      started: started.toISOString(),
      finished: new Date().toISOString(),
      host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      checks: suite.checks,
    },
    null,
    2,
  ),
);
console.log(failed.length ? `FAILED: ${failed.length} check(s) — ${failed.map((c) => `[${c.scenario}] ${c.measure}`).join('; ')}` : 'All checks passed.');
console.log(`Report: ${out}`);
process.exit(failed.length ? 1 : 0);
