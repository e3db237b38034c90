/**
 * Several instances are one platform: two instances of the platform on one
 * PostgreSQL database, each with its own HTTP server, share the rate limits through Redis; a
 * session signed out, an account revoked or a consumer suspended on one is refused by the other
 * at once; and only one of them sequences a log at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LienThongError } from 'lienthong/client';
import { buildServer, listenAll, type App } from '../../src/http/server.ts';
import { type Platform, openPlatform } from '../../src/platform.ts';
import { freePort } from '../accounts/fixtures.ts';
import { sampleEntry } from '../helpers/ledger.ts';
import { TEST_PG_URL } from '../helpers/platform.ts';
import { type World, refused, startWorld } from '../gateway/world.ts';

/** Polls `check` until it is true; the milliseconds it took, or a failure past `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

/** The status a read ends with: 200 when served, the refusal's status otherwise. */
const statusOf = (read: Promise<unknown>) =>
  read.then(
    () => 200,
    (err: unknown) => {
      if (err instanceof LienThongError) return err.status;
      throw err;
    },
  );

// Requests per second per account (burst: twice that): low, so the test can exceed it.
const RATE = 2;

describe.runIf(TEST_PG_URL)('[postgres] two instances on one database are one platform', () => {
  let w: World;
  let second: Platform;
  let secondApp: App;
  let secondUrl: string;
  /** A client of `system` through the second instance. */
  const onSecond = (system: Parameters<World['client']>[0], purpose: string) => w.client(system, { baseUrl: secondUrl, purpose });

  beforeAll(async () => {
    w = await startWorld('postgres', { REDIS_URL: 'redis://127.0.0.1:6379', LIENTHONG_RATE_LIMIT_PER_SECOND: String(RATE) });
    second = await openPlatform(w.env.platform.config, { clock: w.env.clock });
    secondApp = await buildServer(second, { logger: false });
    const bound = await listenAll(secondApp, [{ zone: 'internet', host: '127.0.0.1', port: await freePort() }]);
    secondUrl = bound[0]!.url;
  }, 120_000);
  afterAll(async () => {
    await secondApp?.close();
    await second?.close();
    await w?.env.close();
  });

  it('rate limits are shared through Redis: an account gets the rate once across both instances, not once per instance', async () => {
    const first = w.client('VPCP-TK', { purpose: 'bao-cao-thong-ke' });
    const other = onSecond('VPCP-TK', 'bao-cao-thong-ke');
    await Promise.all([first.accessToken(), other.accessToken()]);
    // Eight reads at once, half on each instance (token requests are not reads: the bucket is full).
    const start = performance.now();
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => statusOf((i % 2 ? other : first).listRecords('can-bo-dang-vien', { limit: 1 }))));
    const seconds = (performance.now() - start) / 1000;
    const served = statuses.filter((s) => s === 200).length;
    expect(
      statuses.every((s) => s === 200 || s === 429),
      String(statuses),
    ).toBe(true);
    // One shared bucket serves at most burst + rate × elapsed; a bucket per instance would serve twice the burst.
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(2 * RATE + Math.ceil(seconds * RATE));
    expect(served).toBeLessThan(2 * (2 * RATE));
  });

  it('a session signed out on one instance is refused by the other at once (the platform clock stands still: only the announcement can do it)', async () => {
    const admin = await w.env.adminAuth();
    const me = () => fetch(`${secondUrl}/api/v1/me`, { headers: { authorization: admin } }).then((r) => r.status);
    expect(await me()).toBe(200); // believed by the second instance from now on, until told otherwise
    const out = await w.env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: admin } });
    expect(out.statusCode, out.body).toBe(204);
    expect(await within(1000, async () => (await me()) === 401)).toBeLessThan(1000);
  });

  it('R-14.1: an account revoked on one instance: its token is refused by the other within a second', async () => {
    const reader = onSecond('VPCP-QLCB', 'to-chuc-can-bo');
    expect(await statusOf(reader.listRecords('can-bo-dang-vien', { limit: 1 }))).toBe(200);
    const { client_id } = w.accounts['VPCP-QLCB'];
    const revoked = await w.call('POST', `/api/v1/accounts/${client_id}/revoke`, w.auth.consumer, { reason: 'Thu hồi để kiểm tra' });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const ms = await within(1000, async () => (await statusOf(reader.listRecords('can-bo-dang-vien', { limit: 1 }))) === 401);
    expect(ms).toBeLessThan(1000);
  });

  it('R-15.2: a consumer suspended on one instance is refused by the other at once', async () => {
    const agreements = (await w.call('GET', '/api/v1/agreements?dataset=can-bo-dang-vien&limit=50', w.auth.custodian)).json().items as {
      id: string;
      system_code: string;
    }[];
    const tk = agreements.find((a) => a.system_code === 'VPCP-TK')!;
    const statistician = onSecond('VPCP-TK', 'bao-cao-thong-ke');
    // (its bucket from the first test is full again after a second)
    await new Promise((r) => setTimeout(r, (2 * 1000) / RATE));
    expect(await statusOf(statistician.listRecords('can-bo-dang-vien', { limit: 1 }))).toBe(200);
    const res = await w.call('POST', '/api/v1/consumer-suspensions', w.auth.custodian, {
      agreement_id: tk.id,
      ground: 'purpose_violation',
      violation: 'Dùng dữ liệu ngoài mục đích thống kê',
      handling: 'Tạm ngừng kết nối',
      requirements: 'Giải trình, cam kết sử dụng đúng mục đích',
      found_at: w.env.clock.now().toISOString(),
    });
    expect(res.statusCode, res.body).toBe(201);
    await within(1000, async () => (await statusOf(statistician.listRecords('can-bo-dang-vien', { limit: 1 }))) === 403);
    const err = await refused(statistician.listRecords('can-bo-dang-vien', { limit: 1 }));
    expect([err.status, err.problem.rule]).toEqual([403, 'R-15.2']);
  });

  it('R-17.1: one integrator per log: both instances sequence at once, every entry exactly once, and the log verifies', async () => {
    // (a log no test above reads: refusals of unidentified callers are summarised into theirs every 10 s)
    const log = 'BNCTW';
    const instances = [w.env.platform, second];
    // (the reads of the tests above are queued in this log too: sequenced first, not counted)
    while ((await second.ledger.integrate(log)) > 0);
    const [before] = await w.env.platform.ledger.verify(log);
    let sequenced = 0;
    let writing = true;
    const integrators = instances.map(async (p) => {
      // (read `sequenced` after the await: `sequenced += await …` would add to the value it had
      // before the call, losing what the other instance counted meanwhile)
      while (writing) {
        const n = await p.ledger.integrate(log);
        sequenced += n;
      }
    });
    // Appended through both instances' group commits while both integrate.
    await Promise.all(Array.from({ length: 40 }, (_, i) => instances[i % 2]!.ledger.appendDurable(log, sampleEntry(i))));
    writing = false;
    await Promise.all(integrators);
    for (let n = await second.ledger.integrate(log); n > 0; n = await second.ledger.integrate(log)) sequenced += n;
    const [after] = await second.ledger.verify(log);
    expect(after!.ok, JSON.stringify(after!.divergence)).toBe(true);
    expect(after!.entries - (before?.entries ?? 0)).toBe(40);
    expect(sequenced).toBe(40);
  });
});
