/**
 * (c) Floods of unauthenticated requests from one client address: the data gateway with a bogus
 * bearer token, and the token endpoint with a real client id and a wrong secret. Wanted: past a
 * per-address bound the answers are 429 problem+json with Retry-After, no 5xx, and the sharing
 * log does not grow with the flood (every gateway refusal is logged today, so a flood of refusals
 * is a flood of log entries). Log growth is counted in the database (`ledger_queue`: every entry,
 * sequenced or not) and cross-checked with the custodians' checkpoints once integration settles.
 */
import pg from 'pg';
import type { Suite } from './lib/context.ts';
import { fmt, sleep } from './lib/context.ts';
import { fire } from './lib/fire.ts';
import { countBy, problemIssue, summary } from './lib/load.ts';
import type { OwnPostgres } from './lib/pg.ts';
import { HOSTED, getJson, login, platformEnv, prepareWorld, startPlatform } from './lib/platform.ts';

const S = 'flood';

export async function floodScenario(suite: Suite, own: OwnPostgres): Promise<void> {
  const n = suite.mode === 'full' ? 5000 : 1000;
  const m = suite.mode === 'full' ? 2000 : 500;
  const dbUrl = await own.createDatabase('faults_flood');
  const env = platformEnv(suite, dbUrl);
  const { clientId } = await prepareWorld(env);
  const server = await startPlatform(suite, 'platform (flood)', env);
  const admin = await login(server.url);
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const logged = async () => {
      const r = await db.query<{ custodian_code: string; n: string }>('SELECT custodian_code, count(*) AS n FROM ledger_queue GROUP BY custodian_code');
      return Object.fromEntries(r.rows.map((x) => [x.custodian_code, Number(x.n)])) as Record<string, number>;
    };
    const total = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
    const checkpoints = async () => {
      const out: Record<string, number> = {};
      for (const log of ['BTCTW', 'VPTW']) {
        out[log] = await getJson<{ tree_size: number }>(`${server.url}/api/v1/ledger/${log}/checkpoint`, { authorization: `Bearer ${admin}` }).then(
          (c) => c.tree_size,
          () => 0,
        );
      }
      return out;
    };
    // Let the start-up settle (a checkpoint is signed at least every 5 s).
    await sleep(5500);
    const before = await logged();
    const cpBefore = await checkpoints();

    // 1. The gateway, with a token that is no token.
    const path = `/data/v1/${HOSTED.dataset}/records/x`;
    const g = await fire(server.url, n, 20, () => ({ method: 'GET', path, headers: { authorization: 'Bearer x', 'lienthong-purpose': HOSTED.purpose } }));
    await sleep(1000);
    const afterGateway = await logged();
    const gStatus = countBy(g.hits, (h) => (h.error ? `ERR ${h.error.split(' ')[0]}` : String(h.status)));
    const g429 = g.hits.filter((h) => h.status === 429);
    const g429ra = g429.filter((h) => h.retryAfter);
    const first429 = g.hits.findIndex((h) => h.status === 429);
    const g5xx = g.hits.filter((h) => h.status >= 500 || h.error);
    const gNotProblem = g.hits.filter((h) => h.status >= 400 && h.status < 500 && problemIssue(h.status, h.contentType, h.body) !== null);
    const gGrowth = total(afterGateway) - total(before);
    suite.check(S, `gateway: ${fmt(n)} requests with "Bearer x"`, `${summary(gStatus)} in ${fmt(g.ms)} ms`, '', null);
    suite.check(
      S,
      'gateway: 429 with Retry-After',
      `${fmt(g429ra.length)} (${fmt((100 * g429ra.length) / n)} %)${first429 >= 0 ? `, first at request ${first429 + 1}` : ''}`,
      '≥ 50 % of the flood',
      g429ra.length >= n / 2,
      g429ra.length >= n / 2 ? undefined : 'no per-address bound on unauthenticated gateway requests: every one is answered (and logged) in full',
    );
    suite.check(
      S,
      'gateway: 5xx or socket errors',
      g5xx.length,
      '0',
      g5xx.length === 0,
      g5xx
        .slice(0, 3)
        .map((h) => `${h.status} ${h.error ?? h.body.slice(0, 300)}`)
        .join('\n'),
    );
    suite.check(
      S,
      'gateway: 4xx not problem+json',
      gNotProblem.length,
      '0',
      gNotProblem.length === 0,
      gNotProblem
        .slice(0, 3)
        .map((h) => `${h.status} ${h.contentType} ${h.body.slice(0, 200)}`)
        .join('\n'),
    );
    suite.check(
      S,
      'gateway: sharing-log entries added by the flood',
      `${fmt(gGrowth)} (${Object.entries(afterGateway)
        .map(([k, v]) => `${k} +${v - (before[k] ?? 0)}`)
        .join(', ')})`,
      `≤ ${fmt(n / 10)} (10 % of requests)`,
      gGrowth <= n / 10,
    );

    // 2. The token endpoint, with a real client id and a wrong secret.
    const t = await fire(server.url, m, 10, () => ({
      method: 'POST',
      path: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'ltcs_wrong-secret-wrong-secret' }).toString(),
    }));
    const tStatus = countBy(t.hits, (h) => (h.error ? `ERR ${h.error.split(' ')[0]}` : String(h.status)));
    const t429 = t.hits.filter((h) => h.status === 429 && h.retryAfter);
    const t5xx = t.hits.filter((h) => h.status >= 500 || h.error);
    suite.check(S, `token endpoint: ${fmt(m)} wrong secrets`, `${summary(tStatus)} in ${fmt(t.ms)} ms`, '', null);
    suite.check(
      S,
      'token endpoint: 429 with Retry-After',
      `${fmt(t429.length)} (${fmt((100 * t429.length) / m)} %)`,
      '≥ 50 % of the flood',
      t429.length >= m / 2,
      t429.length >= m / 2 ? undefined : 'no bound on failed client authentications: every wrong secret is checked and answered 401',
    );
    suite.check(
      S,
      'token endpoint: 5xx or socket errors',
      t5xx.length,
      '0',
      t5xx.length === 0,
      t5xx
        .slice(0, 3)
        .map((h) => `${h.status} ${h.error ?? h.body.slice(0, 300)}`)
        .join('\n'),
    );
    const afterToken = await logged();
    suite.check(S, 'token endpoint: sharing-log entries added', total(afterToken) - total(afterGateway), '', null);

    // Cross-check with the signed checkpoints once the integrator has caught up.
    await sleep(6000);
    const cpAfter = await checkpoints();
    suite.check(
      S,
      'checkpoint growth after settling (BTCTW, VPTW)',
      Object.keys(cpAfter)
        .map((k) => `${k} +${cpAfter[k]! - cpBefore[k]!}`)
        .join(', '),
      '',
      null,
    );
  } finally {
    await db.end();
    await server.stop();
  }
}
