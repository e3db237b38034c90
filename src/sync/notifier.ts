import type { Channels, ChannelHandler } from '../db/database.ts';

/**
 * "Dataset X has changes up to position P", told to every instance of the platform soon after the
 * write commits (R-4.3: data shared in real time; docs/sync.md). Only a wake-up hint: a consumer
 * reads the feed by position, so a lost notification costs latency, never data. After its
 * transport was down, a listener gets a catch-up signal (`position: null`) and reads the feed again.
 * Public: webhook deliveries wake on it too.
 * @public
 */
export interface ChangeEvent {
  dataset: string;
  /** The feed's head as announced; null for a catch-up (notifications may have been missed: look again). */
  position: number | null;
}

/** @public */
export type ChangeListener = (e: ChangeEvent) => void;

/** How notifications travel between instances: the database's channels (LISTEN/NOTIFY), or NATS. */
export interface NotifierTransport {
  publish(payload: string): Promise<void>;
  subscribe(handler: ChannelHandler): Promise<() => void>;
  close(): Promise<void>;
}

const CHANNEL = 'lienthong_changes';

export function channelTransport(channels: Channels): NotifierTransport {
  return {
    publish: (payload) => channels.notify(CHANNEL, payload),
    subscribe: (handler) => channels.listen(CHANNEL, handler),
    close: async () => undefined,
  };
}

/**
 * NATS core publish/subscribe (`NATS_URL`): for deployments where the instances share a NATS
 * cluster rather than, or beside, one database. Core subjects, not JetStream: a hint that is
 * stale a second later is not worth persisting. The client reconnects forever; after each
 * reconnection every listener gets a catch-up signal.
 */
export async function natsTransport(url: string): Promise<NotifierTransport> {
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: 'lienthong' });
  const handlers = new Set<ChannelHandler>();
  const decoder = new TextDecoder();
  const subject = 'lienthong.changes';
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      const payload = decoder.decode(msg.data);
      for (const h of handlers) h.onNotify(payload);
    },
  });
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'reconnect') for (const h of handlers) h.onCatchUp();
  })().catch(() => undefined);
  return {
    async publish(payload) {
      nc.publish(subject, payload);
    },
    async subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    close: () => nc.close(),
  };
}

export interface ChangeNotifier {
  /**
   * After a write of `dataset` committed at positions up to `position`: tells every instance.
   * Never throws and never waits — a failed notification is only a later wake-up. Writes of one
   * turn of the event loop are told once, with their highest position.
   */
  changed(dataset: string, position: number): void;
  /** Calls `listener` on each change of `dataset` ('*': of every dataset) and on catch-up signals; returns the unsubscribe. */
  onChange(dataset: string, listener: ChangeListener): () => void;
  /** Ready to hear: resolves once this instance listens (the first `onChange` starts it too). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const encode = (dataset: string, position: number) => `${dataset} ${position}`;

function decode(payload: string): ChangeEvent | null {
  const [dataset, p] = payload.split(' ');
  const position = Number(p);
  return dataset && Number.isSafeInteger(position) ? { dataset, position } : null;
}

/**
 * The notifier over a transport. Listeners of this instance hear its own writes at once, without
 * waiting for the round trip; the copy that comes back through the transport is dropped when it
 * announces nothing newer. A transport that cannot be reached (open, publish) is retried on the
 * next write; listeners are told to catch up when it comes back.
 */
export function createNotifier(transport: () => Promise<NotifierTransport>): ChangeNotifier {
  const listeners = new Map<string, Set<ChangeListener>>();
  const known = new Map<string, number>();
  const pending = new Map<string, number>();
  let flushing = false;
  let opened: Promise<NotifierTransport> | null = null;
  let listening: Promise<void> | null = null;
  let unsubscribe: (() => void) | null = null;
  let closed = false;

  const open = (): Promise<NotifierTransport> => {
    opened ??= transport().catch((err: unknown) => {
      opened = null;
      throw err;
    });
    return opened;
  };

  function emit(e: ChangeEvent): void {
    if (e.position !== null) {
      if ((known.get(e.dataset) ?? -1) >= e.position) return;
      known.set(e.dataset, e.position);
    }
    for (const key of [e.dataset, '*']) {
      for (const l of [...(listeners.get(key) ?? [])]) {
        try {
          l(e);
        } catch {
          // (one listener's failure is its own)
        }
      }
    }
  }

  function catchUp(): void {
    for (const dataset of new Set([...listeners.keys(), ...known.keys()])) if (dataset !== '*') emit({ dataset, position: null });
    // Listeners of every dataset are told once.
    for (const l of [...(listeners.get('*') ?? [])]) {
      try {
        l({ dataset: '*', position: null });
      } catch {
        // (as above)
      }
    }
  }

  let failedBefore = false;
  function listen(): Promise<void> {
    listening ??= (async () => {
      const t = await open();
      unsubscribe = await t.subscribe({
        onNotify: (payload) => {
          const e = decode(payload);
          if (e) emit(e);
        },
        onCatchUp: catchUp,
      });
      // Listening began late: what was told meanwhile is looked at again.
      if (failedBefore) catchUp();
    })().catch(() => {
      // The transport is not there yet: tried again in a second.
      listening = null;
      failedBefore = true;
      if (!closed) setTimeout(() => void listen(), 1000).unref();
    });
    return listening;
  }

  function flush(): void {
    flushing = false;
    const batch = [...pending];
    pending.clear();
    void open()
      .then((t) => Promise.all(batch.map(([d, p]) => t.publish(encode(d, p)).catch(() => undefined))))
      .catch(() => undefined);
  }

  return {
    changed(dataset, position) {
      if (closed) return;
      emit({ dataset, position });
      pending.set(dataset, Math.max(position, pending.get(dataset) ?? 0));
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    },
    onChange(dataset, listener) {
      const set = listeners.get(dataset) ?? new Set();
      listeners.set(dataset, set);
      set.add(listener);
      void listen();
      return () => void set.delete(listener);
    },
    ready: listen,
    async close() {
      closed = true;
      unsubscribe?.();
      if (opened) await (await opened.catch(() => null))?.close();
    },
  };
}
