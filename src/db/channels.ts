import pg from 'pg';
import type { ChannelHandler, Channels } from './database.ts';

/** Channel names are identifiers: quoted for LISTEN, checked so that nothing else reaches the SQL. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name: ${channel}`);
}

/** Delivers to each handler on its own: one that throws does not keep the others from hearing. */
function deliver(handlers: Iterable<ChannelHandler> | undefined, fn: (h: ChannelHandler) => void): void {
  for (const h of [...(handlers ?? [])]) {
    try {
      fn(h);
    } catch {
      // (a listener's own failure is its own: the hint is still given to the rest)
    }
  }
}

/**
 * One process holds a PGlite database (its data directory is locked), so every listener is in
 * this process: an event to each, after the current turn of the event loop (as a notification
 * arrives after the notifying transaction, never inside it).
 */
export function localChannels(): Channels {
  const listeners = new Map<string, Set<ChannelHandler>>();
  return {
    async notify(channel, payload) {
      checkChannel(channel);
      setImmediate(() => deliver(listeners.get(channel), (h) => h.onNotify(payload)));
    },
    async listen(channel, handler) {
      checkChannel(channel);
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(handler);
      return () => void set.delete(handler);
    },
  };
}

/** Waits between attempts to get the listening connection back: doubled after each failure, up to the last. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * LISTEN/NOTIFY on the PostgreSQL server. Notifications go out on the pool (`pg_notify`);
 * listening holds one dedicated connection (a pooled one would be handed to others and drop its
 * LISTENs). When that connection fails it is opened again, the channels are listened to again, and
 * every handler gets `onCatchUp`: what was notified while it was down is lost, and a listener that
 * looks again at what it watches misses nothing.
 */
export function postgresChannels(url: string, pool: pg.Pool): Channels & { close(): Promise<void> } {
  const listeners = new Map<string, Set<ChannelHandler>>();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const quote = (channel: string) => `"${channel}"`;

  function lost(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    c.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (closed || retry || connecting) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)]!;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  }

  function connect(): Promise<void> {
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'lienthong-listen' });
      c.on('notification', (m) => deliver(listeners.get(m.channel), (h) => h.onNotify(m.payload ?? '')));
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      try {
        await c.connect();
        for (const channel of listeners.keys()) await c.query(`LISTEN ${quote(channel)}`);
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        failures = 0;
      } catch {
        failures += 1;
        c.removeAllListeners('end');
        c.end().catch(() => undefined);
        return;
      } finally {
        connecting = null;
      }
      // Anything notified while no connection listened is lost: every listener looks again.
      for (const set of listeners.values()) deliver(set, (h) => h.onCatchUp());
    })();
    const attempt = connecting;
    void attempt.then(() => {
      if (!client) schedule();
    });
    return attempt;
  }

  return {
    async notify(channel, payload) {
      checkChannel(channel);
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async listen(channel, handler) {
      checkChannel(channel);
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        // A new channel on a live connection; otherwise the connection being made listens to it.
        if (client) await client.query(`LISTEN ${quote(channel)}`).catch(() => undefined);
      }
      set.add(handler);
      if (!client) await connect();
      return () => void set.delete(handler);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
