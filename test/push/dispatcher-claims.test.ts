import { describe, expect, it } from 'vitest';
import type { Feed } from '../../src/sync/index.ts';
import { DEFAULT_DISPATCHER, createDispatcher } from '../../src/push/dispatcher.ts';
import type { SubscriptionRow, SubscriptionStore } from '../../src/push/store.ts';

/**
 * The dispatcher against a store that hands out what the test says, so the moment a claim races
 * a delivery's end can be made to happen every time (against PostgreSQL it happens under load).
 */
const row = (position: number, lease?: string): SubscriptionRow =>
  ({
    id: 'sub-a',
    dataset_code: 'd',
    position,
    batch_max: 10,
    state: 'active',
    version: 1,
    consecutive_failures: 0,
    lease_owner: lease ?? null,
    lease_expires_at: lease ? new Date(Date.now() + 60_000) : null,
  }) as SubscriptionRow;

/** A dispatcher whose first delivery waits until the test lets it end; `now` is the row `get` reads once it has. */
function harness(claims: SubscriptionRow[][], now: (owner: string) => SubscriptionRow) {
  const completed: number[] = [];
  const pushed: number[] = [];
  let letFirstEnd = () => undefined as void;
  const firstEnds = new Promise<void>((resolve) => (letFirstEnd = resolve));
  let owner = '';
  const store = {
    activeDatasets: async () => ['d'],
    claim: async () => claims.shift() ?? [],
    get: async () => now(owner),
    complete: async (_s: SubscriptionRow, _owner: string, o: { position?: number }) => (completed.push(o.position ?? -1), true),
    releaseAll: async () => undefined,
  } as unknown as SubscriptionStore;
  const feed = {
    head: async () => 10,
    changes: async (_d: string, after: number) => [{ position: after + 1, key: `k${after + 1}`, version: 1, deleted: false, data: {}, written_at: new Date() }],
  } as unknown as Feed;
  const gateway = {
    // Every batch is filtered out (null): nothing to send, the delivery ends as "skipped".
    pushBatch: async (_s: unknown, changes: readonly { position: number }[]) => {
      pushed.push(changes[0]!.position);
      if (pushed.length === 1) await firstEnds;
      return null;
    },
  };
  const d = createDispatcher(
    { store, feed, gateway, keys: { sign: async () => '', publicKeys: () => [] }, clock: { now: () => new Date() } },
    { ...DEFAULT_DISPATCHER, publicUrl: 'http://platform.test', pollMs: 60_000 },
  );
  owner = d.owner;
  return { d, completed, pushed, letFirstEnd };
}

describe('push dispatcher: claims and deliveries', () => {
  it('a subscription claimed again while its last delivery is ending is delivered right after it, not left leased by nobody', async () => {
    // The first delivery's end was recorded (lease let go) before the second claim: the row is ours, at 5.
    const { d, completed, pushed, letFirstEnd } = harness([[row(0)], [row(5)]], (owner) => row(5, owner));
    await d.tick(); // claims it at 0: its delivery starts and waits
    await d.tick(); // the store hands it again (at 5) while that delivery is still in flight
    letFirstEnd();
    for (let i = 0; i < 100 && pushed.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await d.close();
    expect(pushed).toEqual([1, 6]);
    expect(completed).toEqual([1, 6]);
  });

  it('a claim older than the end of the delivery in flight (its lease ran out mid-way) does not send the same changes again', async () => {
    // Claimed again at 0 while the delivery of 1 was still in flight; that delivery's end, recorded
    // after the claim, moved the row to 1 and let the lease go: nothing is sent from the old copy.
    const { d, completed, pushed, letFirstEnd } = harness([[row(0)], [row(0)]], () => row(1));
    await d.tick();
    await d.tick();
    letFirstEnd();
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
    await d.close();
    expect(pushed).toEqual([1]);
    expect(completed).toEqual([1]);
  });
});
