import crypto from 'node:crypto';

/** What an in-memory cache is about: sessions, connection accounts' status, agreements, service stops. */
export type Topic = 'sessions' | 'accounts' | 'agreements' | 'stops';

/**
 * Changes that make what other instances hold in memory wrong. Caches on the hot path (a session,
 * an account's status, the agreements, the stops in force) are believed for at most a second; a
 * change made here is forgotten here at once and announced to every instance on the same
 * database (LISTEN/NOTIFY), so a revocation takes effect everywhere in milliseconds rather than
 * after the cache's second. The announcement is a hint: if it is lost, the second still bounds
 * how long anything stale is believed.
 */
export interface Invalidations {
  /** Something `topic` names changed here (committed): every instance forgets it (`keys`, or all of it). */
  changed(topic: Topic, keys?: readonly string[]): void;
  /** What to forget when `topic` changes, here or on another instance (`keys` undefined: everything). */
  on(topic: Topic, forget: (keys?: readonly string[]) => void): void;
}

/** The database's notifications between instances (db/ Channels), as this needs them. */
interface Announcements {
  notify(channel: string, payload: string): Promise<void>;
  listen(channel: string, handler: { onNotify(payload: string): void; onCatchUp(): void }): Promise<() => void>;
}

const CHANNEL = 'lienthong_invalidations';
/** Keys beyond this make a payload near NOTIFY's limit: the announcement says "everything" instead. */
const MAX_KEYS = 100;

interface Message {
  /** The instance that made the change: it has forgotten already. */
  o: string;
  t: Topic;
  k?: readonly string[];
}

/** Invalidations over `channels`; `start` listens (a failure to listen leaves the second's bound). */
export function createInvalidations(channels: Announcements, onError: (err: unknown) => void = () => undefined) {
  const origin = crypto.randomUUID();
  const handlers = new Map<Topic, ((keys?: readonly string[]) => void)[]>();
  let stop: (() => void) | undefined;

  const forget = (topic: Topic, keys?: readonly string[]) => {
    for (const h of handlers.get(topic) ?? []) h(keys);
  };
  const forgetAll = () => {
    for (const topic of handlers.keys()) forget(topic);
  };

  function receive(payload: string): void {
    let m: Message;
    try {
      m = JSON.parse(payload) as Message;
    } catch {
      return; // (not ours: nothing to forget)
    }
    if (m.o !== origin && handlers.has(m.t)) forget(m.t, Array.isArray(m.k) ? m.k : undefined);
  }

  return {
    changed(topic, keys) {
      forget(topic, keys);
      const message: Message = { o: origin, t: topic, ...(keys && keys.length <= MAX_KEYS && { k: keys }) };
      channels.notify(CHANNEL, JSON.stringify(message)).catch(onError);
    },
    on(topic, h) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), h]);
    },
    async start(): Promise<void> {
      // (missed announcements while the listening connection was down: forget everything once)
      stop = await channels.listen(CHANNEL, { onNotify: receive, onCatchUp: forgetAll });
    },
    close(): void {
      stop?.();
    },
  } satisfies Invalidations & { start(): Promise<void>; close(): void };
}
