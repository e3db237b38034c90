import { describe, expect, it } from 'vitest';
import type { Feed } from '../../src/sync/index.ts';
import { DEFAULT_DISPATCHER, createDispatcher } from '../../src/push/dispatcher.ts';
import type { SubscriptionRow, SubscriptionStore } from '../../src/push/store.ts';

/**
 * The dispatcher against a store that hands out what the test says, so the moment a claim races
 * a delivery's end can be made to happen every time (against PostgreSQL it happens under load).
 */
const row = (position: number): SubscriptionRow =>
  ({ id: 'sub-a', dataset_code: 'd', position, batch_max: 10, state: 'active', version: 1, consecutive_failures: 0 }) as SubscriptionRow;

describe('push dispatcher: claims and deliveries', () => {
  it('a subscription claimed again while its last delivery is ending is delivered right after it, not left leased by nobody', async () => {
    const claims: SubscriptionRow[][] = [[row(0)], [row(5)]];
    const completed: number[] = [];
    const pushed: number[] = [];
    let letFirstEnd = () => undefined as void;
    const firstEnds = new Promise<void>((resolve) => (letFirstEnd = resolve));
    const store = {
      activeDatasets: async () => ['d'],
      claim: async () => claims.shift() ?? [],
      complete: async (_s: SubscriptionRow, _owner: string, o: { position?: number }) => (completed.push(o.position ?? -1), true),
      releaseAll: async () => undefined,
    } as unknown as SubscriptionStore;
    const feed = {
      head: async () => 10,
      changes: async (_d: string, after: number) => [
        { position: after + 1, key: `k${after + 1}`, version: 1, deleted: false, data: {}, written_at: new Date() },
      ],
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
      { store, feed, gateway, keys: { sign: () => '', publicKeys: () => [] }, clock: { now: () => new Date() } },
      { ...DEFAULT_DISPATCHER, publicUrl: 'http://platform.test', pollMs: 60_000 },
    );
    await d.tick(); // claims it at 0: its delivery starts and waits
    await d.tick(); // the store hands it again (at 5) while that delivery is still in flight
    letFirstEnd();
    for (let i = 0; i < 100 && pushed.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await d.close();
    expect(pushed).toEqual([1, 6]);
    expect(completed).toEqual([1, 6]);
  });
});
