/**
 * (b) PostgreSQL restarted under load. The server runs on the suite's own PostgreSQL (never the
 * shared one); while gateway reads run, the database is stopped (`pg_ctl stop`, alternately
 * `-m fast` and `-m immediate`), kept
 * down for 2 s and started again. Wanted: the server process survives every restart, answers
 * 503 problem+json with Retry-After while the database is away (no socket errors, no other 5xx),
 * and serves again within 2 s of the database's return. Then `serve` is started while the
 * database is down: it must stay up, answer /readyz with 503 + Retry-After, and become ready
 * once the database is back.
 */
import { request } from 'undici';
import type { RunningServer } from '../bench/servers.ts';
import { type Suite, crashText, fmt, percentile, sleep, tail } from './lib/context.ts';
import { type Answer, countBy, problemIssue, startLoad, summary } from './lib/load.ts';
import { type OwnPostgres, freePort } from './lib/pg.ts';
import { HOSTED, accessToken, alive, platformEnv, prepareWorld, startPlatform, WAITING } from './lib/platform.ts';

const S = 'db restart';
const DOWN_MS = 2000;
const FIRST_SUCCESS_GOAL_MS = 2000;

export async function restartScenario(suite: Suite, own: OwnPostgres): Promise<void> {
  const cycles = suite.mode === 'full' ? 10 : 1;
  const dbUrl = await own.createDatabase('faults_restart');
  const port = await freePort();
  const env = platformEnv(suite, dbUrl, { PORT: String(port), LIENTHONG_RATE_LIMIT_PER_SECOND: '10000000' });
  const { clientId, clientSecret } = await prepareWorld(env);
  let server: RunningServer = await startPlatform(suite, 'platform (restart)', env);
  const base = server.url;
  const token = await accessToken(base, clientId, clientSecret);
  const headers = { authorization: `Bearer ${token}`, 'lienthong-purpose': HOSTED.purpose };
  suite.log(`restart: server on ${base}, ${cycles} database restart(s) under load`);

  const load = startLoad({
    baseUrl: () => base,
    nextPath: () => `/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`,
    headers,
    concurrency: 6,
    pauseMs: 2,
    timeoutMs: 10_000,
  });
  const crashes: string[] = [];
  const firstSuccess: number[] = [];
  const neverBack: string[] = [];
  const outputs: string[] = [];
  const outage: Answer[] = [];
  try {
    for (let c = 1; c <= cycles; c++) {
      await sleep(1500);
      const tDown = Date.now();
      // Alternately a clean shutdown and a crash of the database (connections cut without goodbye).
      const how = c % 2 === 1 ? 'fast' : 'immediate';
      await own.stop(how);
      await sleep(DOWN_MS);
      await own.start();
      const tBack = Date.now();
      let first: Answer | undefined;
      while (!first && Date.now() - tBack < 30_000 && alive(server)) {
        await sleep(20);
        first = load.answers.find((a) => a.t >= tBack && a.status < 300);
      }
      if (first) firstSuccess.push(first.t - tBack);
      outage.push(...load.answers.filter((a) => a.t >= tDown && a.t <= (first?.t ?? Date.now())));
      await sleep(300);
      if (!alive(server)) {
        crashes.push(`restart ${c}: server exited (code ${server.child.exitCode}, signal ${server.child.signalCode})\n${crashText(server.output())}`);
        outputs.push(server.output());
        server = await startPlatform(suite, `platform (restart, after crash ${c})`, env);
      } else if (!first)
        neverBack.push(
          `restart ${c}: no 2xx within 30 s of the database's return (answers since: ${summary(
            countBy(
              load.answers.filter((a) => a.t >= tBack),
              (a) => String(a.status),
            ),
          )})`,
        );
      suite.log(
        `restart ${c}/${cycles} (-m ${how}): ${first ? `first 2xx ${first.t - tBack} ms after the database was back` : 'no 2xx after the database was back'}${crashes.length ? `, crashes so far ${crashes.length}` : ''}`,
      );
    }
  } finally {
    await load.stop();
  }
  outputs.push(server.output());

  const bad503 = outage.filter((a) => a.status === 503 && (!a.retryAfter || problemIssue(503, a.contentType, a.bodyExcerpt ?? '') !== null));
  const other5xx = load.answers.filter((a) => a.status >= 500 && a.status !== 503);
  const unhandled = outputs
    .join('\n')
    .split('\n')
    .filter((l) => /unhandled|uncaught/i.test(l));
  suite.check(S, 'database restarts under load', cycles, suite.mode === 'full' ? '≥ 10' : '1 (short)', true);
  suite.check(S, 'server process crashes', crashes.length, '0', crashes.length === 0, crashes.slice(0, 2).join('\n---\n'));
  suite.check(S, '"Unhandled"/"uncaught" lines in server output', unhandled.length, '0', unhandled.length === 0, unhandled.slice(0, 5).join('\n'));
  suite.check(
    S,
    'answers while the database was away',
    summary(countBy(outage, (a) => `${a.status}${a.status === 503 ? (a.retryAfter ? '+Retry-After' : ' no Retry-After') : ''}`)),
    '503 problem+json + Retry-After',
    null,
  );
  suite.check(
    S,
    '503 without Retry-After or not problem+json',
    bad503.length,
    '0',
    bad503.length === 0,
    bad503
      .slice(0, 3)
      .map((a) => `${a.contentType} retry-after=${a.retryAfter} ${a.bodyExcerpt}`)
      .join('\n'),
  );
  suite.check(
    S,
    '5xx other than 503',
    other5xx.length,
    '0',
    other5xx.length === 0,
    other5xx
      .slice(0, 3)
      .map((a) => `${a.status} ${a.contentType} ${a.bodyExcerpt}`)
      .join('\n'),
  );
  suite.check(
    S,
    'socket errors (hang-ups, resets, timeouts)',
    `${fmt(load.errors.length)} ${load.errors.length ? `(${summary(countBy(load.errors, (e) => e.code))})` : ''}`,
    '0',
    load.errors.length === 0,
  );
  const worst = firstSuccess.length ? Math.max(...firstSuccess) : Number.NaN;
  suite.check(
    S,
    'first 2xx after the database is back, p50 / max',
    firstSuccess.length
      ? `${fmt(percentile(firstSuccess, 50))} / ${fmt(worst)} ms (${firstSuccess.length}/${cycles} restarts)`
      : `never (0/${cycles} restarts)`,
    `≤ ${FIRST_SUCCESS_GOAL_MS} ms`,
    firstSuccess.length === cycles && worst <= FIRST_SUCCESS_GOAL_MS,
    neverBack.join('\n') || undefined,
  );
  await server.stop();

  // Another port, the same public URL: the token (its issuer) stays valid on the new server.
  await startWithDatabaseDown(suite, own, { ...env, PORT: String(await freePort()), LIENTHONG_PUBLIC_URL: base }, headers);
}

