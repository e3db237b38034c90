import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Database, DriverName } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { type App, buildServer } from '../../src/http/server.ts';
import { type Platform, openPlatform } from '../../src/platform.ts';
import { ensureFirstAdmin } from '../../src/registry/bootstrap.ts';
import { totpCode } from '../../src/registry/credentials.ts';

/** PGlite always; the PostgreSQL server too when LIENTHONG_TEST_DATABASE_URL is set (CI sets it). */
export const TEST_PG_URL = process.env.LIENTHONG_TEST_DATABASE_URL;
export const DRIVERS: DriverName[] = TEST_PG_URL ? ['pglite', 'postgres'] : ['pglite'];

export const ADMIN_PASSWORD = 'mat-khau-quan-tri-2025';
export const ADMIN_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** A fresh, empty database: in-memory PGlite, or a new database on the PostgreSQL server. */
export async function freshDatabase(driver: DriverName): Promise<{ db: Database; url?: string; drop(): Promise<void> }> {
  if (driver === 'pglite') {
    const db = await openDatabase({});
    return { db, drop: async () => undefined };
  }
  const name = `lt_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL!);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString() });
  return {
    db,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A fresh database for the enclosing `describe`: opened and handed to `setup` before its tests,
 * closed and dropped after them.
 */
export function useFreshDatabase(driver: DriverName, setup: (db: Database) => Promise<void>): void {
  let fresh: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    fresh = await freshDatabase(driver);
    await setup(fresh.db);
  });
  afterAll(async () => {
    await fresh?.db.close();
    await fresh?.drop();
  });
}

export interface TestEnv {
  driver: DriverName;
  platform: Platform;
  app: App;
  clock: ManualClock;
  /** Signs in and returns the Authorization header value; the TOTP secret defaults to the one the user enrolled with here. */
  login(username: string, password: string, totpSecret?: string): Promise<string>;
  adminAuth(): Promise<string>;
  /**
   * Creates an official through the API as the coordinator does, completes the enrolment link
   * (password `mat-khau-<username>-2025`, a new TOTP secret) and signs them in.
   */
  userAuth(username: string, agency: string, roles: string[]): Promise<string>;
  /** Uses an enrolment link as its official would: opens it, sets the password, confirms the TOTP secret (returned). */
  enrol(url: string, password: string): Promise<string>;
  /** TOTP secrets of the officials enrolled through `userAuth`/`enrol`, by username. */
  totpSecrets: Map<string, string>;
  /** records, as the coordinator, the decision approving `level` for a system (so it may share). */
  approveSecurityLevel(code: string, level: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEnv(driver: DriverName, env: Record<string, string> = {}): Promise<TestEnv> {
  const { db, url, drop } = await freshDatabase(driver);
  const clock = new ManualClock(new Date('2026-03-02T02:00:00Z'));
  // Keys in a temporary folder, never in the working tree's ./data.
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-keys-'));
  // The server's URL too (as `serve` has it): the sharing log's queue thread connects with it.
  const config = {
    ...loadConfig({
      LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP,
      LIENTHONG_KEY_DIR: keyDir,
      ...(url ? { DATABASE_URL: url } : {}),
      ...env,
    }),
  };
  const platform = await openPlatform(config, { clock, db });
  await ensureFirstAdmin(platform.registry.users, config);
  const app = await buildServer(platform, { logger: false });

  const totpSecrets = new Map<string, string>([['admin', ADMIN_TOTP]]);
  let adminSession: { header: string; expires: number } | undefined;

  async function signIn(username: string, password: string, totpSecret = totpSecrets.get(username)): Promise<{ header: string; expires: number }> {
    // Each TOTP code is single-use: move past the last step before signing in again.
    clock.advance(31_000);
    const body: Record<string, string> = { username, password };
    if (totpSecret) body.totp = totpCode(totpSecret, clock.now());
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    return { header: `Bearer ${res.json().token}`, expires: new Date(res.json().expires_at).getTime() };
  }
  const login = async (username: string, password: string, totpSecret?: string) => (await signIn(username, password, totpSecret)).header;

  async function adminAuth(): Promise<string> {
    // Tests move the clock: a session past its expiry is replaced.
    if (!adminSession || adminSession.expires <= clock.now().getTime() + 60_000) adminSession = await signIn('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    return adminSession.header;
  }

  async function enrol(url: string, password: string): Promise<string> {
    const path = new URL(url).pathname.replace(/^\/enrol\//, '/api/v1/enrolments/');
    const view = await app.inject({ method: 'GET', url: path });
    if (view.statusCode !== 200) throw new Error(`enrolment view failed: ${view.statusCode} ${view.body}`);
    const { username, totp_secret } = view.json() as { username: string; totp_secret: string };
    clock.advance(31_000);
    const done = await app.inject({ method: 'POST', url: path, payload: { password, totp: totpCode(totp_secret, clock.now()) } });
    if (done.statusCode !== 204) throw new Error(`enrolment failed: ${done.statusCode} ${done.body}`);
    totpSecrets.set(username, totp_secret);
    return totp_secret;
  }

  return {
    driver,
    platform,
    app,
    clock,
    login,
    adminAuth,
    enrol,
    totpSecrets,
    async userAuth(username, agency, roles) {
      const password = `mat-khau-${username}-2025`;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: await adminAuth() },
        payload: { username, full_name: `Cán bộ ${username}`, agency_code: agency, roles },
      });
      if (res.statusCode !== 201) throw new Error(`create user ${username} failed: ${res.statusCode} ${res.body}`);
      const secret = await enrol(res.json().enrolment.url, password);
      return login(username, password, secret);
    },
    async approveSecurityLevel(code, level) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/systems/${code}/security-level-decisions`,
        headers: { authorization: await adminAuth() },
        payload: {
          security_level: level,
          decision_number: `${level}/QĐ-VPTW`,
          decided_on: '2026-01-15',
          issuer: 'Văn phòng Trung ương Đảng',
          document_reference: `HS-${code}`,
        },
      });
      if (res.statusCode !== 201) throw new Error(`security-level decision for ${code} failed: ${res.statusCode} ${res.body}`);
    },
    async close() {
      await app.close();
      await platform.close().catch(() => undefined); // a test may have closed it already
      await drop();
      fs.rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
