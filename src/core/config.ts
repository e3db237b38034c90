import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Listener, parseListeners, tslcdEgress } from './zones.ts';

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
  /** nats://… : change notifications between instances travel on NATS instead of the database's LISTEN/NOTIFY. */
  natsUrl: string | undefined;
  /** redis://… : rate limits kept in Redis, shared by every instance (per instance without it). */
  redisUrl: string | undefined;
  dataDir: string;
  adminPassword: string | undefined;
  adminTotpSecret: string | undefined;
  sessionTtlSeconds: number;
  bodyLimitBytes: number;
  /** Bodies of bulk routes: batch writes, record validation, code-list imports. */
  bulkBodyLimitBytes: number;
  logLevel: string;
  /** Platform signing keys, outside the database (core/crypto.ts). */
  keyDir: string;
  /** The key-encryption key secret records are sealed under, outside the database (core/kek-file.ts; R-4.7, R-11). */
  kekFile: string;
  /** The OAuth issuer and base of the URLs the platform publishes (token endpoint, JWKS). */
  publicUrl: string;
  accessTokenTtlSeconds: number;
  /** The address calls carrying secret data to custodians' services leave from (R-12.2); null: none are made. */
  tslcdEgress: string | null;
  /** Addresses to listen on, each tagged with its network zone (R-12.2); the first is HOST:PORT. */
  listeners: Listener[];
  /** Gateway requests per second per connection account (an operating limit). */
  rateLimitPerSecond: number;
  /** Refusals of unidentified callers logged one by one per second and client address (then 429, counted in summaries). */
  unidentifiedPerSecond: number;
  /** Slowest requests: headers must arrive within this, the whole request within `requestTimeoutMs`. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest custodian-service answer the gateway takes (it is signed and hashed whole). */
  proxyMaxResponseBytes: number;
  /**
   * How gateway answers are signed (R-5.3): `each` — a detached JWS per answer; `batch` — answers
   * signed together share one Ed25519 signature over a Merkle root (docs/batch-signatures.md).
   */
  responseSignatures: ResponseSignatures;
  /** Memory for sharing-log tiles kept for proofs (ledger/tile-cache.ts). */
  ledgerTileCacheBytes: number;
  /** Push deliveries (docs/push.md): how often the dispatcher looks for work, a delivery's timeout, deliveries in flight per instance. */
  pushPollMs: number;
  pushTimeoutMs: number;
  pushConcurrency: number;
  /** The web console's build (index.html, assets/), served at `/` when it exists (src/console/static.ts). */
  consoleDir: string;
  /** Working days before 25/12 the yearly report's reminder reaches each custodian (R-18.1). */
  yearlyReminderWorkingDays: number;
  /** The shared data warehouse's DuckDB file (R-7.3; docs/warehouse.md), opened on first use; `:memory:` keeps it in memory. */
  warehouseFile: string;
}

export type ResponseSignatures = 'each' | 'batch';

function responseSignatures(env: NodeJS.ProcessEnv): ResponseSignatures {
  const v = optional(env, 'LIENTHONG_RESPONSE_SIGNATURES') ?? 'each';
  if (v !== 'each' && v !== 'batch') throw new Error(`LIENTHONG_RESPONSE_SIGNATURES must be each or batch, got "${v}"`);
  return v;
}

