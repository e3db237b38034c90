import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { memoryCryptoProvider } from '../../src/core/crypto.ts';
import type { Database } from '../../src/db/database.ts';
import { verifyInclusion } from '../../src/ledger/log/merkle.ts';
import { createLedger } from '../../src/ledger/service.ts';
import { TileCache } from '../../src/ledger/log/tile-cache.ts';
import { EXPANDED_TILE_BYTES, TILE_WIDTH } from '../../src/ledger/log/tiles.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

const entry = sampleEntry;

const tile = (fill: number) => new Uint8Array(TILE_WIDTH * 32).fill(fill);

/** The database, counting the statements sent outside transactions (all a proof sends). */
function counting(db: Database): { db: Database; count: () => number } {
  let n = 0;
  return {
    db: {
      driver: db.driver,
      query: (sql, params) => (n++, db.query(sql, params)),
      transaction: (fn) => db.transaction(fn),
      exec: (sql) => db.exec(sql),
      copyRows: (t, c, r) => (n++, db.copyRows(t, c, r)),
      channels: db.channels,
      close: () => db.close(),
    },
    count: () => n,
  };
}

describe('TileCache: memory for proofs', () => {
  it('keeps full tiles expanded and drops the least recently used one past its budget', () => {
    const cache = new TileCache(2 * EXPANDED_TILE_BYTES);
    cache.set('L/0/0/256', tile(1));
    cache.set('L/0/1/256', tile(2));
    expect(cache.get('L/0/0/256')!.length).toBe(EXPANDED_TILE_BYTES); // used: now the newest
    cache.set('L/0/2/256', tile(3));
    expect(cache.size).toBe(2);
    expect(cache.get('L/0/1/256')).toBeUndefined();
    expect(cache.get('L/0/0/256')).toBeDefined();
    // A partial tile (the right edge, keyed by the width asked for) is kept as it is.
    cache.set('L/0/3/17', new Uint8Array(17 * 32));
    expect(cache.get('L/0/3/17')!.length).toBe(17 * 32);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17.1: proofs from the tile cache`, () => {
    let env: TestEnv;
    const size = 2 * TILE_WIDTH + 88;

    beforeAll(async () => {
      env = await startEnv(driver);
      const { db, ledger } = env.platform;
      await db.transaction((tx) =>
        ledger.appendMany(
          tx,
          Array.from({ length: size }, (_, n) => ({ custodian: 'BTCTW', entry: entry(n) })),
        ),
      );
      await ledger.integrateAll();
      env.clock.advance(10_000); // a time-based checkpoint covers the last batch
      await ledger.integrateAll();
    }, 60_000);
    afterAll(() => env.close());

    it('after warmTiles a proof asks the database nothing, and every proof is the one the database gives', async () => {
      const { db, ledger } = env.platform;
      const root = Buffer.from((await ledger.checkpoint('BTCTW')).root_hash, 'base64');
      const leafHashes = (
        await db.query<{ leaf_hash: Uint8Array }>(
          "SELECT q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id WHERE e.custodian_code = 'BTCTW' ORDER BY e.leaf_index",
        )
      ).rows.map((r) => r.leaf_hash);
      expect(leafHashes).toHaveLength(size);

      const watched = counting(db);
      const warm = createLedger(watched.db, systemClock, memoryCryptoProvider('EdDSA'));
      expect(await warm.warmTiles()).toBe(2); // the two full level-0 tiles; the right edge is partial
      await warm.inclusion('BTCTW', 0, size); // first proof: the log, its size, the right edge's partial tiles
      const before = watched.count();
      for (let i = 0; i < size; i += 7) {
        const proof = await warm.inclusion('BTCTW', i, size);
        expect(proof).toEqual(await ledger.inclusion('BTCTW', i, size));
        expect(
          verifyInclusion(
            leafHashes[i]!,
            i,
            size,
            proof.hashes.map((h) => Buffer.from(h, 'base64')),
            root,
          ),
        ).toBe(true);
      }
      expect(watched.count()).toBe(before);
    });

    it('a cache too small for the log warms what fits, and proofs still come out right', async () => {
      const small = createLedger(env.platform.db, systemClock, memoryCryptoProvider('EdDSA'), {
        checkpointEvery: 256,
        checkpointSeconds: 5,
        batch: 256,
        tileCacheBytes: EXPANDED_TILE_BYTES,
      });
      expect(await small.warmTiles()).toBe(1);
      for (const i of [0, 300, size - 1]) expect(await small.inclusion('BTCTW', i, size)).toEqual(await env.platform.ledger.inclusion('BTCTW', i, size));
    });
  });
}
