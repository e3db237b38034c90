import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult, Transaction } from './database.ts';
import { OID_DATE, OID_INT8, classify, parseDate, parseInt8 } from './database.ts';
import { Mutex } from './mutex.ts';
import { lockDataDir, makePrivate } from './data-dir.ts';
import { insertForCopy } from './copy.ts';
import { localChannels } from './channels.ts';

/** The installed PGlite's version (its package.json is not exported: found beside its entry point). */
function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A cluster fresh from initdb, as a tarball written by `npm run build` (scripts/build.mjs) for the
 * PGlite version installed. initdb is most of a first start (5–7 s of WASM on this machine, and
 * again for each in-memory database of the tests); unpacking its result takes well under a second.
 * Without the file (a checkout not yet built), PGlite runs initdb itself. Public: scripts/build.mjs
 * imports it from dist/, which knip cannot follow.
 * @public
 */
export const INITDB_TEMPLATE = fileURLToPath(new URL(`../../dist/pglite-initdb-${pgliteVersion()}.tar`, import.meta.url));

function initdbTemplate(): Blob | null {
  try {
    return new Blob([fs.readFileSync(INITDB_TEMPLATE)]);
  } catch {
    return null;
  }
}

/** In memory, or a data directory with no cluster in it yet. */
function needsInitdb(dataDir: string | undefined): boolean {
  return !dataDir || !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
}

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
    const template = needsInitdb(dataDir) ? initdbTemplate() : null;
    pg = await PGlite.create({
      ...(dataDir && { dataDir }),
      ...(template && { loadDataDir: template }),
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
    channels: localChannels(),
    query: <T>(sql: string, params?: unknown[]) => {
      guard();
      return mutex.run(async () => toResult(await pg.query<T>(sql, params))).catch(classify);
    },
    transaction: (fn) => {
      guard();
      return mutex
        .run(() =>
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
        )
        .catch(classify);
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
