import { type ModuleNode, orderModules } from '../core/module.ts';
import type { Queryable } from './database.ts';
import { type Migration, sqlMigrations } from './migrate.ts';

/**
 * A module's declaration: what the database needs of it. Kept in `src/<module>/module.ts`, a file
 * that loads no service, route or framework code, so that `lienthong status` and the readiness
 * check read the migrations cheaply. The running parts (routes, jobs, shutdown) are the module's
 * `ModuleRuntime` (core/module.ts).
 */
export interface ModuleDeclaration<N extends string = string> extends ModuleNode {
  readonly name: N;
  /** Its SQL migrations, identified `<name>/NNNN_name`, in version order. */
  readonly migrations: readonly Migration[];
  /**
   * Inserts whatever of its reference data is missing; returns the rows added. Runs after every
   * migration, in module order (a module's reference data may name its dependencies' rows).
   */
  seed?(tx: Queryable, now: Date): Promise<number>;
}

/**
 * Declares a module. `home` is a file of the module's folder (its module.ts's `import.meta.url`):
 * its migrations are the `migrations/NNNN_name.sql` files beside it.
 */
export function declareModule<const N extends string>(d: {
  name: N;
  dependsOn: readonly string[];
  home: string;
  seed?: (tx: Queryable, now: Date) => Promise<number>;
}): ModuleDeclaration<N> {
  return { name: d.name, dependsOn: d.dependsOn, migrations: sqlMigrations(d.name, d.home), ...(d.seed && { seed: d.seed }) };
}

/** The platform's own tables (the change history every module writes to): migrated before any module. */
export const PLATFORM_SCHEMA: ModuleDeclaration<'db'> = declareModule({ name: 'db', dependsOn: [], home: import.meta.url });

/**
 * Every migration of the modules, in the order to apply them: the platform's own first, then
 * each module's after those of the modules it depends on. Throws on a wrong declaration
 * (duplicate, unknown dependency, cycle).
 */
export function migrationsInOrder(modules: readonly ModuleDeclaration[]): Migration[] {
  // Listed first and depending on nothing, the platform's own schema comes first.
  return orderModules([PLATFORM_SCHEMA, ...modules]).flatMap((m) => m.migrations);
}
