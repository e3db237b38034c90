import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
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

/** PostgreSQL server driver: a pool; a transaction pins one client from BEGIN to COMMIT. */
export async function openPostgres(url: string, maxConnections = 10): Promise<Database> {
  const typeOverrides = new pg.TypeOverrides();
  typeOverrides.setTypeParser(OID_INT8, parseInt8);
  typeOverrides.setTypeParser(OID_DATE, parseDate);
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types: typeOverrides });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');

  const wrap = async <T>(r: Promise<pg.QueryResult>): Promise<QueryResult<T>> => {
    const res = await r.catch(classify);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
  };

  return {
    driver: 'postgres',
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
        const broken = await client.query('ROLLBACK').then(() => undefined, (e: Error) => e);
        client.release(broken);
        released = true;
        classify(err);
      } finally {
        if (!released) client.release();
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
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
