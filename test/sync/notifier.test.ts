import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { LienThongClient } from 'lienthong/client';
import { openDatabase } from '../../src/db/open.ts';
import { buildServer, listenAll } from '../../src/http/server.ts';
import { openPlatform } from '../../src/platform.ts';
import { type ChangeEvent, createNotifier, natsTransport } from '../../src/sync/index.ts';
import { channelTransport } from '../../src/sync/notifier.ts';
import { freePort } from '../accounts/fixtures.ts';
import { TEST_PG_URL, freshDatabase } from '../helpers/platform.ts';
import { member, startWorld } from '../gateway/world.ts';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Whether a NATS server answers (the NATS cases are skipped without one). */
const natsUp = await new Promise<boolean>((resolve) => {
  const u = new URL(NATS_URL.replace(/^nats:/, 'http:'));
  const s = net.connect({ host: u.hostname, port: Number(u.port || 4222) });
  s.setTimeout(1000);
  s.once('connect', () => (s.destroy(), resolve(true)));
  s.once('error', () => resolve(false));
  s.once('timeout', () => (s.destroy(), resolve(false)));
});

/** Resolves with the first event `pick` accepts. */
function waitFor<T>(events: T[], pick: (e: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const look = () => {
      const e = events.find(pick);
      if (e) return resolve(e);
      if (Date.now() > until) return reject(new Error(`no such change event; got ${JSON.stringify(events)}`));
      setTimeout(look, 20);
    };
    look();
  });
}

describe('[pglite] change notifier (R-4.3)', () => {
  it('R-4.3: a write is told to the listeners of its dataset and of every dataset; a listener that throws does not silence the others', async () => {
    const { db } = await freshDatabase('pglite');
    const n = createNotifier(async () => channelTransport(db.channels));
    const mine: ChangeEvent[] = [];
    const all: ChangeEvent[] = [];
    n.onChange('ds-a', () => {
      throw new Error('a listener of its own failing');
    });
    n.onChange('ds-a', (e) => mine.push(e));
    const off = n.onChange('*', (e) => all.push(e));
    await n.ready();
    n.changed('ds-a', 3);
    n.changed('ds-a', 2); // older than what is known: nothing new
    n.changed('ds-b', 1);
    await waitFor(all, (e) => e.dataset === 'ds-b');
    expect(mine).toEqual([{ dataset: 'ds-a', position: 3 }]);
    off();
    n.changed('ds-b', 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(all.filter((e) => e.dataset === 'ds-b')).toHaveLength(1);
    await n.close();
    await db.close();
  });
});

describe.skipIf(!natsUp)('[nats] change notifier over NATS', () => {
  it('R-4.3: with NATS_URL, one instance hears the changes another publishes', async () => {
    const a = createNotifier(() => natsTransport(NATS_URL));
    const b = createNotifier(() => natsTransport(NATS_URL));
    const heard: ChangeEvent[] = [];
    const dataset = `nats-${process.pid}-${Date.now()}`;
    b.onChange(dataset, (e) => heard.push(e));
    await b.ready();
    a.changed(dataset, 42);
    expect(await waitFor(heard, (e) => e.position === 42)).toEqual({ dataset, position: 42 });
    await a.close();
    await b.close();
  });
});

describe.skipIf(!TEST_PG_URL)('[postgres] LISTEN/NOTIFY and several instances', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('R-4.3: a notification reaches the other connections; a lost listening connection comes back and tells its listeners to catch up', async () => {
    const fresh = await freshDatabase('postgres');
    cleanups.push(
      () => fresh.drop(),
      () => fresh.db.close(),
    );
    const other = await openDatabase({ databaseUrl: fresh.url });
    cleanups.push(() => other.close());
    const got: string[] = [];
    let catchUps = 0;
    await fresh.db.channels.listen('lienthong_test', { onNotify: (p) => got.push(p), onCatchUp: () => (catchUps += 1) });
    await other.channels.notify('lienthong_test', 'one');
    await waitFor(got, (p) => p === 'one');
    const before = catchUps;
    // The listening connection is killed, as a fail-over or a network cut would.
    await other.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lienthong-listen' AND datname = current_database()");
    const until = Date.now() + 20_000;
    while (catchUps === before && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(catchUps).toBeGreaterThan(before);
    await other.channels.notify('lienthong_test', 'two');
    await waitFor(got, (p) => p === 'two');
  });

  for (const via of ['postgres', ...(natsUp ? ['nats'] : [])] as const) {
    it(`R-4.3: two instances on one database — a stream on instance B sees a write made through instance A (${via === 'nats' ? 'NATS' : 'LISTEN/NOTIFY'})`, async () => {
      const w = await startWorld('postgres', via === 'nats' ? { NATS_URL } : {});
      cleanups.push(() => w.env.close());
      const config = w.env.platform.config;
      const b = await openPlatform(config, { clock: w.env.clock, db: await openDatabase({ databaseUrl: config.databaseUrl }) });
      const app = await buildServer(b, { logger: false });
      const port = await freePort();
      await listenAll(app, [{ zone: 'internet', host: '127.0.0.1', port }]);
      cleanups.push(
        () => b.close(),
        () => app.close(),
      );
      const heard: ChangeEvent[] = [];
      b.sync.notifier.onChange('can-bo-dang-vien', (e) => heard.push(e));
      await b.sync.notifier.ready();

      const account = w.accounts['VPCP-QLCB'];
      const onB = new LienThongClient({
        baseUrl: `http://127.0.0.1:${port}`,
        clientId: account.client_id,
        clientSecret: account.client_secret,
        purpose: 'to-chuc-can-bo',
      });
      const abort = new AbortController();
      const stream = onB.stream('can-bo-dang-vien', { signal: abort.signal });
      // Through instance A (the world's own server).
      const written = await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', `multi-${via}`, member(4));
      expect(written.status).toBe(200);
      const first = await stream.next();
      abort.abort();
      expect(first.value).toMatchObject({ key: `multi-${via}`, op: 'upsert' });
      // B's notifier heard A's write (not only its own poll of the feed).
      expect((await waitFor(heard, (e) => e.position !== null && e.position >= 1)).dataset).toBe('can-bo-dang-vien');
    });
  }
});
