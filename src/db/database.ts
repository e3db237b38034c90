/**
 * The one database interface the rest of the platform sees. Only `db/` knows
 * the drivers (PGlite embedded, PostgreSQL server); both speak the same SQL.
 */
import type { CopyColumn } from './copy.ts';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

/** A transaction handle: queries, multi-statement scripts (migrations) and binary COPY out. */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
  /**
   * The rows of `select` (a query without parameters) in PostgreSQL's binary COPY format, handed
   * to `onChunk` in order as they arrive (read them with `BinaryCopyDecoder`). For reads of
   * millions of rows: the server sends each value as its bytes (no text form, no hex), and the
   * rows are handled as they stream in instead of being gathered into a result first. If
   * `onChunk` throws, the rest of the stream is skipped and the call rejects with that error.
   */
  copyOut(select: string, onChunk: (chunk: Buffer) => void): Promise<void>;
}

export type DriverName = 'pglite' | 'postgres';

/** What a listener is told: a notification's payload, or that notifications may have been missed. */
export interface ChannelHandler {
  onNotify(payload: string): void;
  /**
   * The listening connection was lost and is back (or listening started late): notifications sent
   * meanwhile are lost, so the listener looks again at what it watches (a catch-up signal).
   */
  onCatchUp(): void;
}

/**
 * Notifications between the platform's instances sharing one database: PostgreSQL LISTEN/NOTIFY
 * on the server; on PGlite, which one process holds (data-dir lock), in-process events. A
 * notification is sent after the statements before it have committed and is a hint only: it may
 * be lost (a connection dropped), never sent before what it announces is visible.
 */
export interface Channels {
  /** Sends `payload` (at most 7,000 bytes) to every listener of `channel` on every instance. */
  notify(channel: string, payload: string): Promise<void>;
  /** Listens on `channel` until the returned function is called. */
  listen(channel: string, handler: ChannelHandler): Promise<() => void>;
}

export interface Database extends Queryable {
  readonly driver: DriverName;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when
   * it throws. Queries inside must go through `tx`, never through the database.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads rows into `table` as ONE statement, atomic in autocommit: binary COPY on the
   * PostgreSQL server (cheaper for the server than a multi-row INSERT of the same rows), a
   * multi-row INSERT on PGlite.
   */
  copyRows(table: string, columns: readonly CopyColumn[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Notifications between instances (LISTEN/NOTIFY). */
  readonly channels: Channels;
  close(): Promise<void>;
}

/** PostgreSQL error codes the services map to user-facing problems. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_CHECK_VIOLATION = '23514';

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Type OIDs parsed the same way on both drivers, so results do not depend on the driver. */
export const OID_INT8 = 20;
export const OID_DATE = 1082;
/** bigint counts fit in a double for any table this platform holds; dates stay 'YYYY-MM-DD' (no time zone shift). */
export const parseInt8 = (v: string): number => Number(v);
export const parseDate = (v: string): string => v;

/** The database cannot be reached (closed, connection refused, server shutting down): a 503, not a bug. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03']);

/**
 * Connection-level failures of either driver, as opposed to errors in a statement: SQLSTATE class
 * 08 (connection exception), 57P0x (the server shutting down or restarting), and what only a
 * connection attempt answers — class 28 (authorisation) and 3D000 (no such database), as during a
 * fail-over or a restore.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const code = pgErrorCode(err);
  if (code && (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('28') || code === '3D000')) return true;
  const msg = err instanceof Error ? err.message : '';
  return /PGlite is closed|pool after calling end|Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
}

/** Rethrows connection-level failures as DatabaseUnavailableError. */
export function classify(err: unknown): never {
  throw isUnavailable(err) ? new DatabaseUnavailableError(err) : err;
}
