import { describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/database.ts';
import { withSnapshotReaders } from '../../src/db/snapshot.ts';
import { appliedMigrations, migrate, type Migration, sha256 } from '../../src/db/migrate.ts';
import { MIGRATIONS, prepareDatabase } from '../../src/platform.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DRIVERS, useFreshDatabase } from '../helpers/platform.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const driver of DRIVERS) {
  describe(`[${driver}] database`, () => {
    let db: Database;
    useFreshDatabase(driver, async (fresh) => {
      db = fresh;
      await db.exec('CREATE TABLE scratch (id serial PRIMARY KEY, label text NOT NULL)');
    });

    it('applies migrations once and records them; a second run applies nothing', async () => {
      const first = await prepareDatabase(db, systemClock);
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.id));
      expect(first.seeded).toBeGreaterThan(90);
      const second = await prepareDatabase(db, systemClock);
      expect(second).toEqual({ applied: [], seeded: 0 });
      const recorded = await appliedMigrations(db);
      expect(recorded.map((m) => [m.id, m.checksum])).toEqual(MIGRATIONS.map((m) => [m.id, m.checksum]));
    });

    it('two migrators racing apply each migration exactly once', async () => {
      let runs = 0;
      const step: Migration = {
        id: 'scratch/9001_race',
        module: 'scratch',
        version: 9001,
        name: 'race',
        checksum: sha256('race'),
        up: async (tx) => {
          runs++;
          await tx.query("INSERT INTO scratch (label) VALUES ('race')");
        },
      };
      const results = await Promise.all([migrate(db, [...MIGRATIONS, step]), migrate(db, [...MIGRATIONS, step])]);
      expect(results.flat()).toEqual(['scratch/9001_race']);
      expect(runs).toBe(1);
    });

    it('refuses a migration whose content changed after it was applied', async () => {
      const changed = MIGRATIONS.map((m) => (m.id === 'db/0001_history' ? { ...m, checksum: sha256('edited') } : m));
      await expect(migrate(db, changed)).rejects.toThrow(/changed after it was applied/);
    });

    it('serialises concurrent transactions: a query issued while another transaction is open never joins it', async () => {
      // Without the driver's mutex, PGlite runs the plain INSERT on its single connection inside the
      // open transaction, and the rollback takes it away.
      const rolledBack = db.transaction(async (tx) => {
        await tx.query("INSERT INTO scratch (label) VALUES ('lost-1')");
        await sleep(30);
        throw new Error('boom');
      });
      await sleep(5);
      const plain = db.query("INSERT INTO scratch (label) VALUES ('plain')");
      const committed = db.transaction(async (tx) => {
        await tx.query("INSERT INTO scratch (label) VALUES ('kept')");
        return 'ok';
      });
      const [a, b, c] = await Promise.allSettled([rolledBack, plain, committed]);
      expect([a.status, b.status, c.status]).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      const rows = await db.query<{ label: string }>("SELECT label FROM scratch WHERE label <> 'race' ORDER BY label");
      expect(rows.rows.map((r) => r.label)).toEqual(['kept', 'plain']);
    });

    it('refuses hard deletes on control-plane tables and edits of the change history', async () => {
      await expect(db.query("DELETE FROM agencies WHERE code = 'VPTW'")).rejects.toThrow(/refused/);
      await expect(db.query('TRUNCATE datasets CASCADE')).rejects.toThrow(/refused/);
      await db.query("INSERT INTO change_history (id, entity, entity_key, action, actor) VALUES (gen_random_uuid(), 't', 'k', 'a', 'x')");
      await expect(db.query("UPDATE change_history SET actor = 'someone else'")).rejects.toThrow(/refused/);
      await expect(db.query('DELETE FROM change_history')).rejects.toThrow(/refused/);
      expect((await db.query("SELECT 1 FROM agencies WHERE code = 'VPTW'")).rows).toHaveLength(1);
    });

    it('snapshot readers see exactly the snapshot of the transaction that shares it (PostgreSQL); none on PGlite', async () => {
      await db.query("INSERT INTO scratch (label) VALUES ('before-snapshot')");
      const seen = await db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        return withSnapshotReaders(db, tx, 2, async (readers) => {
          // Committed after the snapshot was taken: neither the transaction nor its readers may see it.
          if (readers.length) await db.query("INSERT INTO scratch (label) VALUES ('after-snapshot')");
          const count = async (q: Queryable) =>
            (await q.query<{ n: number }>("SELECT count(*)::int AS n FROM scratch WHERE label LIKE '%-snapshot'")).rows[0]!.n;
          return { own: await count(tx), readers: await Promise.all(readers.map(count)), now: readers.length ? await count(db) : null };
        });
      });
      if (driver === 'pglite') {
        expect(seen).toEqual({ own: 1, readers: [], now: null });
      } else {
        expect(seen).toEqual({ own: 1, readers: [1, 1], now: 2 });
      }
    });

    it('parses dates and bigints the same way on both drivers', async () => {
      const r = await db.query<{ d: string; n: number; t: Date }>(
        "SELECT DATE '2025-11-19' AS d, 9007199254740::bigint AS n, TIMESTAMPTZ '2025-11-19T00:00:00Z' AS t",
      );
      expect(r.rows[0]).toEqual({ d: '2025-11-19', n: 9007199254740, t: new Date('2025-11-19T00:00:00Z') });
    });
  });
}
