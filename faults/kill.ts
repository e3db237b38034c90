/**
 * (a) kill -9 under load. A server on the suite's PostgreSQL serves gateway reads to a closed-loop
 * load; it is killed with SIGKILL at a random moment, restarted on the same database and port, and
 * killed again. Every answer the load received (2xx or 4xx) carries a receipt: afterwards each one
 * is fetched from `GET /api/v1/ledger/receipts/{id}` and its entry must hold the answer's status and
 * the SHA-256 of the exact bytes received; then `lienthong ledger verify` must exit 0.
 */
import { once } from 'node:events';
import { request, Agent } from 'undici';
import type { RunningServer } from '../bench/servers.ts';
import { type Suite, fmt, percentile, sleep, tail } from './lib/context.ts';
import { type Answer, countBy, startLoad, summary } from './lib/load.ts';
import { type OwnPostgres, freePort } from './lib/pg.ts';
import { HOSTED, accessToken, alive, ledgerVerify, login, platformEnv, prepareWorld, startPlatform } from './lib/platform.ts';

const S = 'kill -9';

export async function killScenario(suite: Suite, own: OwnPostgres): Promise<void> {
  const kills = suite.mode === 'full' ? 10 : 1;
  const dbUrl = await own.createDatabase('faults_kill');
  const port = await freePort();
  const env = platformEnv(suite, dbUrl, { PORT: String(port), LIENTHONG_RATE_LIMIT_PER_SECOND: '10000000' });
  const { clientId, clientSecret } = await prepareWorld(env);
  let server: RunningServer = await startPlatform(suite, 'platform (kill, start 0)', env);
  const base = server.url;
  const admin = await login(base);
  const token = await accessToken(base, clientId, clientSecret);
  suite.log(`kill: server on ${base}, ${kills} kill(s) under load`);

  const load = startLoad({
    baseUrl: () => base,
    // Mostly data, some refusals (404, also receipted): both kinds of acknowledged exchange.
    nextPath: (i) => `/data/v1/${HOSTED.dataset}/records/${i % 10 === 9 ? `missing-${i}` : HOSTED.key}`,
    headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': HOSTED.purpose },
    concurrency: 12,
  });
  const restartMs: number[] = [];
  const unexpectedExits: string[] = [];
  try {
    for (let k = 1; k <= kills; k++) {
      await sleep(1500 + Math.random() * 1500);
      if (!alive(server))
        unexpectedExits.push(`before kill ${k}: exited by itself (code ${server.child.exitCode}, signal ${server.child.signalCode})\n${tail(server.output())}`);
      const before = load.answers.length;
      const exited = once(server.child, 'exit');
      server.child.kill('SIGKILL');
      await exited;
      const t0 = Date.now();
      server = await startPlatform(suite, `platform (kill, start ${k})`, env);
      restartMs.push(Date.now() - t0);
      suite.log(`kill ${k}/${kills}: ${before} answers so far, restarted in ${Date.now() - t0} ms`);
    }
    await sleep(1500);
  } finally {
    await load.stop();
  }

  const answers = load.answers;
  const acked = answers.filter((a) => a.status < 500 && a.receipt);
  const noReceipt = answers.filter((a) => a.status < 500 && !a.receipt);
  const fivexx = answers.filter((a) => a.status >= 500);
  suite.check(S, 'kills under load', kills, suite.mode === 'full' ? '≥ 10' : '1 (short)', true);
  suite.check(S, 'answers received', `${fmt(answers.length)} (${summary(countBy(answers, (a) => String(a.status)))})`, '', null);
  suite.check(S, 'socket errors (while killed/restarting)', `${fmt(load.errors.length)} (${summary(countBy(load.errors, (e) => e.code))})`, '', null);
  suite.check(S, 'restart to listening, p50 / max', `${fmt(percentile(restartMs, 50))} / ${fmt(Math.max(...restartMs))} ms`, '', null);
  suite.check(S, '5xx answers', fivexx.length, '0', fivexx.length === 0, samples(fivexx));
  suite.check(S, 'answers without Lienthong-Receipt', noReceipt.length, '0', noReceipt.length === 0, samples(noReceipt));
  suite.check(S, 'unexpected server exits', unexpectedExits.length, '0', unexpectedExits.length === 0, unexpectedExits.join('\n'));

  // Reconcile every acknowledged exchange against its receipt (the entry sequenced into the log).
  const t0 = Date.now();
  const r = await reconcile(base, admin, acked);
  suite.log(`kill: reconciled ${acked.length} receipts in ${Date.now() - t0} ms`);
  suite.check(S, 'acknowledged exchanges (receipts) checked', acked.length, '> 0', acked.length > 0);
  suite.check(S, 'acknowledged exchanges missing from the log', r.missing.length, '0', r.missing.length === 0, r.missing.slice(0, 5).join('\n'));
  suite.check(
    S,
    'receipts whose entry ≠ answer (status, content SHA-256, log)',
    r.mismatched.length,
    '0',
    r.mismatched.length === 0,
    r.mismatched.slice(0, 5).join('\n'),
  );
  suite.check(
    S,
    'receipts never sequenced (no leaf index after 60 s)',
    r.unsequenced.length,
    '0',
    r.unsequenced.length === 0,
    r.unsequenced.slice(0, 5).join('\n'),
  );
  suite.check(S, 'receipt look-ups failing (not 200/404)', r.errors.length, '0', r.errors.length === 0, r.errors.slice(0, 5).join('\n'));

  await server.stop();
  const v = await ledgerVerify(env);
  const entries = v.reports?.reduce((n, x) => n + x.entries, 0) ?? 0;
  suite.check(
    S,
    '`lienthong ledger verify` exit code',
    `${v.code} (${v.reports?.length ?? '?'} logs, ${fmt(entries)} entries, ${fmt(v.ms)} ms)`,
    '0',
    v.code === 0,
    v.code === 0 ? undefined : tail(v.output),
  );
}

