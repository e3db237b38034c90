import { forbidden, invalid, notFound } from '../core/errors.ts';
import { createCache } from '../core/cache.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import type { Catalog } from '../catalog/index.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';

/** How the gateway reaches a custodian's own service (R-6.1b) and authenticates to it. */
export interface ProxyService {
  dataset_code: string;
  base_url: string;
  /** `platform_jwt`: a 60-second JWT signed by the platform key, audience = base_url. */
  auth: 'none' | 'platform_jwt';
  timeout_ms: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type ProxyServiceInput = Pick<ProxyService, 'base_url' | 'auth'> & { timeout_ms?: number | undefined };

const COLUMNS = 'dataset_code, base_url, auth, timeout_ms, version, created_at, updated_at';
const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('/base_url', 'Địa chỉ dịch vụ phải là URL tuyệt đối.', 'The service address must be an absolute URL.');
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw invalid(
      '/base_url',
      'Địa chỉ dịch vụ phải là http(s), không có tham số truy vấn, phân đoạn hay mật khẩu.',
      'The service address must be http(s) without query, fragment or credentials.',
    );
  }
  return url.href.replace(/\/+$/, '');
}

export function createUpstreamService(db: Database, clock: Clock, catalog: Catalog) {
  // Read on every proxied request: at most once a second per dataset, and at once after a change here.
  const cache = createCache<string, ProxyService | null>({ max: 10_000, ttlMs: 1000 });

  async function load(code: string): Promise<ProxyService | null> {
    const r = await db.query<ProxyService>(`SELECT ${COLUMNS} FROM proxy_services WHERE dataset_code = $1`, [code]);
    return r.rows[0] ?? null;
  }

  /** the custodian (or the coordinator) says where its service is. */
  async function requireCustodian(p: Principal, code: string) {
    const d = await catalog.datasets.get(code);
    if (!administers(p, d.custodian_code, 'custodian_admin')) {
      throw forbidden(
        'Chỉ quản trị viên của cơ quan chủ quản khai báo dịch vụ cung cấp dữ liệu.',
        "Only the custodian's administrators register the dataset's service.",
        'R-4.1',
      );
    }
    return d;
  }

  return {
    async set(p: Principal, code: string, input: ProxyServiceInput, reason?: string): Promise<ProxyService> {
      // A proxy dataset's service answers consumers' reads (R-6.1b); a hosted dataset's is what scheduled pulls read (R-6.1c).
      await requireCustodian(p, code);
      const base = checkBaseUrl(input.base_url);
      const now = clock.now();
      const saved = await db.transaction(async (tx) => {
        const before = (await tx.query<ProxyService>(`SELECT ${COLUMNS} FROM proxy_services WHERE dataset_code = $1 FOR UPDATE`, [code])).rows[0];
        const r = await tx.query<ProxyService>(
          `INSERT INTO proxy_services (dataset_code, base_url, auth, timeout_ms, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (dataset_code) DO UPDATE SET base_url = EXCLUDED.base_url, auth = EXCLUDED.auth, timeout_ms = EXCLUDED.timeout_ms,
             version = proxy_services.version + 1, updated_at = EXCLUDED.updated_at
           RETURNING ${COLUMNS}`,
          [code, base, input.auth, input.timeout_ms ?? DEFAULT_UPSTREAM_TIMEOUT_MS, now],
        );
        const after = r.rows[0]!;
        await recordChange(tx, { entity: 'proxy_service', key: code, action: before ? 'update' : 'create', actor: p.username, at: now, reason, before, after });
        return after;
      });
      cache.invalidate([code]);
      return saved;
    },

    async get(p: Principal, code: string): Promise<ProxyService> {
      const d = await catalog.datasets.get(code);
      if (!(seesEverything(p) || p.agencyCode === d.custodian_code)) throw notFound('dịch vụ', 'service', code);
      const s = await load(code);
      if (!s) throw notFound('dịch vụ', 'service', code);
      return s;
    },

    history: (code: string) => historyOf(db, 'proxy_service', code),

    /** The gateway's lookup: read at most once a second per dataset; a change here is seen at once. */
    forDataset: (code: string): Promise<ProxyService | null> => cache.get(code, load),
  };
}

export type UpstreamService = ReturnType<typeof createUpstreamService>;
