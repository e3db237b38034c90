import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { Database, Queryable } from '../../src/db/database.ts';
import { type Migration, appliedMigrations, migrate, pendingMigrations, sha256 } from '../../src/db/migrate.ts';
import { MIGRATIONS, prepareDatabase } from '../../src/platform.ts';
import { DRIVERS, freshDatabase } from '../helpers/platform.ts';

/**
 * The migrations that existed before identifiers were scoped by module: numbered once across all
 * modules (0001–0025), applied in that global order and recorded by number.
 */
const UNSCOPED = MIGRATIONS.filter((m) => m.version <= 25).sort((a, b) => a.version - b.version);

/** Migrates `db` as the platform did before identifiers were scoped: the record's layout and order of that time. */
async function migrateUnscoped(db: Database, migrations: Migration[]): Promise<void> {
  await db.exec(`CREATE TABLE schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  for (const m of migrations) {
    await db.transaction(async (tx) => {
      await m.up(tx);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    });
  }
}

/** Tables, columns, indexes and triggers of the public schema: what two ways of migrating must agree on. */
async function schemaOf(q: Queryable): Promise<string[]> {
  const columns = await q.query<{ d: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
  );
  const indexes = await q.query<{ d: string }>("SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'");
  const triggers = await q.query<{ d: string }>("SELECT tgrelid::regclass::text || ' ' || tgname AS d FROM pg_trigger WHERE NOT tgisinternal");
  return [...columns.rows, ...indexes.rows, ...triggers.rows].map((r) => r.d).sort();
}

for (const driver of DRIVERS) {
  describe(`[${driver}] migration identifiers scoped by module`, () => {
    it('every identifier is <module>/NNNN_name, and no two modules share one', () => {
      for (const m of MIGRATIONS) expect(m.id).toMatch(/^[a-z]+\/\d{4}_[a-z0-9_]+$/);
      expect(new Set(MIGRATIONS.map((m) => m.id)).size).toBe(MIGRATIONS.length);
      expect(MIGRATIONS[0]!.id).toBe('db/0001_history');
    });

    it('a database migrated under the unscoped identifiers is brought to scoped ones without applying anything again', async () => {
      const legacy = await freshDatabase(driver);
      const fresh = await freshDatabase(driver);
      try {
        const db = legacy.db;
        await migrateUnscoped(db, UNSCOPED);
        const before = (
          await db.query<{ version: number; checksum: string; applied_at: Date }>(
            'SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version',
          )
        ).rows;
        // Read without changing it (`lienthong status` before `migrate`): nothing pending of what it applied.
        expect((await appliedMigrations(db, MIGRATIONS)).map((m) => m.id)).toEqual(UNSCOPED.map((m) => m.id));
        expect(await pendingMigrations(db, MIGRATIONS)).toEqual(MIGRATIONS.filter((m) => m.version > 25).map((m) => m.id));

        // The migrations of that time are not idempotent (CREATE TABLE…): running one again would throw.
        const { applied } = await prepareDatabase(db, systemClock);
        expect(applied).toEqual(MIGRATIONS.filter((m) => m.version > 25).map((m) => m.id));
        const after = await appliedMigrations(db);
        const byId = new Map(after.map((m) => [m.id, m]));
        for (const [i, m] of UNSCOPED.entries()) {
          // Each kept its checksum and the time it was applied.
          expect(byId.get(m.id)).toEqual({ id: m.id, checksum: before[i]!.checksum, applied_at: before[i]!.applied_at });
        }
        expect(await pendingMigrations(db, MIGRATIONS)).toEqual([]);

        // Done once: a second start finds nothing to rename and nothing to apply.
        expect((await prepareDatabase(db, systemClock)).applied).toEqual([]);
        expect(await appliedMigrations(db)).toEqual(after);

        // The same schema as a database created with scoped identifiers, in module order.
        await prepareDatabase(fresh.db, systemClock);
        expect(await schemaOf(db)).toEqual(await schemaOf(fresh.db));
      } finally {
        await Promise.all([legacy.db.close(), fresh.db.close()]);
        await Promise.all([legacy.drop(), fresh.drop()]);
      }
    });

    it('a recorded migration no module declares stops the upgrade, which leaves the record as it was', async () => {
      const { db, drop } = await freshDatabase(driver);
      try {
        const ghost: Migration = { id: 'ghost/0099_ghost', module: 'ghost', version: 99, name: 'ghost', checksum: sha256('ghost'), up: async () => undefined };
        await migrateUnscoped(db, [...UNSCOPED.slice(0, 2), ghost]);
        await expect(migrate(db, MIGRATIONS)).rejects.toThrow(/records migration 0099_ghost, which no module of this version declares/);
        const kept = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(kept.rows.map((r) => r.version)).toEqual([1, 2, 99]);
      } finally {
        await db.close();
        await drop();
      }
    });
  });
}
