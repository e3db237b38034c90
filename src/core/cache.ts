/**
 * A small read-through cache for values read on every request and changed rarely (a dataset, an
 * account's status, the stops in force): bounded in size and in age, so memory stays flat and a
 * change made on another instance is seen within `ttlMs`.
 *
 * - Concurrent gets of one key share one load: a burst of requests costs one query.
 * - A failed load is not kept: the next get tries again.
 * - `invalidate` (a change made on this instance) is seen at once: a load that started before it
 *   still answers its own callers but is not kept, so a value read before the change never
 *   outlives it. Each key's load carries the generation it started in; only the current one is stored.
 * - The oldest entry leaves first when `max` is reached (a Map keeps insertion order; a hit moves
 *   its key to the end, so this is least recently used).
 */
export interface CacheOptions {
  /** Entries kept at most. */
  max: number;
  /** How long a loaded value is believed, ms. */
  ttlMs: number;
  /** Monotonic milliseconds (tests move it by hand). */
  now?: () => number;
}

export interface Cache<K, V> {
  get(key: K, load: (key: K) => Promise<V>): Promise<V>;
  /** Forgets the given keys, or every key: loads already under way are not kept. */
  invalidate(keys?: Iterable<K>): void;
  readonly size: number;
}

interface Stored<V> {
  value: V;
  until: number;
}

export function createCache<K, V>(options: CacheOptions): Cache<K, V> {
  const { max, ttlMs } = options;
  const now = options.now ?? (() => performance.now());
  const stored = new Map<K, Stored<V>>();
  const loading = new Map<K, { promise: Promise<V>; generation: number }>();
  let generation = 0;

  function keep(key: K, value: V): void {
    stored.delete(key);
    if (stored.size >= max) stored.delete(stored.keys().next().value as K);
    stored.set(key, { value, until: now() + ttlMs });
  }

  function load(key: K, loader: (key: K) => Promise<V>): Promise<V> {
    const mine = { generation, promise: Promise.resolve() as Promise<unknown> as Promise<V> };
    // Registered before the loader runs: a loader that fails at once still clears its own entry.
    loading.set(key, mine);
    mine.promise = (async () => {
      try {
        const value = await loader(key);
        if (loading.get(key) === mine && mine.generation === generation) keep(key, value);
        return value;
      } finally {
        if (loading.get(key) === mine) loading.delete(key);
      }
    })();
    return mine.promise;
  }

  return {
    get(key, loader) {
      const hit = stored.get(key);
      if (hit && hit.until > now()) {
        // Most recently used goes last: the bound evicts from the front.
        stored.delete(key);
        stored.set(key, hit);
        return Promise.resolve(hit.value);
      }
      if (hit) stored.delete(key);
      return loading.get(key)?.promise ?? load(key, loader);
    },
    invalidate(keys) {
      if (keys === undefined) {
        generation++;
        stored.clear();
        loading.clear();
        return;
      }
      for (const key of keys) {
        stored.delete(key);
        loading.delete(key);
      }
    },
    get size() {
      return stored.size;
    },
  };
}
