/**
 * The shared token buckets on the Redis server this machine runs (127.0.0.1:6379), and what the
 * limiters do when Redis is away: each instance keeps its own buckets, never an error.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimiters } from '../../src/core/rate-limit.ts';
import { redisBuckets } from '../../src/db/redis.ts';

describe('rate limits kept in Redis (db/redis.ts)', () => {
  const buckets = redisBuckets('redis://127.0.0.1:6379', () => undefined);
  beforeAll(async () => expect(await buckets.ready(10_000)).toBe(true));
  afterAll(() => buckets.close());
  // A key of its own per run: buckets from an earlier run may still be there.
  const key = () => `test:${crypto.randomUUID()}`;

  it('two limiters on the same buckets (two instances) share one burst, then refuse with the seconds to wait', async () => {
    const [a, b] = [rateLimiters(buckets)('gateway', 1, 3), rateLimiters(buckets)('gateway', 1, 3)];
    const k = key();
    const waits = [await a.take(k), await b.take(k), await a.take(k), await b.take(k)];
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThanOrEqual(1);
  });

  it('peek takes nothing; buckets of other names or keys are their own', async () => {
    const limit = rateLimiters(buckets)('oauth-failures', 1, 1);
    const k = key();
    expect(await limit.peek(k)).toBe(0);
    expect(await limit.peek(k)).toBe(0);
    expect(await limit.take(k)).toBe(0);
    expect(await limit.peek(k)).toBeGreaterThanOrEqual(1);
    expect(await limit.take(key())).toBe(0);
    expect(await rateLimiters(buckets)('gateway', 1, 1).take(k)).toBe(0);
  });

  it('with Redis away, each limiter falls back on its own buckets: the limit still holds and nothing throws', async () => {
    const away = redisBuckets('redis://127.0.0.1:1', () => undefined);
    expect(await away.ready(200)).toBe(false);
    const failures: unknown[] = [];
    const limit = rateLimiters(away, (err) => failures.push(err))('gateway', 1, 2);
    const k = key();
    expect([await limit.take(k), await limit.take(k)]).toEqual([0, 0]);
    expect(await limit.take(k)).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeGreaterThan(0);
    await away.close();
  });
});
