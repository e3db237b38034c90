import { Redis } from 'ioredis';
import type { SharedBuckets } from '../core/rate-limit.ts';

/**
 * The token bucket of core/rate-limit.ts, kept in Redis and updated atomically by one script, so
 * that a limit means the same with one instance or several. Hand-written (a dozen lines of Lua)
 * rather than rate-limiter-flexible, whose counters are fixed windows: a burst at a window's edge
 * would get twice the rate, and the limit would mean something else with Redis than without.
 * Redis's own clock (TIME) is the one clock every instance shares.
 */
const BUCKET = `
local rate, burst, cost, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
if tokens >= 1 then
  if cost > 0 then
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - cost), 'at', tostring(now))
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
  return 0
end
return math.max(1, math.ceil((1 - tokens) / rate))
`;

/** A command waits this long for Redis before the caller's limiter falls back on its own buckets. */
const COMMAND_TIMEOUT_MS = 250;

type BucketRedis = Redis & { lienthongBucket(key: string, rate: number, burst: number, cost: number, ttl: number): Promise<number> };

/** Shared token buckets on the Redis server at `url` (REDIS_URL). */
export function redisBuckets(
  url: string,
  onError: (err: unknown) => void,
): SharedBuckets & { ready(waitMs: number): Promise<boolean>; close(): Promise<void> } {
  const redis = new Redis(url, {
    // Fail at once while disconnected (the limiter falls back) rather than queue behind a dead server.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    keyPrefix: 'lienthong:rate:',
  }) as BucketRedis;
  redis.on('error', onError);
  redis.defineCommand('lienthongBucket', { numberOfKeys: 1, lua: BUCKET });
  return {
    async take(name, key, perSecond, burst, cost) {
      // A bucket idle for burst ÷ rate seconds is full again, the same as none: it may expire.
      const ttl = Math.ceil((burst / perSecond) * 1000) + 1000;
      return Number(await redis.lienthongBucket(`${name}:${key}`, perSecond, burst, cost, ttl));
    },
    /**
     * Whether Redis answers within `waitMs`: until it does, commands fail at once and each
     * instance counts on its own (a start is not held up by Redis being away).
     */
    ready(waitMs) {
      if (redis.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          redis.off('ready', onReady);
          resolve(ok);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), waitMs);
        redis.on('ready', onReady);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}
