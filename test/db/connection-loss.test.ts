import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, DatabaseUnavailableError } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { TEST_PG_URL, freshDatabase } from '../helpers/platform.ts';

/**
 * The server ends a connection that a transaction or a COPY has checked out of the pool (a
 * restart, a fail-over, an administrator's pg_terminate_backend): the process must not die of an
 * unhandled 'error' event, the caller gets DatabaseUnavailableError (a 503), and the pool's next
 * caller gets a fresh connection.
 */
describe.skipIf(!TEST_PG_URL)('[postgres] a connection lost while checked out', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;
  let admin: pg.Client;
  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    db = fresh.db;
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await db.close();
    await fresh.drop();
  });

  const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const idleGap = () => new Promise((r) => setTimeout(r, 200)); // the 'error' event arrives while no statement runs

  it('between two statements of a transaction: the transaction rejects as unavailable, the next query succeeds', async () => {
    const tx = db.transaction(async (t) => {
      const { pid } = (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      await terminate(pid);
      await idleGap();
      await t.query('SELECT 1');
    });
    await expect(tx).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('during a COPY out: the copy rejects as unavailable, the next transaction succeeds', async () => {
    const copy = db.transaction(async (t) => {
      const { pid } = (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      await terminate(pid);
      await idleGap();
      await t.copyOut('SELECT g FROM generate_series(1, 100000) g', () => undefined);
    });
    await expect(copy).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(await db.transaction(async (t) => (await t.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n)).toBe(2);
  });

  it('every pooled connection ended at once: each caller gets unavailable or a result, never a crash', async () => {
    await Promise.all(Array.from({ length: 8 }, () => db.query('SELECT 1')));
    const running = Array.from({ length: 8 }, () =>
      db
        .transaction((t) => t.query('SELECT pg_sleep(0.3)'))
        .then(
          () => 'ok',
          (e: unknown) => e,
        ),
    );
    await new Promise((r) => setTimeout(r, 100));
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    const outcomes = await Promise.all(running);
    for (const o of outcomes) if (o !== 'ok') expect(o).toBeInstanceOf(DatabaseUnavailableError);
    expect((await db.query('SELECT 1')).rowCount).toBe(1);
  });
});

describe.skipIf(!TEST_PG_URL)('[postgres] a server that cannot be reached', () => {
  let closedPort: number;
  beforeAll(async () => {
    // A port nobody listens on: bound, then released.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
  });
  const urlTo = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

  it('refuses at open with DatabaseUnavailableError (serve then waits instead of exiting)', async () => {
    await expect(openDatabase({ databaseUrl: urlTo(closedPort) })).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('opened lazily (checkAtOpen: false): each query is unavailable, none throws anything else', async () => {
    const db = await openDatabase({ databaseUrl: urlTo(closedPort), checkAtOpen: false });
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(db.transaction((t) => t.query('SELECT 1'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await db.close();
  });
});
