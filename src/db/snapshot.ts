import type { Database, Transaction } from './database.ts';

/** What pg_export_snapshot() returns, e.g. 00000003-0000001B-1: checked before it is spliced into SQL. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/;

/**
 * Runs `fn` with `count` more read-only transactions that see exactly the snapshot of `tx`
 * (PostgreSQL's exported snapshots), so one long read can be split across several server
 * backends — several cores — and still be one consistent view. `tx` must be REPEATABLE READ and
 * not have run a query yet. PGlite is one connection: there `fn` gets no readers and the caller
 * reads through `tx` alone.
 */
export async function withSnapshotReaders<T>(db: Database, tx: Transaction, count: number, fn: (readers: Transaction[]) => Promise<T>): Promise<T> {
  if (db.driver !== 'postgres' || count < 1) return fn([]);
  const id = (await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
  if (!SNAPSHOT_ID.test(id)) throw new Error(`unexpected snapshot id ${JSON.stringify(id)}`);
  const open = (readers: Transaction[]): Promise<T> => {
    if (readers.length === count) return fn(readers);
    // Each reader holds its pool connection until the innermost `fn` settles.
    return db.transaction(async (reader) => {
      await reader.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await reader.query(`SET TRANSACTION SNAPSHOT '${id}'`);
      return open([...readers, reader]);
    });
  };
  return open([]);
}
