import { describe, expect, it } from 'vitest';
import { figuresOf, quantileMs, tally } from '../../src/reports/tally.ts';
import { sampleEntry } from '../helpers/ledger.ts';

describe('reports: counting entries (R-17.2 → R-18.2)', () => {
  it('an exchange counts once, on its Viet Nam day, with its bytes, rule and latency bucket', () => {
    const e = sampleEntry(1, {
      requested_at: '2026-03-02T17:30:00.000Z',
      responded_at: '2026-03-02T17:30:00.040Z',
      response: { status: 403, content_sha256: null, content_kept: false, bytes: 321, rule: 'R-5.2' },
    });
    const [f] = figuresOf(e);
    expect(f).toMatchObject({ day: '2026-03-03', status: 403, rule: 'R-5.2', exchanges: 1, bytes: 321, latency_ms_sum: 40 });
    expect(f!.buckets.indexOf(1)).toBe(3); // ≤ 50 ms
  });

  it('a summary of refusals to unidentified callers counts as the refusals it stands for, by status', () => {
    const e = sampleEntry(2, { requester: { agency: null, system: null, account: null } });
    e.request.query = { summary: 'unidentified-refusals', client_address: '10.0.0.1', refusals: '15', statuses: '401:12,429:3' };
    const { figures } = tally([e, null]);
    expect([...figures.values()].map((f) => [f.status, f.exchanges])).toEqual([
      [401, 12],
      [429, 3],
    ]);
    expect(tally([null, null]).archived).toBe(2);
  });

  it('quantiles read from the histogram are the upper bound of the bucket reached', () => {
    expect(quantileMs([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBeNull();
    expect(quantileMs([5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.5)).toBe(5);
    expect(quantileMs([5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.95)).toBeNull(); // beyond 5000 ms
  });
});
