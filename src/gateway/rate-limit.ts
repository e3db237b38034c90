/**
 * Per-account token buckets (an operating limit: the data-sharing service stays available to everyone, so one
 * consumer cannot take it all). Hand-written rather than @fastify/rate-limit because a refusal
 * here is an exchange like any other: it must go through the gateway's pipeline to be logged
 * and signed. Per instance: behind N instances an account gets at most N × the rate.
 */
export function createRateLimiter(perSecond: number, burst = perSecond * 2) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** 0 when allowed, else the seconds to wait (for Retry-After). */
    take(key: string, now = performance.now()): number {
      const b = buckets.get(key) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      // Idle buckets refill to full: forget them rather than grow the map without bound.
      if (buckets.size > 100_000) for (const [k, v] of buckets) if (now - v.at > (burst / perSecond) * 1000) buckets.delete(k);
      return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
