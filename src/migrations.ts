import type { Migration } from './db/migrate.ts';
import { type ModuleDeclaration, PLATFORM_SCHEMA, migrationsInOrder } from './db/modules.ts';
import { accountsModule } from './accounts/module.ts';
import { agreementsModule } from './agreements/module.ts';
import { calendarModule } from './calendar/module.ts';
import { catalogModule } from './catalog/module.ts';
import { codeListsModule } from './codelists/module.ts';
import { gatewayModule } from './gateway/module.ts';
import { ledgerModule } from './ledger/module.ts';
import { lifecycleModule } from './lifecycle/module.ts';
import { notificationsModule } from './notifications/module.ts';
import { pushModule } from './push/module.ts';
import { registryModule } from './registry/module.ts';
import { reportsModule } from './reports/module.ts';
import { schedulesModule } from './schedules/module.ts';
import { syncModule } from './sync/module.ts';
import { warehouseModule } from './warehouse/module.ts';

/**
 * The modules of the platform: the one list platform.ts joins with their running parts and
 * http/server.ts registers the routes of. Declarations only (each module's module.ts), so that
 * `lienthong status` and `migrate` load no service, route or framework code. The order is kept
 * where dependencies allow (migrations, seeds, routes, OpenAPI tags); dependencies come first.
 */
export const MODULES = [
  registryModule,
  codeListsModule,
  catalogModule,
  notificationsModule,
  syncModule,
  agreementsModule,
  accountsModule,
  ledgerModule,
  calendarModule,
  lifecycleModule,
  gatewayModule,
  pushModule,
  reportsModule,
  schedulesModule,
  warehouseModule,
] as const;

export type ModuleName = (typeof MODULES)[number]['name'];

/** Every migration, in the order to apply them (checked at load: a wrong declaration stops here, naming it). */
export const MIGRATIONS: Migration[] = migrationsInOrder(MODULES);

/** The migrations of the modules named alone, in order ('db' for the platform's own tables): a module's tables in tests. */
export function migrationsOf(...names: string[]): Migration[] {
  const known = new Map<string, ModuleDeclaration>([PLATFORM_SCHEMA, ...MODULES].map((m) => [m.name, m]));
  return names.flatMap((n) => {
    const m = known.get(n);
    if (!m) throw new Error(`no module "${n}"`);
    return m.migrations;
  });
}
