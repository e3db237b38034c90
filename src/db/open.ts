import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface OpenOptions {
  /** postgres://… selects the PostgreSQL server driver. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined means in-memory (tests). */
  dataDir?: string | undefined;
  /** Pool size on the PostgreSQL server (default 10). */
  maxConnections?: number | undefined;
  /** PostgreSQL server: false opens without reaching the server first (it may still be down). */
  checkAtOpen?: boolean | undefined;
}

export function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, { maxConnections: opts.maxConnections, checkAtOpen: opts.checkAtOpen }) : openPglite(opts.dataDir);
}
