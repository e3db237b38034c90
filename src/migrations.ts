import { type Migration, orderMigrations, sqlMigrations } from './db/migrate.ts';

/**
 * The folders whose `migrations/` hold SQL migrations, in no particular order (versions order
 * them). Read here rather than through each module's index, so `lienthong status` and `migrate`
 * load no service, route or framework code.
 */
const MODULES_WITH_TABLES = [
  'db',
  'registry',
  'catalog',
  'codelists',
  'sync',
  'accounts',
  'agreements',
  'notifications',
  'ledger',
  'gateway',
  'calendar',
  'lifecycle',
];

/** The migrations of the modules named, in version order (a module's tables alone, in tests). */
export function migrationsOf(...modules: string[]): Migration[] {
  return orderMigrations(modules.flatMap((m) => sqlMigrations(new URL(`./${m}/index.ts`, import.meta.url).href)));
}

/** Every module's migrations, in version order. */
export const MIGRATIONS: Migration[] = migrationsOf(...MODULES_WITH_TABLES);
