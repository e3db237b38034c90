import path from 'node:path';
import { type Accounts, createAccounts } from './accounts/index.ts';
import { type Agreements, createAgreements } from './agreements/index.ts';
import { DEFAULT_LEDGER_OPTIONS, type Ledger, createLedger } from './ledger/index.ts';
import { type Gateway, type UpstreamService, createGateway, createUpstreamService } from './gateway/index.ts';
import { type Calendar, createCalendar, seedCalendar } from './calendar/index.ts';
import { type Lifecycle, createLifecycle } from './lifecycle/index.ts';
import { type Catalog, createCatalog } from './catalog/index.ts';
import { seedCatalog } from './catalog/seed.ts';
import { type CodeLists, createCodeLists } from './codelists/index.ts';
import { seedCodeLists } from './codelists/seed.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { fileCryptoProvider, publishTogether } from './core/crypto.ts';
import { fileKeyWrapper } from './core/kek-file.ts';
import type { Config } from './core/config.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { toProblem } from './http/problems.ts';
import { MIGRATIONS } from './migrations.ts';
import { openDatabase } from './db/open.ts';
import { type NotificationService, createNotificationService } from './notifications/index.ts';
import { type Registry, createRegistry } from './registry/index.ts';
import { seedAgencies } from './registry/seed.ts';
import { COORDINATOR_AGENCY } from './registry/users.ts';
import { type SealingStart, type Sync, createSync } from './sync/index.ts';

export { MIGRATIONS } from './migrations.ts';

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
  /** What the start did about sealed data: the KEK in force, whether it was created now, records sealed. */
  sealing: SealingStart;
  close(): Promise<void>;
}

/** Applies migrations, then inserts whatever reference data is missing (agencies, the Appendix catalog). */
export async function prepareDatabase(db: Database, clock: Clock): Promise<{ applied: number[]; seeded: number }> {
  const applied = await migrate(db, MIGRATIONS);
  const seeded = await db.transaction(async (tx) => {
    const now = clock.now();
    // Order matters: datasets name custodians, dictionary entries name code lists.
    return (await seedAgencies(tx, now)) + (await seedCodeLists(tx, now)) + (await seedCatalog(tx, now)) + (await seedCalendar(tx, now));
  });
  return { applied, seeded };
}

/** Composition root: opens the database, prepares it, wires the module services. */
export async function openPlatform(config: Config, opts: { clock?: Clock; db?: Database } = {}): Promise<Platform> {
  const clock = opts.clock ?? systemClock;
  const db = opts.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await prepareDatabase(db, clock);
  } catch (err) {
    // (the database may have gone away between opening and preparing: `serve` tries again)
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
  const registry = createRegistry(db, clock, { sessionTtlSeconds: config.sessionTtlSeconds, publicUrl: config.publicUrl });
  const codeLists = createCodeLists(db, clock);
  const catalog = createCatalog(db, clock, registry.agencies, codeLists);
  const sync = createSync(db, clock, catalog, fileKeyWrapper(config.kekFile));
  // Before anything is served: a missing or wrong KEK stops the start here (sync/sealing.ts).
  let sealing: SealingStart;
  try {
    sealing = await sync.sealing.start();
  } catch (err) {
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
  const notifications = createNotificationService(db, clock);
  const agreements = createAgreements(db, clock, { registry, catalog, codeLists, notifications });
  // Gateway responses are signed with their own Ed25519 key: several times cheaper than
  // ES256 per response; it is published in the same JWKS as the token key.
  const responseSigner = fileCryptoProvider(path.join(config.keyDir, 'responses'), 'EdDSA');
  const accounts = createAccounts(db, clock, { systems: registry.systems, agencies: registry.agencies, datasets: catalog.datasets, crypto: publishTogether(fileCryptoProvider(config.keyDir), responseSigner), issuer: config.publicUrl, accessTokenTtlSeconds: config.accessTokenTtlSeconds, grants: { datasetsFor: (system) => agreements.datasetsFor(system) } });
  // The sharing-log key is separate from the token key, Ed25519 as C2SP signed notes want.
  const ledger = createLedger(db, clock, fileCryptoProvider(path.join(config.keyDir, 'log'), 'EdDSA'), { ...DEFAULT_LEDGER_OPTIONS, tileCacheBytes: config.ledgerTileCacheBytes, queueThreadUrl: db.driver === 'postgres' ? config.databaseUrl : undefined });
  const upstreams = createUpstreamService(db, clock, catalog);
  const calendar = createCalendar(db, clock);
  const lifecycle = createLifecycle(db, clock, { catalog, agreements, notifications, calendar });
  const gateway = createGateway(clock, {
    catalog, sync, agreements, accounts, registry, ledger, upstreams, signer: responseSigner,
    // Group commit: concurrent exchanges share one INSERT and one WAL flush; each resolves only after COMMIT.
    append: (log, entry, content) => ledger.appendDurable(log, entry, content),
    serviceBlock: (dataset, at) => lifecycle.serviceBlock(dataset, at),
    problemOf: toProblem,
  }, { ratePerSecond: config.rateLimitPerSecond, unidentifiedPerSecond: config.unidentifiedPerSecond, coordinatorLog: COORDINATOR_AGENCY, maxResponseBytes: config.proxyMaxResponseBytes, issuer: config.publicUrl });
  return {
    config, clock, db, registry, catalog, codeLists, sync, accounts, agreements, notifications, ledger, upstreams, gateway, calendar, lifecycle, sealing,
    close: async () => {
      await gateway.close().catch(() => undefined); // (the last summaries need the database, which may be gone)
      await ledger.close();
      await db.close();
    },
  };
}

/**
 * Periodic work of a running server: sharing-log integration (every 250 ms), webhook
 * deliveries (every 2 s), the agreement expiry sweep and the sealing of secret records left in clear (every minute). Safe with several instances: a
 * delivery is updated by whoever sends it, a sweep re-checks under a row lock. A job that fails
 * (the database restarting…) waits longer after each failure in a row, up to `MAX_BACKOFF_MS`, and
 * is back on its own period after its first success.
 */
export function startBackgroundWork(p: Platform, log: (err: unknown, what: string, retryInMs: number) => void): () => void {
  const jobs = [
    periodic(250, 'sharing-log integration', () => p.ledger.integrateAll(), log),
    periodic(2_000, 'webhook deliveries', () => p.notifications.deliverDue(), log),
    periodic(60_000, 'agreement expiries', () => p.agreements.service.sweepExpiries(), log),
    // Records of a dataset classified secret after they were written are sealed within a minute.
    periodic(60_000, 'sealing secret records', () => p.sync.sealing.sealClear(), log),
  ];
  return () => jobs.forEach((stop) => stop());
}

/** The longest a failing job waits before trying again: the log is integrated soon after the database is back. */
export const MAX_BACKOFF_MS = 5_000;

/** Runs `fn` every `ms` (never two at once); after n failures in a row, waits min(ms·2ⁿ, MAX_BACKOFF_MS). */
export function periodic(ms: number, what: string, fn: () => Promise<unknown>, log: (err: unknown, what: string, retryInMs: number) => void): () => void {
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
