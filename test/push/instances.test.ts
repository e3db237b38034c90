import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, openPlatform, startBackgroundWork } from '../../src/platform.ts';
import { TEST_PG_URL } from '../helpers/platform.ts';
import { member } from '../gateway/world.ts';
import { type Receiver, startReceiver, until } from './receiver.ts';
import { startPushWorld } from './world.ts';

type PushWorld = Awaited<ReturnType<typeof startPushWorld>>;

/** Two more instances of the platform on the same PostgreSQL database: only the PostgreSQL run has several. */
describe.runIf(TEST_PG_URL)('[postgres] push deliveries shared by several instances through leases in the database', () => {
  let w: PushWorld;
  const others: { platform: Platform; stop: () => void; closed: boolean }[] = [];
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    w = await startPushWorld('postgres');
    // The first instance serves the API and the writes; two others deliver (the first one's dispatcher is stopped).
    await w.env.platform.push.dispatcher.close();
    for (let i = 0; i < 2; i++) {
      const platform = await openPlatform(w.env.platform.config, { clock: w.env.clock });
      others.push({ platform, stop: startBackgroundWork(platform, () => undefined), closed: false });
    }
  });
  afterAll(async () => {
    for (const o of others) {
      o.stop();
      if (!o.closed) await o.platform.close();
    }
    w.stopWork();
    await w.env.close();
    for (const r of receivers) await r.close();
  });

  it('each delivery is made by exactly one instance (FOR UPDATE SKIP LOCKED leases)', async () => {
    const rs = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    receivers.push(...rs);
    const subs = [];
    for (const r of rs) subs.push(await w.subscribe('VPCP-QLCB', { url: r.url }));
    for (let i = 0; i < 12; i++) await w.write(`multi-${i % 5}`, member(1 + (i % 9), { full_name: `Lần ${i}` }));
    // A loaded machine may fail a delivery (a timeout): its retry waits on the platform's clock, moved
    // here at the pace of real time so that leases (15 s of it) do not expire under a delivery.
    let moved = Date.now();
    for (const r of rs)
      await until(
        () => {
          if (Date.now() - moved > 2_000) {
            w.env.clock.advance(Date.now() - moved);
            moved = Date.now();
          }
          return new Set(r.events().map((e) => e.id)).size >= 12;
        },
        'every change at every receiver',
        120_000,
      );
    await new Promise((res) => setTimeout(res, 300));
    for (const [i, r] of rs.entries()) {
      const ids = r.events().map((e) => String(e.id));
      expect(new Set(ids).size).toBe(12);
      // In feed order.
      const positions = [...new Set(ids)].map((id) => Number(id.split(':')[1]));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      // Exactly once unless a delivery failed (then at least once: the retry repeats the id, never two instances at once).
      const failed = (await w.env.platform.db.query<{ f: Date | null }>('SELECT last_failure_at AS f FROM push_subscriptions WHERE id = $1', [subs[i]!.id]))
        .rows[0]!.f;
      if (failed === null) expect(r.deliveries.length).toBe(12);
    }
    for (const s of subs) await w.unsubscribe('VPCP-QLCB', s.id);
  }, 180_000);

  it('an instance that stops in the middle of a delivery loses nothing: another takes it over', async () => {
    const r = await startReceiver((n) => (n === 0 ? 'hold' : { status: 204 }));
    receivers.push(r);
    const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
    await w.write('kill-1', member(2));
    await until(() => r.deliveries.length === 1, 'the first delivery held by the receiver');
    const holder = (await w.env.platform.db.query<{ lease_owner: string }>('SELECT lease_owner FROM push_subscriptions WHERE id = $1', [sub.id])).rows[0]!
      .lease_owner;
    const dying = others.find((o) => o.platform.push.dispatcher.owner === holder)!;
    expect(dying).toBeTruthy();
    dying.stop();
    await dying.platform.close();
    dying.closed = true;
    await until(() => r.events().some((e) => e.subject === 'kill-1'), 'the other instance delivers it');
    await w.unsubscribe('VPCP-QLCB', sub.id);
  });

  it('a lease left by an instance that died is taken over once it expires', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
    const until60 = new Date(w.env.clock.now().getTime() + 60_000);
    await w.env.platform.db.query(`UPDATE push_subscriptions SET lease_owner = 'dead-instance', lease_expires_at = $2 WHERE id = $1`, [sub.id, until60]);
    await w.write('lease-1', member(3));
    await new Promise((res) => setTimeout(res, 500));
    expect(r.deliveries.length).toBe(0);
    w.env.clock.advance(60_001);
    await until(() => r.events().some((e) => e.subject === 'lease-1'), 'taken over after expiry');
    await w.unsubscribe('VPCP-QLCB', sub.id);
  });
});
