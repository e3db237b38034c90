/** Buckets kept before idle ones (full again, so equal to a new one) are forgotten. */
const PRUNE_AT = 100_000;

/**
 * Token buckets per key: per connection account, per client address (an operating limit: the
 * data-sharing service stays available to everyone, so one caller cannot take it all).
 * Hand-written rather than @fastify/rate-limit because a refusal here is an exchange like any
 * other: it must go through the gateway's pipeline to be logged and signed. In this process: with
 * several instances, `rateLimiters` below keeps the same buckets in Redis instead.
 */
function createRateLimiter(perSecond: number, burst = perSecond * 2) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (key: string, now: number) => {
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    return b;
  };
  const waitFor = (tokens: number) => Math.max(1, Math.ceil((1 - tokens) / perSecond));
  return {
    /** 0 when allowed (a token is taken), else the seconds to wait (for Retry-After). */
    take(key: string, now = performance.now()): number {
      const b = refill(key, now);
      if (!buckets.has(key)) {
        if (buckets.size >= PRUNE_AT) for (const [k, v] of buckets) if (now - v.at > (burst / perSecond) * 1000) buckets.delete(k);
        // (still full: the oldest key goes — memory stays bounded whatever the number of callers)
        if (buckets.size >= PRUNE_AT) buckets.delete(buckets.keys().next().value!);
        buckets.set(key, b);
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return waitFor(b.tokens);
    },
    /** Like `take`, but takes nothing: whether a token is there now. */
    peek(key: string, now = performance.now()): number {
      if (!buckets.has(key)) return 0;
      const b = refill(key, now);
      return b.tokens >= 1 ? 0 : waitFor(b.tokens);
    },
  };
}

/** A limit that may be kept outside this process: the seconds to wait (0: allowed). */
export interface RateLimiter {
  /** Takes a token when there is one. */
  take(key: string): Promise<number>;
  /** Whether a token is there now, taking nothing. */
  peek(key: string): Promise<number>;
}

/**
 * Token buckets kept where every instance sees them (db/redis.ts): with N instances a key gets the
 * rate once, not N times. `cost` 1 takes a token, 0 only looks.
 */
export interface SharedBuckets {
  take(name: string, key: string, perSecond: number, burst: number, cost: 0 | 1): Promise<number>;
}

export type RateLimiters = (name: string, perSecond: number, burst?: number) => RateLimiter;

/**
 * Limiters on `shared` buckets when there are some, else in this process. When the shared store
 * fails (Redis away), each instance falls back on its own buckets: the limit still holds, per
 * instance, as it does with no Redis at all — a counter being away is no reason to refuse data.
 */
export function rateLimiters(shared?: SharedBuckets, onFallback: (err: unknown) => void = () => undefined): RateLimiters {
  return (name, perSecond, burst = perSecond * 2) => {
    const local = createRateLimiter(perSecond, burst);
    if (!shared) return { take: async (key) => local.take(key), peek: async (key) => local.peek(key) };
    const ask = async (key: string, cost: 0 | 1) => {
      try {
        return await shared.take(name, key, perSecond, burst, cost);
      } catch (err) {
        onFallback(err);
        return cost ? local.take(key) : local.peek(key);
      }
    };
    return { take: (key) => ask(key, 1), peek: (key) => ask(key, 0) };
  };
}
