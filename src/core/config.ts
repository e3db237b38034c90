import path from 'node:path';

/**
 * Every setting comes from the environment (12-factor); the README's
 * configuration table lists the same variables. Parsing fails loudly at start
 * rather than running with a half-understood setting.
 */
export interface Config {
  host: string;
  port: number;
  /** PostgreSQL server URL; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  adminPassword: string | undefined;
  adminTotpSecret: string | undefined;
  sessionTtlSeconds: number;
  bodyLimitBytes: number;
  logLevel: string;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return n;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: optional(env, 'HOST') ?? '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    databaseUrl: optional(env, 'DATABASE_URL'),
    dataDir: path.resolve(optional(env, 'LIENTHONG_DATA_DIR') ?? './data'),
    adminPassword: optional(env, 'LIENTHONG_ADMIN_PASSWORD'),
    adminTotpSecret: optional(env, 'LIENTHONG_ADMIN_TOTP_SECRET'),
    sessionTtlSeconds: int(env, 'LIENTHONG_SESSION_TTL_SECONDS', 8 * 3600, 60, 7 * 24 * 3600),
    bodyLimitBytes: int(env, 'LIENTHONG_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    logLevel: optional(env, 'LIENTHONG_LOG_LEVEL') ?? 'info',
  };
}
