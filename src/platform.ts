import path from 'node:path';
import { type Accounts, accountsRuntime, createAccounts } from './accounts/index.ts';
import { type Agreements, agreementsRuntime, createAgreements } from './agreements/index.ts';
import { DEFAULT_LEDGER_OPTIONS, type Ledger, createLedger, ledgerRuntime } from './ledger/index.ts';
import { type Gateway, type UpstreamService, createExportStore, createGateway, createUpstreamService, gatewayRuntime } from './gateway/index.ts';
import { type Calendar, calendarRuntime, createCalendar } from './calendar/index.ts';
import { type Lifecycle, createLifecycle, lifecycleRuntime } from './lifecycle/index.ts';
import { type Catalog, catalogRuntime, createCatalog } from './catalog/index.ts';
import { type CodeLists, codeListsRuntime, createCodeLists } from './codelists/index.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { fileCryptoProvider, publishTogether } from './core/crypto.ts';
import { createInvalidations } from './core/invalidations.ts';
import { fileKeyWrapper } from './core/kek-file.ts';
import { rateLimiters } from './core/rate-limit.ts';
import type { Config } from './core/config.ts';
import { type ModuleRuntime, orderModules } from './core/module.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import type { ModuleDeclaration } from './db/modules.ts';
import { toProblem } from './http/problems.ts';
import { MIGRATIONS, MODULES, type ModuleName } from './migrations.ts';
import { openDatabase } from './db/open.ts';
import { redisBuckets } from './db/redis.ts';
import { type NotificationService, createNotificationService, notificationsRuntime } from './notifications/index.ts';
import { COORDINATOR_AGENCY, type Registry, createRegistry, registryRuntime } from './registry/index.ts';
import { type DispatcherOptions, type Push, DEFAULT_DISPATCHER, createPush, pushRuntime } from './push/index.ts';
import { type Reports, createReports, reportsRuntime } from './reports/index.ts';
import { type Schedules, createSchedules, schedulesRuntime } from './schedules/index.ts';
import { type SealingStart, type Sync, createNotifier, createSync, natsTransport, syncRuntime } from './sync/index.ts';
import { type Warehouse, createWarehouse, warehouseRuntime } from './warehouse/index.ts';

export { MIGRATIONS } from './migrations.ts';

/** How long a start waits for Redis before counting on its own buckets (until Redis answers). */
const REDIS_WAIT_MS = 2_000;

/** A module of the running platform: its declaration joined with its running parts (core/module.ts). */
type PlatformModule = ModuleDeclaration<ModuleName> & ModuleRuntime;

export interface Platform {
  config: Config;
  clock: Clock;
  db: Database;
  registry: Registry;
  catalog: Catalog;
  codeLists: CodeLists;
  sync: Sync;
  accounts: Accounts;
  agreements: Agreements;
  notifications: NotificationService;
  ledger: Ledger;
  upstreams: UpstreamService;
  gateway: Gateway;
  calendar: Calendar;
  lifecycle: Lifecycle;
  /** Push subscriptions by webhook and their dispatcher (docs/push.md). */
  push: Push;
  reports: Reports;
  schedules: Schedules;
  warehouse: Warehouse;
  /** What the start did about sealed data: the KEK in force, whether it was created now, records sealed. */
  sealing: SealingStart;
  /** Every module, dependencies first: where jobs, shutdown, routes and OpenAPI tags are taken from. */
  modules: readonly PlatformModule[];
  close(): Promise<void>;
}

/**
 * Applies migrations, then inserts whatever reference data is missing (agencies, the Appendix
 * catalog…): each module's, in module order, since datasets name custodians and dictionary entries
 * name code lists. Returns the identifiers of the migrations applied now.
 */
export async function prepareDatabase(db: Database, clock: Clock): Promise<{ applied: string[]; seeded: number }> {
  const applied = await migrate(db, MIGRATIONS);
  const seeded = await db.transaction(async (tx) => {
    const now = clock.now();
    let added = 0;
    for (const m of MODULES_IN_ORDER) if (m.seed) added += await m.seed(tx, now);
    return added;
  });
  return { applied, seeded };
}

const MODULES_IN_ORDER = orderModules(MODULES);

