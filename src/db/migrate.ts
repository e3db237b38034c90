import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable, Transaction } from './database.ts';

/**
 * Migrations, scoped by module. SQL files live beside the module that owns the tables
 * (`src/<module>/migrations/NNNN_name.sql`) and are identified as `<module>/NNNN_name`, so two
 * modules can never claim the same identifier; NNNN orders a module's own migrations, and the
 * modules' dependencies order the modules (db/modules.ts). Reference-data seeds are code steps of
 * the owning module. Each step runs in its own transaction under an advisory lock, so several
 * instances starting together apply it once.
 */
export interface Migration {
  /** `<module>/NNNN_name`: what schema_migrations records. */
  id: string;
  module: string;
  version: number;
  name: string;
  /** Content hash; a changed SQL migration that was already applied is refused. */
  checksum: string;
  up(tx: Transaction): Promise<void>;
}

const LOCK_KEY = 384_2025; // arbitrary, stable: "Quy định 384, 2025"

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

const migrationId = (module: string, version: number, name: string): string => `${module}/${String(version).padStart(4, '0')}_${name}`;

/** Loads the `NNNN_name.sql` files of the `migrations/` folder beside `homeUrl` (a file of the module), in version order. */
export function sqlMigrations(module: string, homeUrl: string): Migration[] {
  const dir = path.join(path.dirname(fileURLToPath(homeUrl)), 'migrations');
  if (!fs.existsSync(dir)) return [];
  const found = fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .map((file) => {
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      const [version, name] = [Number(file.slice(0, 4)), file.slice(5, -4)];
      return { id: migrationId(module, version, name), module, version, name, checksum: sha256(sql), up: (tx: Transaction) => tx.exec(sql) };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.version === found[i - 1]!.version) throw new Error(`two migrations of module "${module}" share version ${found[i]!.version}`);
  }
  return found;
}

/** Refuses a list in which an identifier appears twice: the record could not tell them apart. */
function checkDistinct(all: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.id)) throw new Error(`two migrations share the identifier ${m.id}`);
    seen.add(m.id);
  }
}

export interface AppliedMigration {
  id: string;
  checksum: string;
  applied_at: Date;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Whether schema_migrations still has the layout of unscoped identifiers (an integer `version` shared by all modules). */
async function hasUnscopedIds(q: Queryable): Promise<boolean> {
  // The catalog directly: information_schema's views cost tens of milliseconds on the embedded database, at every start.
  const r = await q.query("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = 'version' AND NOT attisdropped");
  return r.rows.length > 0;
}

/** The scoped identifier of a migration recorded as (version, name) before identifiers were scoped. */
function scopedId(known: readonly Migration[], version: number, name: string): string {
  const matches = known.filter((m) => m.version === version && m.name === name);
  if (matches.length !== 1) {
    throw new Error(
      `schema_migrations records migration ${String(version).padStart(4, '0')}_${name}, which ${matches.length ? 'several modules' : 'no module of this version'} declare${matches.length ? '' : 's'}: run the version of the platform that applied it`,
    );
  }
  return matches[0]!.id;
}

/**
 * Rewrites a record of unscoped identifiers (`version` 3, name `catalog`) into scoped ones
 * (`catalog/0003_catalog`), keeping each checksum and time of application, so nothing is applied
 * again. Runs inside the caller's transaction (which holds the migration lock): a failure leaves
 * the old record as it was, and a second run finds nothing to do.
 */
async function scopeRecordedIds(tx: Transaction, known: readonly Migration[]): Promise<number> {
  if (!(await hasUnscopedIds(tx))) return 0;
  const rows = (await tx.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations')).rows;
  await tx.query('ALTER TABLE schema_migrations ADD COLUMN id text');
  for (const r of rows) await tx.query('UPDATE schema_migrations SET id = $1 WHERE version = $2', [scopedId(known, r.version, r.name), r.version]);
  // Dropping `version` drops its primary key with it.
  await tx.exec('ALTER TABLE schema_migrations DROP COLUMN version, DROP COLUMN name, ALTER COLUMN id SET NOT NULL, ADD PRIMARY KEY (id)');
  return rows.length;
}

/** Creates the record of applied migrations, or brings an existing one to scoped identifiers. */
async function prepareMigrationTable(db: Database, known: readonly Migration[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(CREATE_TABLE);
    await scopeRecordedIds(tx, known);
  });
}

/**
 * The migrations the database records, in the order they were applied. A record not yet brought
 * to scoped identifiers (`migrate` does that) is read through `known`, without changing it.
 */
export async function appliedMigrations(db: Queryable, known: readonly Migration[] = []): Promise<AppliedMigration[]> {
  if (await hasUnscopedIds(db)) {
    const r = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    return r.rows.map((x) => ({ id: scopedId(known, x.version, x.name), checksum: x.checksum, applied_at: x.applied_at }));
  }
  const r = await db.query<AppliedMigration>('SELECT id, checksum, applied_at FROM schema_migrations ORDER BY applied_at, id');
  return r.rows;
}

/**
 * Applies pending migrations in the order given (db/modules.ts orders them); returns the
 * identifiers applied now. Safe to run twice and concurrently.
 */
export async function migrate(db: Database, all: readonly Migration[]): Promise<string[]> {
  checkDistinct(all);
  await prepareMigrationTable(db, all);
  const applied = new Map((await appliedMigrations(db)).map((m) => [m.id, m]));
  for (const m of all) {
    const done = applied.get(m.id);
    if (done && done.checksum !== m.checksum) {
      throw new Error(`migration ${m.id} changed after it was applied; add a new migration instead`);
    }
  }
  const now: string[] = [];
  for (const m of all.filter((x) => !applied.has(x.id))) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (again.rows.length > 0) return false; // another instance applied it meanwhile
      await m.up(tx);
      await tx.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      return true;
    });
    if (ran) now.push(m.id);
  }
  return now;
}

/** Identifiers known to the code but not applied to the database (readiness check, `status`). */
export async function pendingMigrations(db: Queryable, all: readonly Migration[]): Promise<string[]> {
  const applied = new Set((await appliedMigrations(db, all)).map((m) => m.id));
  return all.map((m) => m.id).filter((id) => !applied.has(id));
}
