import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/core/cache.ts';

/** A clock moved by hand, and a loader that counts its calls and settles when told to. */
function setup(max = 10, ttlMs = 1000) {
  let t = 0;
  const cache = createCache<string, string>({ max, ttlMs, now: () => t });
  const calls: string[] = [];
  const load = async (key: string) => {
    calls.push(key);
    return `${key}#${calls.length}`;
  };
  return { cache, calls, load, advance: (ms: number) => (t += ms) };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('core cache', () => {
  it('answers from memory within its time bound, and loads again after it', async () => {
    const { cache, calls, load, advance } = setup();
    expect(await cache.get('a', load)).toBe('a#1');
    advance(999);
    expect(await cache.get('a', load)).toBe('a#1');
    advance(1);
    expect(await cache.get('a', load)).toBe('a#2');
    expect(calls).toEqual(['a', 'a']);
  });

  it('keeps at most `max` entries, dropping the least recently used', async () => {
    const { cache, calls, load } = setup(2);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('a', load); // a is now the most recently used
    await cache.get('c', load); // b leaves
    expect(cache.size).toBe(2);
    await cache.get('a', load);
    await cache.get('b', load);
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('shares one load in flight between concurrent gets of a key', async () => {
    const cache = createCache<string, number>({ max: 10, ttlMs: 1000, now: () => 0 });
    const d = deferred<number>();
    let calls = 0;
    const load = () => (calls++, d.promise);
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    d.resolve(7);
    expect(await both).toEqual([7, 7]);
    expect(await cache.get('k', load)).toBe(7);
    expect(calls).toBe(1);
  });

  it('does not keep a failed load: the next get tries again', async () => {
    const cache = createCache<string, number>({ max: 10, ttlMs: 1000, now: () => 0 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('database unavailable');
    };
    await expect(Promise.all([cache.get('k', failing), cache.get('k', failing)])).rejects.toThrow('database unavailable');
    expect(calls).toBe(1);
    expect(cache.size).toBe(0);
    expect(await cache.get('k', async () => (calls++, 5))).toBe(5);
    expect(calls).toBe(2);
  });

  it('does not keep a loader that throws before returning a promise', async () => {
    const cache = createCache<string, number>({ max: 10, ttlMs: 1000, now: () => 0 });
    const throwing = (): Promise<number> => {
      throw new Error('bad key');
    };
    await expect(cache.get('k', throwing)).rejects.toThrow('bad key');
    expect(await cache.get('k', async () => 1)).toBe(1);
  });

  it('keeps null values (an absent row is an answer too)', async () => {
    const cache = createCache<string, string | null>({ max: 10, ttlMs: 1000, now: () => 0 });
    let calls = 0;
    const load = async () => (calls++, null);
    expect(await cache.get('k', load)).toBeNull();
    expect(await cache.get('k', load)).toBeNull();
    expect(calls).toBe(1);
  });

  it('invalidate(): a load started before it answers its callers but is not kept', async () => {
    const cache = createCache<string, string>({ max: 10, ttlMs: 1000, now: () => 0 });
    const old = deferred<string>();
    const before = cache.get('k', () => old.promise);
    cache.invalidate();
    // A get after the change does not join the load that may have read the old value.
    const after = cache.get('k', async () => 'new');
    old.resolve('old');
    expect(await before).toBe('old');
    expect(await after).toBe('new');
    expect(await cache.get('k', async () => 'unused')).toBe('new');
  });

  it('invalidate(keys): forgets those keys (and their loads in flight), not the others', async () => {
    const { cache, calls, load } = setup();
    await cache.get('a', load);
    await cache.get('b', load);
    const slow = deferred<string>();
    const inFlight = cache.get('c', () => slow.promise);
    cache.invalidate(['a', 'c']);
    slow.resolve('stale');
    expect(await inFlight).toBe('stale');
    expect(await cache.get('a', load)).toBe('a#3');
    expect(await cache.get('b', load)).toBe('b#2');
    expect(await cache.get('c', load)).toBe('c#4');
    expect(calls).toEqual(['a', 'b', 'a', 'c']);
  });
});
