import { describe, expect, it } from 'vitest';
import { createRecordReader } from '../../src/gateway/record-reads.ts';
import type { LiveKey, StoredRecord } from '../../src/sync/records.ts';

const row = (dataset: string, key: string): StoredRecord & LiveKey => ({ dataset, key, version: 1, data: { key }, deleted: false, written_at: new Date(0) });

describe('gateway record reader', () => {
  it('answers reads made together with one statement, each with its own record or null', async () => {
    const calls: LiveKey[][] = [];
    const reader = createRecordReader(async (wanted) => {
      calls.push(wanted.map(({ dataset, key }) => ({ dataset, key })));
      return wanted.filter((w) => w.key !== 'gone').map((w) => row(w.dataset, w.key));
    });
    const [a, b, again, gone, other] = await Promise.all([
      reader.read('ds-a', 'k1'),
      reader.read('ds-a', 'k2'),
      reader.read('ds-a', 'k1'),
      reader.read('ds-a', 'gone'),
      reader.read('ds-b', 'k1'),
    ]);
    expect(calls).toEqual([
      [
        { dataset: 'ds-a', key: 'k1' },
        { dataset: 'ds-a', key: 'k2' },
        { dataset: 'ds-a', key: 'gone' },
        { dataset: 'ds-b', key: 'k1' },
      ],
    ]);
    expect([a?.data, b?.data, again?.data, gone, other?.data]).toEqual([{ key: 'k1' }, { key: 'k2' }, { key: 'k1' }, null, { key: 'k1' }]);
  });

  it('sends a read made after a statement started in the next statement, never answered by the earlier one', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const reader = createRecordReader(async (wanted) => {
      calls.push(wanted.map((w) => w.key));
      if (calls.length === 1) await first;
      return wanted.map((w) => row(w.dataset, w.key));
    });
    const early = reader.read('ds', 'k');
    await new Promise((r) => setImmediate(r)); // the first statement is now running
    const late = reader.read('ds', 'k');
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['k'], ['k']]);
    release();
    await Promise.all([early, late]);
  });

  it('splits a large batch and fails only the reads of a failed statement', async () => {
    const sizes: number[] = [];
    const reader = createRecordReader(async (wanted) => {
      sizes.push(wanted.length);
      if (wanted.some((w) => w.key === 'k4')) throw new Error('database down');
      return wanted.map((w) => row(w.dataset, w.key));
    }, 3);
    const results = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => reader.read('ds', `k${i}`)));
    expect(sizes).toEqual([3, 3, 1]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
  });
});
