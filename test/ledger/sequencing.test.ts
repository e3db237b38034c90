import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { memoryCryptoProvider } from '../../src/core/crypto.ts';
import type { Database, Transaction } from '../../src/db/database.ts';
import { HandOff } from '../../src/ledger/log/hand-off.ts';
import { createLedger } from '../../src/ledger/service.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

/** The database, noting the queue ids whose rows the integrator reads back from ledger_queue. */
function watchingQueueReads(db: Database): { db: Database; read: string[] } {
  const read: string[] = [];
  const note = (sql: string, params?: unknown[]) => {
    if (/FROM ledger_queue q WHERE q\.id = x\.id/.test(sql)) read.push(...(params![0] as string[]));
  };
  const watchTx = (tx: Transaction): Transaction => ({
    query: (sql, params) => (note(sql, params), tx.query(sql, params)),
    exec: (sql) => tx.exec(sql),
    copyOut: (select, onChunk) => tx.copyOut(select, onChunk),
  });
  return {
    db: {
      driver: db.driver,
      query: (sql, params) => (note(sql, params), db.query(sql, params)),
      transaction: (fn) => db.transaction((tx) => fn(watchTx(tx))),
      exec: (sql) => db.exec(sql),
      copyRows: (t, c, r) => db.copyRows(t, c, r),
      channels: db.channels,
      close: () => db.close(),
    },
    read,
  };
}

describe('HandOff: leaves queued here, for this process’s integrator', () => {
  const leaves = (log: string, ids: string[]) => ids.map((id) => ({ id, custodian: log, text: `{"${id}":1}` }));
  const hashes = (n: number) => new Uint8Array(n * 32).map((_, i) => Math.floor(i / 32));

  it('keeps what it holds when full (the oldest, which a backlog needs first), each leaf with its own 32-byte hash', () => {
    const handOff = new HandOff(2);
    handOff.add(leaves('L', ['a', 'b', 'c']), hashes(3));
    expect(handOff.size).toBe(2);
    expect(handOff.get('L', 'c')).toBeUndefined();
    expect(handOff.get('L', 'b')).toEqual({ leaf: '{"b":1}', hash: new Uint8Array(32).fill(1) });
    expect(handOff.get('M', 'a')).toBeUndefined();
  });

  it('drops what is sequenced and, in that log only, what was queued before it (sequenced by another instance)', () => {
    const handOff = new HandOff();
    handOff.add(leaves('L', ['1', '2', '3', '4']), hashes(4));
    handOff.add(leaves('M', ['0']), hashes(1));
    handOff.drop('L', ['3']);
    expect(['1', '2', '3', '4'].map((id) => handOff.get('L', id) !== undefined)).toEqual([false, false, false, true]);
    expect(handOff.get('M', '0')).toBeDefined();
    expect(handOff.size).toBe(2);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17.1: sequencing`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    it('sequences what this instance queued without reading it back, and reads what another instance queued', async () => {
      const key = memoryCryptoProvider('EdDSA');
      const watched = watchingQueueReads(env.platform.db);
      const here = createLedger(watched.db, systemClock, key);
      const other = createLedger(env.platform.db, systemClock, key);
      const log = 'BNCTW';
      const mine = await Promise.all(Array.from({ length: 300 }, (_, n) => here.appendDurable(log, sampleEntry(n))));
      const theirs = await Promise.all(Array.from({ length: 200 }, (_, n) => other.appendDurable(log, sampleEntry(300 + n))));
      await Promise.all([here.close(), other.close()]);
      expect(await here.integrateAll()).toBe(500);
      expect(watched.read.sort()).toEqual(theirs.map((r) => r.id).sort());
      expect(mine.length).toBe(300);
      // The tree, its checkpoint and every search copy agree with the leaves in the queue.
      const [report] = await here.verify(log, undefined, { searchCopies: true });
      expect(report).toMatchObject({ ok: true, entries: 500 });
    });

    it('refuses to sequence entries of a log that does not exist: the batch’s tiles name it', async () => {
      const { db, ledger } = env.platform;
      await db.query(
        "INSERT INTO ledger_queue (id, custodian_code, leaf, leaf_hash, queued_at) VALUES ('01900000-0000-7000-8000-000000000001', 'KHONGCO', '\\x7b7d', $1, now())",
        [Buffer.alloc(32, 1)],
      );
      await expect(ledger.integrate('KHONGCO')).rejects.toThrow(/foreign key|ledger_tiles/);
      const entries = await db.query("SELECT 1 FROM ledger_entries WHERE custodian_code = 'KHONGCO'");
      expect(entries.rows).toEqual([]);
    });
  });
}
