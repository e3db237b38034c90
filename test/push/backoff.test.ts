import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { backoff, isTimeout, retryAfterMs } from '../../src/push/index.ts';

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

  it("a receiver that does not answer is a timeout whichever timer fires first: undici's headers timeout or our signal", async () => {
    const held: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const agent = new Agent({ headersTimeout: 200 });
    const caught = async (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    try {
      const byUndici = await caught(request(url, { method: 'POST', body: '{}', dispatcher: agent }));
      expect((byUndici as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
      expect(isTimeout(byUndici)).toBe(true);
      const bySignal = await caught(request(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }));
      expect(isTimeout(bySignal)).toBe(true);
      const refused = await caught(request('http://127.0.0.1:1/hook', { method: 'POST', body: '{}' }));
      expect(isTimeout(refused)).toBe(false);
    } finally {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await agent.close();
    }
  });
});
