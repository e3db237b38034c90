import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable, Transaction } from './database.ts';

/**
 * Numbered migrations. SQL files live beside the module that owns the tables
 * (`src/<module>/migrations/NNNN_name.sql`); reference-data seeds are code
 * steps of the owning module. Each step runs in its own transaction under an
 * advisory lock, so several instances starting together apply it once.
 */
export interface Migration {
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

/** Loads `NNNN_name.sql` files from a module's migrations folder. */
export function sqlMigrations(moduleUrl: string): Migration[] {
  const dir = path.join(path.dirname(fileURLToPath(moduleUrl)), 'migrations');
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .map((file) => {
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        checksum: sha256(sql),
        up: (tx: Transaction) => tx.exec(sql),
      };
    });
}

export function orderMigrations(all: Migration[]): Migration[] {
  const sorted = [...all].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new Error(`two migrations share version ${sorted[i]!.version}`);
    }
  }
  return sorted;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

async function ensureTable(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
}

export async function appliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  const r = await db.query<AppliedMigration>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return r.rows;
}

/** Applies pending migrations; returns the versions applied now. Safe to run twice and concurrently. */
export async function migrate(db: Database, all: Migration[]): Promise<number[]> {
  const migrations = orderMigrations(all);
  await ensureTable(db);
  const applied = new Map((await appliedMigrations(db)).map((m) => [m.version, m]));
  for (const m of migrations) {
    const done = applied.get(m.version);
    if (done && done.checksum !== m.checksum) {
      throw new Error(`migration ${m.version}_${m.name} changed after it was applied; add a new migration instead`);
    }
  }
  const now: number[] = [];
  for (const m of migrations.filter((x) => !applied.has(x.version))) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (again.rows.length > 0) return false; // another instance applied it meanwhile
      await m.up(tx);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (ran) now.push(m.version);
  }
  return now;
}

/** Versions known to the code but not applied to the database (readiness check). */
export async function pendingMigrations(db: Queryable, all: Migration[]): Promise<number[]> {
  const applied = new Set((await appliedMigrations(db)).map((m) => m.version));
  return orderMigrations(all)
    .map((m) => m.version)
    .filter((v) => !applied.has(v));
}
