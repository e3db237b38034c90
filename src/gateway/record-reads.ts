import type { LiveKey, LiveRow, StoredRecord } from '../sync/index.ts';

/** Distinct records one statement reads at most; a larger batch is split. */
const MAX_READ_BATCH = 256;

type ReadMany = (wanted: readonly LiveKey[]) => Promise<LiveRow[]>;

interface Wanted extends LiveKey {
  waiters: { resolve: (r: StoredRecord | null) => void; reject: (err: unknown) => void }[];
}

/**
 * Hosted reads that arrive together share one SELECT. A query round trip (two socket writes and
 * a wake-up of the database, one per read) is the largest cost of a hosted read after the
 * signature; under load many reads arrive in one turn of the event loop. Reads are collected
 * until that turn has handled every request that came in with them (setImmediate) and then sent
 * as one statement — so the statement always starts after each of its requests arrived: no read
 * is answered from a state older than its request (no cache, no staleness). Requests for the same
 * record in one batch share its row. A failed statement fails only the reads it carried; a row
 * whose sealed content does not open fails only the reads of that record.
 */
export function createRecordReader(readMany: ReadMany, maxBatch = MAX_READ_BATCH) {
  let batch = new Map<string, Wanted>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const wanted = [...batch.values()];
    batch = new Map();
    for (let i = 0; i < wanted.length; i += maxBatch) void run(wanted.slice(i, i + maxBatch));
  }

  async function run(wanted: Wanted[]): Promise<void> {
    let rows: LiveRow[];
    try {
      rows = await readMany(wanted);
    } catch (err) {
      for (const w of wanted) for (const waiter of w.waiters) waiter.reject(err);
      return;
    }
    const found = new Map(rows.map((r) => [id(r.dataset, r.key), r]));
    for (const w of wanted) {
      const row = found.get(id(w.dataset, w.key));
      if (row?.error !== undefined) {
        for (const waiter of w.waiters) waiter.reject(row.error);
        continue;
      }
      const record = row ? { key: row.key, version: row.version, data: row.data, deleted: row.deleted, written_at: row.written_at } : null;
      for (const waiter of w.waiters) waiter.resolve(record);
    }
  }

  return {
    /** The live record, or null when it does not exist or is deleted. */
    read(dataset: string, key: string): Promise<StoredRecord | null> {
      return new Promise((resolve, reject) => {
        const k = id(dataset, key);
        let w = batch.get(k);
        if (!w) batch.set(k, (w = { dataset, key, waiters: [] }));
        w.waiters.push({ resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

// Dataset codes never contain a NUL (routes: ^[a-z0-9][a-z0-9-]{1,63}$), so the pair is unambiguous.
const id = (dataset: string, key: string) => `${dataset}\0${key}`;
