import { describe, expect, it } from 'vitest';
import { backoff, retryAfterMs } from '../../src/push/index.ts';

const o = { baseDelayMs: 1_000, maxDelayMs: 3_600_000 };

describe('push retry schedule', () => {
  it('exponential backoff with full jitter: uniform in [0, min(max, base·2^(n−1))]', () => {
    expect(backoff(1, o, () => 0.999999)).toBe(999);
    expect(backoff(4, o, () => 0.5)).toBe(4_000);
    expect(backoff(1, o, () => 0)).toBe(0);
    // Capped: after many failures the ceiling stays at the maximum (no overflow).
    expect(backoff(60, o, () => 0.5)).toBe(1_800_000);
    expect(backoff(5000, o, () => 0.999999)).toBeLessThan(3_600_000);
  });

  it('Retry-After in seconds or as an HTTP date; anything else is ignored', () => {
    const now = new Date('2026-03-02T02:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 02 Mar 2026 02:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Mon, 02 Mar 2026 01:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