/** Each declared module with its running parts; the parts are keyed by name, so the compiler sees one missing. */
function joinModules(parts: Record<ModuleName, ModuleRuntime>): PlatformModule[] {
  return MODULES_IN_ORDER.map((m) => ({ ...m, ...parts[m.name] }));
}

/** Composition root: opens the database, prepares it, wires the module services. */
export async function openPlatform(
  config: Config,
  opts: { clock?: Clock; db?: Database; push?: Partial<Omit<DispatcherOptions, 'publicUrl'>> } = {},
): Promise<Platform> {
  const clock = opts.clock ?? systemClock;
  const db = opts.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await prepareDatabase(db, clock);
  } catch (err) {
    // (the database may have gone away between opening and preparing: `serve` tries again)
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
  // Several instances are one platform: what one revokes, the others stop believing at once
  // (core/invalidations.ts), and the rate limits are one per key, not one per instance.
  const invalidations = createInvalidations(db.channels);
  await invalidations.start();
  const registry = createRegistry(db, clock, { sessionTtlSeconds: config.sessionTtlSeconds, publicUrl: config.publicUrl, invalidations });
  const codeLists = createCodeLists(db, clock);
  const catalog = createCatalog(db, clock, registry.agencies, codeLists);
  const notifications = createNotificationService(db, clock);
  const natsUrl = config.natsUrl;
  const notifier = natsUrl ? createNotifier(() => natsTransport(natsUrl)) : undefined;
  const sync = createSync(db, clock, { catalog, registry, codeLists, notifications }, fileKeyWrapper(config.kekFile), notifier);
  // Before anything is served: a missing or wrong KEK stops the start here (sync/sealing.ts).
  let sealing: SealingStart;
  try {
    sealing = await sync.sealing.start();
  } catch (err) {
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
  const agreements = createAgreements(db, clock, { registry, catalog, codeLists, notifications, invalidations });
  // Gateway responses are signed with their own Ed25519 key: several times cheaper than
  // ES256 per response; it is published in the same JWKS as the token key.
  const responseSigner = fileCryptoProvider(path.join(config.keyDir, 'responses'), 'EdDSA');
  const accounts = createAccounts(db, clock, {
    systems: registry.systems,
    agencies: registry.agencies,
    datasets: catalog.datasets,
    crypto: publishTogether(fileCryptoProvider(config.keyDir), responseSigner),
    issuer: config.publicUrl,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    grants: { datasetsFor: (system) => agreements.datasetsFor(system) },
    invalidations,
  });
  // The sharing-log key is separate from the token key, Ed25519 as C2SP signed notes want.
  const ledger = createLedger(db, clock, fileCryptoProvider(path.join(config.keyDir, 'log'), 'EdDSA'), {
    ...DEFAULT_LEDGER_OPTIONS,
    tileCacheBytes: config.ledgerTileCacheBytes,
    queueThreadUrl: db.driver === 'postgres' ? config.databaseUrl : undefined,
  });
  const upstreams = createUpstreamService(db, clock, catalog);
  // (Redis errors are not the caller's: each instance then keeps its own buckets, core/rate-limit.ts)
  const buckets = config.redisUrl ? redisBuckets(config.redisUrl, () => undefined) : undefined;
  await buckets?.ready(REDIS_WAIT_MS);
  const limits = rateLimiters(buckets);
  const calendar = createCalendar(db, clock);
  const lifecycle = createLifecycle(db, clock, { catalog, agreements, notifications, calendar, invalidations });
  const gateway = createGateway(
    clock,
    {
      catalog,
      sync,
      agreements,
      accounts,
      registry,
      ledger,
      upstreams,
      signer: responseSigner,
      // Group commit: concurrent exchanges share one INSERT and one WAL flush; each resolves only after COMMIT.
      append: (log, entry, content) => ledger.appendDurable(log, entry, content),
      serviceBlock: (dataset, at) => lifecycle.serviceBlock(dataset, at),
      problemOf: toProblem,
      exports: createExportStore(db),
    },
    {
      ratePerSecond: config.rateLimitPerSecond,
      unidentifiedPerSecond: config.unidentifiedPerSecond,
      coordinatorLog: COORDINATOR_AGENCY,
      maxResponseBytes: config.proxyMaxResponseBytes,
      issuer: config.publicUrl,
      limits,
      responseSignatures: config.responseSignatures,
      tslcdEgress: config.tslcdEgress,
    },
  );
  const push = createPush(
    db,
    clock,
    { feed: sync.feed, gateway, keyDir: config.keyDir, changes: sync.notifier },
    {
      ...DEFAULT_DISPATCHER,
      pollMs: config.pushPollMs,
      timeoutMs: config.pushTimeoutMs,
      concurrency: config.pushConcurrency,
      publicUrl: config.publicUrl,
      ...opts.push,
    },
  );
  const schedules = createSchedules(db, clock, {
    catalog,
    sync,
    agreements,
    registry,
    upstreams,
    gateway,
    serviceBlock: (dataset, at) => lifecycle.serviceBlock(dataset, at),
  });
  const reports = createReports(db, clock, {
    registry,
    agreements,
    lifecycle,
    accounts,
    ledger,
    catalog,
    sync,
    yearly: { catalog, quality: sync.quality, notifications, calendar, reminderWorkingDays: config.yearlyReminderWorkingDays },
  });
  const warehouse = createWarehouse(db, clock, config.warehouseFile, {
    catalog,
    codeLists,
    feed: sync.feed,
    agreements,
    ledger,
    coordinatorLog: COORDINATOR_AGENCY,
  });
  const bulkLimit = config.bulkBodyLimitBytes;
  const modules = joinModules({
    registry: registryRuntime(registry),
    codelists: codeListsRuntime(codeLists, bulkLimit),
    catalog: catalogRuntime(catalog, bulkLimit),
    sync: syncRuntime(sync, bulkLimit),
    notifications: notificationsRuntime(notifications),
    agreements: agreementsRuntime(agreements),
    accounts: accountsRuntime(accounts, config.unidentifiedPerSecond, limits),
    ledger: ledgerRuntime(ledger, accounts.verifyAccessToken),
    calendar: calendarRuntime(calendar),
    lifecycle: lifecycleRuntime(lifecycle, config.publicUrl),
    gateway: gatewayRuntime(gateway, upstreams, { recordBodyLimit: config.bodyLimitBytes, bulkBodyLimit: bulkLimit }),
    push: pushRuntime(push, gateway, opts.push?.pollMs ?? config.pushPollMs),
    reports: reportsRuntime(reports),
    schedules: schedulesRuntime(schedules),
    warehouse: warehouseRuntime(warehouse),
  });
  return {
    config,
    clock,
    db,
    registry,
    catalog,
    codeLists,
    sync,
    accounts,
    agreements,
    notifications,
    ledger,
    upstreams,
    gateway,
    calendar,
    lifecycle,
    push,
    reports,
    schedules,
    warehouse,
    sealing,
    modules,
    close: async () => {
      // Dependents first: the gateway's last summaries go through the sharing log, which needs the database.
      try {
        for (const m of [...modules].reverse()) await m.close?.();
      } finally {
        invalidations.close();
        await buckets?.close();
        await db.close();
      }
    },
  };
}

/**
 * Periodic work of a running server: every module's jobs (the sharing log's integration, webhook
 * deliveries, the agreement expiry sweep…), each safe with several instances. A job that fails
 * (the database restarting…) waits longer after each failure in a row, up to `MAX_BACKOFF_MS`, and
 * is back on its own period after its first success.
 */
export function startBackgroundWork(p: Platform, log: (err: unknown, what: string, retryInMs: number) => void): () => void {
  const stops = p.modules.flatMap((m) => (m.jobs ?? []).map((job) => periodic(job.periodMs, job.name, () => job.run(), log)));
  return () => stops.forEach((stop) => stop());
}

/** The longest a failing job waits before trying again: the log is integrated soon after the database is back. */
const MAX_BACKOFF_MS = 5_000;

/** Runs `fn` every `ms` (never two at once); after n failures in a row, waits min(ms·2ⁿ, MAX_BACKOFF_MS). */
function periodic(ms: number, what: string, fn: () => Promise<unknown>, log: (err: unknown, what: string, retryInMs: number) => void): () => void {
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(run, delay);
    timer.unref();
  };
  const run = () => {
    fn().then(
      () => {
        failures = 0;
        schedule(ms);
      },
      (err: unknown) => {
        failures += 1;
        const delay = Math.min(ms * 2 ** failures, Math.max(ms, MAX_BACKOFF_MS));
        log(err, what, delay);
        schedule(delay);
      },
    );
  };
  schedule(ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
