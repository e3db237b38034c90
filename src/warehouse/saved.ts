import type { Clock } from '../core/clock.ts';
import { Problem, PROBLEMS, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/database.ts';
import type { Principal } from '../registry/index.ts';
import type { ParamValue } from './query.ts';

interface SavedParameter {
  name: string;
  type: 'text' | 'number' | 'date';
  label?: string | undefined;
  default?: ParamValue | undefined;
}

interface Chart {
  type: 'bar' | 'line' | 'pie';
  x: string;
  y: string[];
}

export interface SavedQuery {
  id: string;
  agency_code: string;
  name: string;
  description: string | null;
  sql: string;
  parameters: SavedParameter[];
  chart: Chart | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface SavedInput {
  name: string;
  description?: string | null | undefined;
  sql: string;
  parameters?: SavedParameter[] | undefined;
  chart?: Chart | null | undefined;
}

const KINDS = { text: ['văn bản', 'text'], number: ['số', 'a number'], date: ['ngày dạng YYYY-MM-DD', 'a YYYY-MM-DD date'] } as const;

function fits(type: SavedParameter['type'], v: ParamValue): boolean {
  if (v === null) return true;
  if (type === 'text') return typeof v === 'string';
  if (type === 'number') return typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));
  // A day that exists: 2025-02-30 parses to March.
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
}

/**
 * Refuses a value that is not of its parameter's declared type. DuckDB binds what it is given, so
 * text given to a number parameter would compare as NaN and answer nothing, without a word.
 */
export function checkValue(param: Pick<SavedParameter, 'name' | 'type'>, v: ParamValue, path: string): void {
  if (fits(param.type, v)) return;
  const [vi, en] = KINDS[param.type];
  throw new Problem(PROBLEMS.validation, {
    detail: `Tham số ${param.name} phải là ${vi}.`,
    detail_en: `The parameter ${param.name} must be ${en}.`,
    errors: [{ path, message: `Phải là ${vi}.`, message_en: `Must be ${en}.` }],
  });
}

function checkDefaults(input: SavedInput): void {
  for (const [i, param] of (input.parameters ?? []).entries()) if (param.default !== undefined) checkValue(param, param.default, `/parameters/${i}/default`);
}

const COLUMNS = 'id, agency_code, name, description, sql, parameters, chart, created_by, created_at, updated_at, version';

/**
 * Saved queries (and the chart drawn from each) belong to the analyst's agency. Saving grants
 * nothing: every run, chart refresh and export of a saved query goes through the query path again
 * with the runner's grants of that moment.
 */
export function createSavedQueries(db: Database, clock: Clock) {
  async function load(p: Principal, id: string): Promise<SavedQuery> {
    const r = await db.query<SavedQuery>(`SELECT ${COLUMNS} FROM warehouse_saved_queries WHERE id = $1 AND agency_code = $2`, [id, p.agencyCode]);
    if (!r.rows[0]) throw notFound('câu truy vấn đã lưu', 'saved query', id);
    return r.rows[0];
  }
  return {
    get: load,
    async list(p: Principal): Promise<SavedQuery[]> {
      return (await db.query<SavedQuery>(`SELECT ${COLUMNS} FROM warehouse_saved_queries WHERE agency_code = $1 ORDER BY name, id`, [p.agencyCode])).rows;
    },
    async create(p: Principal, input: SavedInput): Promise<SavedQuery> {
      checkDefaults(input);
      const now = clock.now();
      const r = await db.query<SavedQuery>(
        `INSERT INTO warehouse_saved_queries (id, agency_code, name, description, sql, parameters, chart, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
        [
          newId(),
          p.agencyCode,
          input.name.normalize('NFC'),
          input.description ?? null,
          input.sql,
          JSON.stringify(input.parameters ?? []),
          input.chart ? JSON.stringify(input.chart) : null,
          p.username,
          now,
        ],
      );
      return r.rows[0]!;
    },
    async update(p: Principal, id: string, input: SavedInput, expectedVersion?: number): Promise<SavedQuery> {
      const current = await load(p, id);
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(current.version);
      checkDefaults(input);
      const r = await db.query<SavedQuery>(
        `UPDATE warehouse_saved_queries SET name = $3, description = $4, sql = $5, parameters = $6, chart = $7, updated_at = $8, version = version + 1
          WHERE id = $1 AND agency_code = $2 AND version = $9 RETURNING ${COLUMNS}`,
        [
          id,
          p.agencyCode,
          input.name.normalize('NFC'),
          input.description ?? null,
          input.sql,
          JSON.stringify(input.parameters ?? []),
          input.chart ? JSON.stringify(input.chart) : null,
          clock.now(),
          current.version,
        ],
      );
      if (!r.rows[0]) throw staleVersion(current.version + 1);
      return r.rows[0];
    },
    async remove(p: Principal, id: string): Promise<void> {
      await load(p, id);
      await db.query('DELETE FROM warehouse_saved_queries WHERE id = $1 AND agency_code = $2', [id, p.agencyCode]);
    },
    /** The values a run binds: those given, else the parameters' defaults; each of its declared type. */
    values(q: SavedQuery, given: Record<string, ParamValue> = {}): Record<string, ParamValue> {
      const out: Record<string, ParamValue> = {};
      for (const param of q.parameters) {
        const v = given[param.name] ?? param.default;
        if (v === undefined) continue;
        checkValue(param, v, `/params/${param.name}`);
        out[param.name] = param.type === 'number' && typeof v === 'string' ? Number(v) : v;
      }
      return out;
    },
  };
}
