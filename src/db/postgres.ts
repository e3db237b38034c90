import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { postgresChannels } from './channels.ts';
import { copySql, encodeBinaryCopy } from './copy.ts';
import type { Database, QueryResult, Transaction } from './database.ts';
import { OID_DATE, OID_INT8, classify, isUnavailable, parseDate, parseInt8 } from './database.ts';

/** `COPY (select) TO STDOUT`, streamed to onChunk; a throwing onChunk skips the rest and rejects. */
function copyOut(client: pg.PoolClient, select: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
    let failed: { err: unknown } | null = null;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return; // (the server still sends the rest: the connection stays in step)
      try {
        onChunk(chunk);
      } catch (err) {
        failed = { err };
      }
    });
    stream.on('error', reject);
    stream.on('end', () => (failed ? reject(failed.err) : resolve()));
  }).catch(classify);
}

/** How long a new connection may take before the request gets a 503 instead of waiting on. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Clients whose connection failed while checked out: released with the error, so the pool drops them. */
const lost = new WeakMap<pg.PoolClient | pg.Client, Error>();

function release(client: pg.PoolClient, err?: Error): void {
  client.release(err ?? lost.get(client));
}

export interface PostgresOptions {
  maxConnections?: number | undefined;
  /** Fail at open when the server cannot be reached (default); false opens lazily, for a server that may still be down. */
  checkAtOpen?: boolean | undefined;
}

/** PostgreSQL server driver: a pool; a transaction pins one client from BEGIN to COMMIT. */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Database> {
  const maxConnections = opts.maxConnections ?? 10;
  const typeOverrides = new pg.TypeOverrides();
  typeOverrides.setTypeParser(OID_INT8, parseInt8);
  typeOverrides.setTypeParser(OID_DATE, parseDate);
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types: typeOverrides, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // pg-pool listens for errors only while a client is idle: a connection lost while a client is
  // checked out (in a transaction, a COPY, between two statements) would be an unhandled 'error'
  // event and end the process. Every client gets a listener of its own for its whole life; the
  // client is then released as broken (see `release`), and the pool replaces it.
  pool.on('connect', (client) => {
    client.on('error', (err) => lost.set(client, err));
  });
  if (opts.checkAtOpen ?? true) await pool.query('SELECT 1').catch(classify);

  const wrap = async <T>(r: Promise<pg.QueryResult>): Promise<QueryResult<T>> => {
    const res = await r.catch(classify);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
  };

  const channels = postgresChannels(url, pool);

  return {
    driver: 'postgres',
    channels,
    query: (sql, params) => wrap(pool.query(sql, params as unknown[] | undefined)),
    async transaction(fn) {
      const client = await pool.connect().catch(classify);
      let released = false;
      const tx: Transaction = {
        query: (sql, params) => wrap(client.query(sql, params as unknown[] | undefined)),
        // Without parameters pg uses the simple protocol, which runs multi-statement scripts.
        exec: async (sql) => void (await client.query(sql)),
        copyOut: (select, onChunk) => copyOut(client, select, onChunk),
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // A client whose ROLLBACK fails is broken: release it with the error so the pool drops it.
        const broken = await client.query('ROLLBACK').then(
          () => undefined,
          (e: Error) => e,
        );
        release(client, broken);
        released = true;
        classify(err);
      } finally {
        if (!released) release(client);
      }
    },
    exec: async (sql) => void (await pool.query(sql)),
    async copyRows(table, columns, rows) {
      const data = encodeBinaryCopy(columns, rows);
      const client = await pool.connect().catch(classify);
      let broken: Error | undefined;
      try {
        // Written straight to the COPY stream ('finish' comes once the server has taken it): a
        // stream pipeline per group cost an AbortController and more, for one buffer.
        const copy = client.query(copyFrom(copySql(table, columns)));
        await new Promise<void>((resolve, reject) => {
          copy.on('error', reject);
          copy.on('finish', resolve);
          copy.end(data);
        });
      } catch (err) {
        // A statement that failed leaves the connection ready for the next; a lost one does not.
        if (isUnavailable(err)) broken = err as Error;
        classify(err);
      } finally {
        release(client, broken);
      }
    },
    close: async () => {
      await channels.close();
      await pool.end();
    },
  };
}