async function startWithDatabaseDown(suite: Suite, own: OwnPostgres, env: NodeJS.ProcessEnv, headers: Record<string, string>): Promise<void> {
  await own.stop('fast');
  let server: RunningServer | undefined;
  try {
    try {
      server = await startPlatform(suite, 'platform (started with the database down)', env, 20_000, WAITING);
    } catch (err) {
      suite.check(S, '`serve` started with the database down stays up and listens', 'no', 'yes', false, tail((err as Error).message, 2500));
      return;
    }
    suite.check(S, '`serve` started with the database down stays up and listens', 'yes', 'yes', true);
    const r = await request(`${server.url}/readyz`);
    const body = await r.body.text();
    const ct = String(r.headers['content-type'] ?? '');
    const ra = r.headers['retry-after'];
    const ok = r.statusCode === 503 && !!ra && problemIssue(503, ct, body) === null;
    suite.check(
      S,
      '/readyz while the database is down',
      `${r.statusCode} ${ct.split(';')[0]}${ra ? ` Retry-After: ${String(ra)}` : ' (no Retry-After)'}`,
      '503 problem+json + Retry-After',
      ok,
      ok ? undefined : body.slice(0, 500),
    );
    const g = await request(`${server.url}/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`, { headers });
    const gBody = await g.body.text();
    const gOk = g.statusCode === 503 && !!g.headers['retry-after'] && problemIssue(503, String(g.headers['content-type'] ?? ''), gBody) === null;
    suite.check(
      S,
      'gateway read while the database is down',
      `${g.statusCode}${g.headers['retry-after'] ? ' + Retry-After' : ''}`,
      '503 problem+json + Retry-After',
      gOk,
      gOk ? undefined : gBody.slice(0, 500),
    );
    await own.start();
    const tBack = Date.now();
    let readyAfter = Number.NaN;
    while (Date.now() - tBack < 30_000 && alive(server)) {
      const x = await request(`${server.url}/readyz`).catch(() => undefined);
      const st = x?.statusCode;
      await x?.body.dump();
      if (st === 200) {
        readyAfter = Date.now() - tBack;
        break;
      }
      await sleep(50);
    }
    suite.check(
      S,
      '…then /readyz 200 after the database is back',
      Number.isNaN(readyAfter) ? (alive(server) ? 'not within 30 s' : 'process exited') : `${fmt(readyAfter)} ms`,
      `≤ ${FIRST_SUCCESS_GOAL_MS} ms`,
      readyAfter <= FIRST_SUCCESS_GOAL_MS,
      Number.isNaN(readyAfter) ? tail(server.output()) : undefined,
    );
    const after = await request(`${server.url}/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`, { headers }).catch((e: Error) => e);
    const afterStatus = after instanceof Error ? after.message : after.statusCode;
    if (!(after instanceof Error)) await after.body.dump();
    suite.check(S, '…and serves a gateway read', String(afterStatus), '200', afterStatus === 200);
    suite.check(
      S,
      '…process still running',
      alive(server) ? 'yes' : `no (code ${server.child.exitCode})`,
      'yes',
      alive(server),
      alive(server) ? undefined : tail(server.output()),
    );
  } finally {
    await server?.stop();
    if (!(await own.isUp())) await own.start();
  }
}
