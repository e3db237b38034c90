import { Problem, PROBLEMS, conflict, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { escapeLike, foldVietnamese, nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import { type Principal, requireCoordinator } from './principal.ts';

export const AGENCY_KINDS = [
  'party_leadership',
  'party_central_body',
  'party_committee_central',
  'provincial_party_committee',
  'grassroots_party_org',
  'party_unit',
  'state_body',
  'other',
] as const;
type AgencyKind = (typeof AGENCY_KINDS)[number];

export interface Agency {
  code: string;
  name_vi: string;
  name_en: string;
  kind: AgencyKind;
  parent_code: string | null;
  central_office: boolean;
  status: 'active' | 'retired';
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface AgencyInput {
  code: string;
  name_vi: string;
  name_en: string;
  kind: AgencyKind;
  parent_code?: string | null | undefined;
  central_office?: boolean | undefined;
}

export type AgencyPatch = Partial<Omit<AgencyInput, 'code'>> & { status?: 'active' | 'retired' | undefined };

export interface AgencyFilter {
  kind?: string | undefined;
  parent?: string | undefined;
  central_office?: boolean | undefined;
  status?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}

const COLUMNS = 'code, name_vi, name_en, kind, parent_code, central_office, status, version, created_at, updated_at';

function searchText(a: { code: string; name_vi: string; name_en: string }): string {
  return foldVietnamese(`${a.code} ${a.name_vi} ${a.name_en}`);
}

export function createAgencyService(db: Database, clock: Clock) {
  async function get(code: string, q: Queryable = db): Promise<Agency> {
    const r = await q.query<Agency>(`SELECT ${COLUMNS} FROM agencies WHERE code = $1`, [code]);
    if (!r.rows[0]) throw notFound('cơ quan', 'agency', code);
    return r.rows[0];
  }

  async function exists(code: string, q: Queryable = db): Promise<boolean> {
    return (await q.query('SELECT 1 FROM agencies WHERE code = $1', [code])).rows.length > 0;
  }

  /** For references from other objects: an unknown agency is a 422, not a 404 of the request's own resource. */
  async function requireExisting(code: string, q: Queryable = db, rule?: string): Promise<void> {
    if (!(await exists(code, q))) {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: `Cơ quan "${code}" không tồn tại.`,
        detail_en: `Agency "${code}" does not exist.`,
        ...(rule && { rule }),
      });
    }
  }

  async function checkParent(tx: Queryable, code: string, parent: string | null | undefined): Promise<void> {
    if (parent === null || parent === undefined) return;
    await requireExisting(parent, tx);
    // Walk up from the parent: meeting `code` again would make a cycle.
    const r = await tx.query<{ code: string }>(
      `WITH RECURSIVE up(code, parent_code) AS (
         SELECT code, parent_code FROM agencies WHERE code = $1
         UNION SELECT a.code, a.parent_code FROM agencies a JOIN up ON a.code = up.parent_code)
       SELECT code FROM up WHERE code = $2`,
      [parent, code],
    );
    if (r.rows.length > 0) {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: 'Quan hệ cấp trên tạo thành vòng lặp.',
        detail_en: 'The parent relation would form a cycle.',
      });
    }
  }

  return {
    get,
    exists,
    requireExisting,

    async list(f: AgencyFilter): Promise<Page<Agency>> {
      const w = new Where()
        .addIf(f.kind !== undefined, 'kind = ?', f.kind)
        .addIf(f.parent !== undefined, 'parent_code = ?', f.parent)
        .addIf(f.central_office !== undefined, 'central_office = ?', f.central_office)
        .addIf(f.status !== undefined, 'status = ?', f.status)
        .addIf(!!f.q, "search_text LIKE ? ESCAPE '\\'", `%${escapeLike(foldVietnamese(f.q ?? ''))}%`);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM agencies ${w}`, w.params);
      const items = await db.query<Agency>(`SELECT ${COLUMNS} FROM agencies ${w} ORDER BY code LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`, w.params);
      return { items: items.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: AgencyInput): Promise<Agency> {
      requireCoordinator(p, 'quản lý danh sách cơ quan', 'manage the agency registry');
      return db.transaction(async (tx) => {
        if (await exists(input.code, tx)) throw conflict(`Mã cơ quan "${input.code}" đã tồn tại.`, `Agency code "${input.code}" already exists.`);
        await checkParent(tx, input.code, input.parent_code);
        const row = {
          code: input.code,
          name_vi: nfc(input.name_vi),
          name_en: input.name_en,
          kind: input.kind,
          parent_code: input.parent_code ?? null,
          central_office: input.central_office ?? false,
        };
        await insertAgency(tx, row, clock.now());
        await recordChange(tx, { entity: 'agency', key: row.code, action: 'create', actor: p.username, after: row, at: clock.now() });
        return get(row.code, tx);
      });
    },

    async update(p: Principal, code: string, patch: AgencyPatch, expectedVersion?: number): Promise<Agency> {
      requireCoordinator(p, 'quản lý danh sách cơ quan', 'manage the agency registry');
      return db.transaction(async (tx) => {
        if (patch.parent_code !== undefined) await checkParent(tx, code, patch.parent_code);
        const clean: Record<string, unknown> = { ...patch };
        if (patch.name_vi !== undefined) clean.name_vi = nfc(patch.name_vi);
        const current = await get(code, tx);
        clean.search_text = searchText({ ...current, ...(clean as Partial<Agency>) });
        const out = await updateVersioned<Agency>(tx, { table: 'agencies', keyColumn: 'code', key: code, patch: clean, expectedVersion, now: clock.now() });
        if (out.status === 'missing') throw notFound('cơ quan', 'agency', code);
        if (out.status === 'stale') throw staleVersion(out.current.version);
        await recordChange(tx, { entity: 'agency', key: code, action: 'update', actor: p.username, before: out.before, after: out.after, at: clock.now() });
        return get(code, tx);
      });
    },

    history: (code: string) => historyOf(db, 'agency', code),
  };
}

export type AgencyService = ReturnType<typeof createAgencyService>;

/** Insert used by both the API and the seed; `ON CONFLICT DO NOTHING` keeps seeding idempotent. */
export async function insertAgency(
  tx: Queryable,
  a: Omit<AgencyInput, 'parent_code' | 'central_office'> & { parent_code: string | null; central_office: boolean },
  now: Date,
): Promise<boolean> {
  try {
    const r = await tx.query(
      `INSERT INTO agencies (id, code, name_vi, name_en, kind, parent_code, central_office, search_text, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (code) DO NOTHING`,
      [newId(), a.code, nfc(a.name_vi), a.name_en, a.kind, a.parent_code, a.central_office, searchText(a), now],
    );
    return r.rowCount > 0;
  } catch (err) {
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) return false;
    throw err;
  }
}
