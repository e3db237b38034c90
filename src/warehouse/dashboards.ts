import type { Clock } from '../core/clock.ts';
import { Problem, PROBLEMS, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/database.ts';
import type { Principal } from '../registry/index.ts';
import type { ParamValue } from './query.ts';
import { type SavedQuery, checkValue } from './saved.ts';

export const MAX_TILES = 24;
/** A tile's width in columns of the console's 24-column grid. */
export const GRID_COLUMNS = 24;

export interface Tile {
  saved_query_id: string;
  chart: 'bar' | 'line' | 'pie' | 'table';
  /** Values for the saved query's parameters; the others take their defaults. */
  params?: Record<string, ParamValue> | undefined;
  width: number;
}

export interface Dashboard {
  id: string;
  agency_code: string;
  title: string;
  description: string | null;
  tiles: Tile[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface DashboardInput {
  title: string;
  description?: string | null | undefined;
  tiles: Tile[];
}

/** A tile's own RFC 9457 problem, as `Problem.body` writes it. */
export interface TileProblem {
  type: string;
  title: string;
  title_en: string;
  status: number;
  instance: string;
  request_id: string;
  [more: string]: unknown;
}

export type DashboardChange = Partial<DashboardInput>;

const COLUMNS = 'id, agency_code, title, description, tiles, created_by, created_at, updated_at, version';

/**
 * Dashboards of the warehouse: a title, a description and an ordered list of tiles, each
 * a saved query of the agency drawn as a chart or a table. They are the agency's, as its saved
 * queries are: its analysts see and edit them, no one else knows they exist (404). Saving one
 * grants nothing: its refresh runs each tile through the query path (service.ts).
 */
export function createDashboards(db: Database, clock: Clock, saved: { get(p: Principal, id: string): Promise<SavedQuery> }) {
  async function load(p: Principal, id: string): Promise<Dashboard> {
    const r = await db.query<Dashboard>(`SELECT ${COLUMNS} FROM warehouse_dashboards WHERE id = $1 AND agency_code = $2`, [id, p.agencyCode]);
    if (!r.rows[0]) throw notFound('bảng điều khiển', 'dashboard', id);
    return r.rows[0];
  }

  /** Each tile names a saved query of the agency, and only parameters that query declares, each value of its type. */
  async function checkTiles(p: Principal, tiles: Tile[]): Promise<Tile[]> {
    const out: Tile[] = [];
    for (const [i, tile] of tiles.entries()) {
      const sq = await saved.get(p, tile.saved_query_id).catch((err: unknown) => {
        if (err instanceof Problem && err.status === 404)
          throw new Problem(PROBLEMS.validation, {
            detail: `Ô ${i + 1}: cơ quan không có truy vấn đã lưu "${tile.saved_query_id}".`,
            detail_en: `Tile ${i + 1}: the agency has no saved query "${tile.saved_query_id}".`,
            errors: [
              {
                path: `/tiles/${i}/saved_query_id`,
                message: 'Không có truy vấn đã lưu này trong cơ quan.',
                message_en: 'No such saved query in the agency.',
              },
            ],
          });
        throw err;
      });
      const declared = new Set(sq.parameters.map((x) => x.name));
      const unknown = Object.keys(tile.params ?? {}).filter((name) => !declared.has(name));
      if (unknown.length > 0)
        throw new Problem(PROBLEMS.validation, {
          detail: `Ô ${i + 1}: truy vấn "${sq.name}" không có tham số ${unknown.join(', ')}.`,
          detail_en: `Tile ${i + 1}: the query "${sq.name}" has no parameter ${unknown.join(', ')}.`,
          errors: [{ path: `/tiles/${i}/params`, message: 'Tham số không có trong truy vấn.', message_en: 'Parameter not in the query.' }],
        });
      for (const param of sq.parameters) {
        const v = tile.params?.[param.name];
        if (v !== undefined) checkValue(param, v, `/tiles/${i}/params/${param.name}`);
      }
      out.push({ saved_query_id: tile.saved_query_id, chart: tile.chart, width: tile.width, ...(tile.params && { params: tile.params }) });
    }
    return out;
  }

  return {
    get: load,
    async list(p: Principal): Promise<Dashboard[]> {
      return (await db.query<Dashboard>(`SELECT ${COLUMNS} FROM warehouse_dashboards WHERE agency_code = $1 ORDER BY title, id`, [p.agencyCode])).rows;
    },
    async create(p: Principal, input: DashboardInput): Promise<Dashboard> {
      const tiles = await checkTiles(p, input.tiles);
      const now = clock.now();
      const r = await db.query<Dashboard>(
        `INSERT INTO warehouse_dashboards (id, agency_code, title, description, tiles, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
        [newId(), p.agencyCode, input.title.normalize('NFC'), input.description?.normalize('NFC') ?? null, JSON.stringify(tiles), p.username, now],
      );
      return r.rows[0]!;
    },
    /** Changes what `change` names; `expectedVersion` (If-Match) guards against a lost update. */
    async update(p: Principal, id: string, change: DashboardChange, expectedVersion?: number): Promise<Dashboard> {
      const current = await load(p, id);
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(current.version);
      const tiles = change.tiles ? await checkTiles(p, change.tiles) : current.tiles;
      const description = change.description === undefined ? current.description : (change.description?.normalize('NFC') ?? null);
      const r = await db.query<Dashboard>(
        `UPDATE warehouse_dashboards SET title = $3, description = $4, tiles = $5, updated_at = $6, version = version + 1
          WHERE id = $1 AND agency_code = $2 AND version = $7 RETURNING ${COLUMNS}`,
        [id, p.agencyCode, (change.title ?? current.title).normalize('NFC'), description, JSON.stringify(tiles), clock.now(), current.version],
      );
      if (!r.rows[0]) throw staleVersion(current.version + 1);
      return r.rows[0];
    },
    async remove(p: Principal, id: string): Promise<void> {
      await load(p, id);
      await db.query('DELETE FROM warehouse_dashboards WHERE id = $1 AND agency_code = $2', [id, p.agencyCode]);
    },
  };
}
