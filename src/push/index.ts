import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { Gateway } from '../gateway/index.ts';
import type { ChangeNotifier, Feed } from '../sync/index.ts';
import { type DispatcherOptions, createDispatcher } from './dispatcher.ts';
import { loadWebhookKeys } from './keys.ts';
import { createSubscriptions } from './service.ts';

/** Push subscriptions by webhook (docs/push.md): the consumer's subscriptions, the dispatcher, the signing keys. */
export function createPush(
  db: Database,
  clock: Clock,
  deps: { feed: Feed; gateway: Gateway; keyDir: string; changes: Pick<ChangeNotifier, 'onChange'> },
  opts: DispatcherOptions,
) {
  const keys = loadWebhookKeys(path.join(deps.keyDir, 'webhooks'));
  let wake = () => undefined as void;
  const subscriptions = createSubscriptions(db, clock, { feed: deps.feed, wake: () => wake() });
  const dispatcher = createDispatcher({ store: subscriptions.store, feed: deps.feed, gateway: deps.gateway, keys, clock }, opts);
  wake = dispatcher.wake;
  // A committed write on any instance (or a catch-up after the notifier reconnects) wakes the
  // dispatcher at once; the poll period is only the fallback when a notification is lost.
  const stopListening = deps.changes.onChange('*', () => dispatcher.wake());
  return {
    subscriptions,
    dispatcher,
    keys,
    /** Look for work now. */
    wake: () => dispatcher.wake(),
    close: async () => {
      stopListening();
      await dispatcher.close();
    },
  };
}

export type Push = ReturnType<typeof createPush>;

export { DEFAULT_DISPATCHER, type DispatcherOptions, backoff, isTimeout, retryAfterMs } from './dispatcher.ts';
export { pushRuntime } from './runtime.ts';
