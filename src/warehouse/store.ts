import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * The warehouse's DuckDB database: in-process, one file. External access (files, URLs,
 * other databases), extension loading and configuration changes are switched off when the
 * instance is created and the configuration is then locked, so no statement — whatever reaches
 * DuckDB — can read a file, ATTACH, INSTALL/LOAD or SET. Queries of analysts are moreover checked
 * and compiled before they run (compile.ts).
 *
 * Layout: `base."<dataset>"` holds every version of every record of a dataset (valid from/to, for
 * "as of" questions), `dim."<code list>"` the shared code lists, `meta` the feed positions reached;
 * a batch being ingested is staged in a temporary table of the writer's connection, never on disk.
 * The default schema `main` stays empty: an unqualified name an analyst writes can only resolve to
 * the views made for them (temp) or DuckDB's own catalog views, which the compiler refuses.
 */
const LOCKED = {
  enable_external_access: 'false',
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
  allow_community_extensions: 'false',
  lock_configuration: 'true',
} as const;

export interface Store {
  instance: DuckDBInstance;
  /** The connection ingestion writes through (one writer at a time: `exclusive`). */
  writer: DuckDBConnection;
  /** Runs `fn` after every earlier `exclusive` call has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): void;
}

export async function openStore(file: string): Promise<Store> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const instance = await DuckDBInstance.create(file, { ...LOCKED, threads: '2' });
  const writer = await instance.connect();
  await writer.run(`CREATE SCHEMA IF NOT EXISTS base; CREATE SCHEMA IF NOT EXISTS dim; CREATE SCHEMA IF NOT EXISTS meta;
    CREATE TABLE IF NOT EXISTS meta.positions (dataset VARCHAR PRIMARY KEY, position BIGINT NOT NULL, ingested_at TIMESTAMPTZ NOT NULL);
    CREATE TABLE IF NOT EXISTS meta.dims (code VARCHAR PRIMARY KEY, checksum VARCHAR NOT NULL);
    DROP TABLE IF EXISTS meta.stage;`);
  let tail: Promise<unknown> = Promise.resolve();
  return {
    instance,
    writer,
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn, fn);
      tail = run.catch(() => undefined);
      return run;
    },
    close() {
      writer.closeSync();
      instance.closeSync();
    },
  };
}

/** A DuckDB identifier, quoted. */
export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** A DuckDB string literal. */
export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** The view name an analyst writes for a dataset or code list: `can-bo-dang-vien` → `can_bo_dang_vien`. */
export const viewName = (code: string) => code.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
export const dimViewName = (code: string) => `dm_${viewName(code)}`;