/** `<repo>/web/dist`, from src/core or dist/core alike. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

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

/** An http(s) origin with an optional path, without query, fragment or trailing slash (an OAuth issuer, RFC 8414 §2). */
function publicUrl(env: NodeJS.ProcessEnv, host: string, port: number): string {
  const raw = optional(env, 'LIENTHONG_PUBLIC_URL');
  if (raw === undefined) {
    const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`LIENTHONG_PUBLIC_URL must be an absolute URL, got "${raw}"`);
  }
  if (!/^https?:$/.test(url.protocol) || raw.includes('?') || raw.includes('#')) {
    throw new Error(`LIENTHONG_PUBLIC_URL must be an http(s) URL without query or fragment, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** The zone of the single HOST:PORT listener when LIENTHONG_LISTEN is not set. */
function zoneOf(env: NodeJS.ProcessEnv): Listener['zone'] {
  const z = optional(env, 'LIENTHONG_ZONE') ?? 'internet';
  if (z !== 'internet' && z !== 'tslcd') throw new Error(`LIENTHONG_ZONE must be internet or tslcd, got "${z}"`);
  return z;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const listen = optional(env, 'LIENTHONG_LISTEN');
  const listeners = listen
    ? parseListeners(listen)
    : [{ zone: zoneOf(env), host: optional(env, 'HOST') ?? '127.0.0.1', port: int(env, 'PORT', 8080, 0, 65535) }];
  const { host, port } = listeners[0]!;
  const dataDir = path.resolve(optional(env, 'LIENTHONG_DATA_DIR') ?? './data');
  const keyDir = path.resolve(optional(env, 'LIENTHONG_KEY_DIR') ?? path.join(dataDir, 'keys'));
  return {
    host,
    port,
    databaseUrl: optional(env, 'DATABASE_URL'),
    natsUrl: optional(env, 'NATS_URL'),
    redisUrl: optional(env, 'REDIS_URL'),
    dataDir,
    adminPassword: optional(env, 'LIENTHONG_ADMIN_PASSWORD'),
    adminTotpSecret: optional(env, 'LIENTHONG_ADMIN_TOTP_SECRET'),
    sessionTtlSeconds: int(env, 'LIENTHONG_SESSION_TTL_SECONDS', 8 * 3600, 60, 7 * 24 * 3600),
    bodyLimitBytes: int(env, 'LIENTHONG_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    bulkBodyLimitBytes: int(env, 'LIENTHONG_BULK_BODY_LIMIT_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel: optional(env, 'LIENTHONG_LOG_LEVEL') ?? 'info',
    keyDir,
    kekFile: path.resolve(optional(env, 'LIENTHONG_KEK_FILE') ?? path.join(keyDir, 'sealing', 'kek.key')),
    publicUrl: publicUrl(env, host, port),
    accessTokenTtlSeconds: int(env, 'LIENTHONG_ACCESS_TOKEN_TTL_SECONDS', 300, 30, 3600),
    listeners,
    tslcdEgress: tslcdEgress(listeners, optional(env, 'LIENTHONG_TSLCD_EGRESS')),
    rateLimitPerSecond: int(env, 'LIENTHONG_RATE_LIMIT_PER_SECOND', 100, 1, 10_000_000),
    unidentifiedPerSecond: int(env, 'LIENTHONG_UNIDENTIFIED_PER_SECOND', 2, 1, 1_000_000),
    headersTimeoutMs: int(env, 'LIENTHONG_HEADERS_TIMEOUT_SECONDS', 10, 1, 600) * 1000,
    requestTimeoutMs: int(env, 'LIENTHONG_REQUEST_TIMEOUT_SECONDS', 60, 1, 3600) * 1000,
    proxyMaxResponseBytes: int(env, 'LIENTHONG_PROXY_MAX_RESPONSE_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    responseSignatures: responseSignatures(env),
    ledgerTileCacheBytes: int(env, 'LIENTHONG_LEDGER_TILE_CACHE_MB', 128, 1, 65_536) * 2 ** 20,
    pushPollMs: int(env, 'LIENTHONG_PUSH_POLL_MS', 250, 10, 60_000),
    pushTimeoutMs: int(env, 'LIENTHONG_PUSH_TIMEOUT_MS', 10_000, 100, 120_000),
    pushConcurrency: int(env, 'LIENTHONG_PUSH_CONCURRENCY', 64, 1, 10_000),
    consoleDir: path.resolve(optional(env, 'LIENTHONG_CONSOLE_DIR') ?? DEFAULT_CONSOLE_DIR),
    yearlyReminderWorkingDays: int(env, 'LIENTHONG_YEARLY_REMINDER_WORKING_DAYS', 5, 1, 60),
    warehouseFile: warehouseFile(optional(env, 'LIENTHONG_WAREHOUSE_FILE'), dataDir),
  };
}

function warehouseFile(value: string | undefined, dataDir: string): string {
  if (value === ':memory:') return value;
  return path.resolve(value ?? path.join(dataDir, 'warehouse', 'warehouse.duckdb'));
}