interface Reconciliation {
  missing: string[];
  mismatched: string[];
  unsequenced: string[];
  errors: string[];
}

async function reconcile(base: string, admin: string, acked: Answer[]): Promise<Reconciliation> {
  const out: Reconciliation = { missing: [], mismatched: [], unsequenced: [], errors: [] };
  const dispatcher = new Agent({ connections: 6 });
  let pending = acked;
  const deadline = Date.now() + 60_000;
  try {
    while (pending.length) {
      const again: Answer[] = [];
      let i = 0;
      const worker = async () => {
        while (i < pending.length) {
          const a = pending[i++]!;
          try {
            const res = await request(`${base}/api/v1/ledger/receipts/${encodeURIComponent(a.receipt!)}`, {
              headers: { authorization: `Bearer ${admin}` },
              dispatcher,
            });
            const text = await res.body.text();
            if (res.statusCode === 404) {
              out.missing.push(`receipt ${a.receipt} (answer ${a.status} ${a.path} at ${new Date(a.t).toISOString()}): 404 ${text.slice(0, 200)}`);
              continue;
            }
            if (res.statusCode !== 200) {
              out.errors.push(`receipt ${a.receipt}: ${res.statusCode} ${text.slice(0, 200)}`);
              continue;
            }
            const body = JSON.parse(text) as {
              log: string;
              leaf_index: number | null;
              entry: { response?: { status?: number; content_sha256?: string | null } } | null;
            };
            const rs = body.entry?.response;
            if (!rs || rs.content_sha256 !== a.sha256 || rs.status !== a.status || body.log !== a.log) {
              out.mismatched.push(`receipt ${a.receipt}: answer ${a.status} sha256 ${a.sha256} log ${a.log}; entry ${JSON.stringify(rs)} log ${body.log}`);
            } else if (body.leaf_index === null) again.push(a);
          } catch (err) {
            out.errors.push(`receipt ${a.receipt}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      if (again.length && Date.now() > deadline) {
        out.unsequenced.push(...again.map((a) => `receipt ${a.receipt}: leaf_index still null`));
        break;
      }
      pending = again;
      if (pending.length) await sleep(1000);
    }
  } finally {
    await dispatcher.close();
  }
  return out;
}

function samples(list: Answer[]): string | undefined {
  if (!list.length) return undefined;
  return list
    .slice(0, 5)
    .map((a) => `${a.status} ${a.path} ${a.contentType} ${a.bodyExcerpt ?? ''}`)
    .join('\n');
}
