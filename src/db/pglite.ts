import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult, Transaction } from './database.ts';
import { OID_DATE, OID_INT8, classify, parseDate, parseInt8 } from './database.ts';
import { Mutex } from './mutex.ts';
import { lockDataDir, makePrivate } from './data-dir.ts';
import { insertForCopy } from './copy.ts';

/**
 * Embedded PostgreSQL (WASM). PGlite is a single connection, so this driver
 * serialises every query and transaction through one mutex: a transaction
 * holds the connection from BEGIN to COMMIT/ROLLBACK and nobody else's
 * statement can slip in between.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      ...(dataDir && { dataDir }),
      parsers: { [OID_INT8]: parseInt8, [OID_DATE]: parseDate },
    });
    if (dataDir) makePrivate(dataDir);
  } catch (err) {
    unlock();
    throw err;
  }
  const mutex = new Mutex();
  // Set while a transaction holds the connection: a query on the database
  // itself from inside would wait for the mutex forever, so fail fast instead.
  const inTransaction = new AsyncLocalStorage<true>();
  const guard = (): void => {
    if (inTransaction.getStore()) throw new Error('query on the database inside a transaction: use the transaction handle');
  };

  // PGlite's Results → the interface's shape (DDL has no affectedRows).
  const toResult = <T>(r: { rows: T[]; affectedRows?: number }): QueryResult<T> => ({ rows: r.rows, rowCount: r.affectedRows ?? r.rows.length });

  return {
    driver: 'pglite',
    query: <T>(sql: string, params?: unknown[]) => {
      guard();
      return mutex.run(async () => toResult(await pg.query<T>(sql, params))).catch(classify);
    },
    transaction: (fn) => {
      guard();
      return mutex.run(() =>
        pg.transaction(async (tx) => {
          const scoped: Transaction = {
            query: async <T>(sql: string, params?: unknown[]) => toResult(await tx.query<T>(sql, params)),
            exec: async (sql: string) => void (await tx.exec(sql)),
            // PGlite has no COPY TO STDOUT: '/dev/blob' hands the whole output over as one Blob.
            copyOut: async (select, onChunk) => {
              const r = await tx.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`);
              if (!r.blob) throw new Error('copy: PGlite returned no COPY output');
              onChunk(Buffer.from(await r.blob.arrayBuffer()));
            },
          };
          return inTransaction.run(true, () => fn(scoped));
        }),
      ).catch(classify);
    },
    exec: (sql) => {
      guard();
      return mutex.run(async () => void (await pg.exec(sql))).catch(classify);
    },
    copyRows: (table, columns, rows) => {
      guard();
      const { sql, params } = insertForCopy(table, columns, rows);
      return mutex.run(async () => void (await pg.query(sql, params))).catch(classify);
    },
    close: () =>
      mutex.run(async () => {
        await pg.close();
        if (dataDir) makePrivate(dataDir); // (files PostgreSQL created since opening)
        unlock();
      }),
  };
}
