/**
 * Dashboards of the shared data warehouse: CRUD and who sees them (the agency's, as its
 * saved queries are), and a refresh that runs each tile through the path of a saved query's chart
 * refresh — the runner's grants of now, masks, small-cell suppression — logged for each custodian
 * before the tile's answer, one tile's problem never failing the others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

const ds = 'can-bo-dang-vien';
const view = 'can_bo_dang_vien';

interface Problem {
  type: string;
  title: string;
  title_en: string;
  status: number;
  detail?: string;
  detail_en?: string;
  rule?: string;
}
interface Answer {
  columns: { name: string }[];
  rows: unknown[][];
  receipts: { log: string; id: string }[];
  sha256: string;
  suppressed_below: number | null;
}
interface Refresh {
  dashboard_id: string;
  tiles: {
    position: number;
    saved_query_id: string;
    chart: string;
    width: number;
    saved_query: { name: string } | null;
    result: Answer | null;
    problem: Problem | null;
  }[];
}
interface Dashboard {
  id: string;
  agency_code: string;
  title: string;
  description: string | null;
  tiles: { saved_query_id: string; chart: string; width: number; params?: Record<string, unknown> }[];
  created_by: string;
  version: number;
}

for (const driver of DRIVERS) {
  describe(`[${driver}] warehouse dashboards (R-7.3, R-17.2)`, () => {
    let w: World;
    let dir: string;
    let analyst: string;
    let colleague: string;
    let outsider: string;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-wh-dash-'));
      w = await startWorld(driver, { LIENTHONG_WAREHOUSE_FILE: path.join(dir, 'warehouse.duckdb') });
      analyst = await w.env.userAuth('pt.vpcp', 'VPCP', ['analyst']);
      colleague = await w.env.userAuth('pt2.vpcp', 'VPCP', ['analyst']);
      outsider = await w.env.userAuth('pt.bnctw', 'BNCTW', ['analyst']);
      const records = Array.from({ length: 12 }, (_, i) => ({
        key: `m-${i}`,
        data: member((i % 9) + 1, { member_number: `01.1000${i}`, full_name: `Nguyễn Văn Số${i}` }),
      }));
      await ok(await w.call('POST', `/api/v1/datasets/${ds}/records`, w.auth.custodian, { records }));
      await w.env.platform.warehouse.ingest();
    }, 120_000);
    afterAll(async () => {
      await w?.env.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function ok(res: { statusCode: number; body: string; json(): unknown }, status = 200) {
      expect(res.statusCode, res.body).toBe(status);
      return res.json() as never;
    }
    const del = (url: string, who: string) => w.env.app.inject({ method: 'DELETE', url, headers: { authorization: who } });
    const save = async (name: string, sql: string, extra: object = {}) =>
      (await ok(await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, { name, sql, ...extra }), 201)) as { id: string };
    const create = async (who: string, body: object) => (await ok(await w.call('POST', '/api/v1/warehouse/dashboards', who, body), 201)) as Dashboard;
    const refresh = async (who: string, id: string) => (await ok(await w.call('POST', `/api/v1/warehouse/dashboards/${id}/refresh`, who, {}))) as Refresh;

    it('R-7.3: a dashboard is the agency’s — its analysts list, read and edit it (If-Match), another agency never sees it', async () => {
      const byGender = await save('Theo giới tính', `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender ORDER BY gender`);
      const byPrefix = await save('Theo tiền tố', `SELECT member_number, gender FROM ${view} WHERE full_name LIKE $prefix ORDER BY 1`, {
        parameters: [{ name: 'prefix', type: 'text', default: 'Nguyễn%' }],
      });
      const d = await create(analyst, {
        title: 'Tình hình đảng viên',
        description: 'Số liệu tổng hợp',
        tiles: [
          { saved_query_id: byGender.id, chart: 'pie', width: 12 },
          { saved_query_id: byPrefix.id, chart: 'table', width: 12, params: { prefix: 'Nguyễn Văn Số1%' } },
        ],
      });
      expect(d).toMatchObject({ agency_code: 'VPCP', title: 'Tình hình đảng viên', created_by: 'pt.vpcp', version: 1 });
      expect(d.tiles.map((t) => t.chart)).toEqual(['pie', 'table']);

      // The agency's other analyst sees and edits it; an analyst of another agency does not know it exists.
      expect(((await ok(await w.call('GET', '/api/v1/warehouse/dashboards', colleague))) as Dashboard[]).map((x) => x.id)).toContain(d.id);
      expect((await ok(await w.call('GET', '/api/v1/warehouse/dashboards', outsider))) as Dashboard[]).toEqual([]);
      for (const res of [
        await w.call('GET', `/api/v1/warehouse/dashboards/${d.id}`, outsider),
        await w.call('PATCH', `/api/v1/warehouse/dashboards/${d.id}`, outsider, { title: 'Chiếm' }),
        await w.call('POST', `/api/v1/warehouse/dashboards/${d.id}/refresh`, outsider, {}),
        await del(`/api/v1/warehouse/dashboards/${d.id}`, outsider),
      ]) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json()).toMatchObject({ title: 'Không tìm thấy', title_en: 'Not found' });
      }
      // Nor may it put a saved query of this agency on a dashboard of its own.
      const foreign = await w.call('POST', '/api/v1/warehouse/dashboards', outsider, {
        title: 'X',
        tiles: [{ saved_query_id: byGender.id, chart: 'bar', width: 6 }],
      });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json()).toMatchObject({ errors: [{ path: '/tiles/0/saved_query_id' }] });
      // A parameter the saved query does not declare, a width off the grid, an unknown chart: refused.
      const badParam = await w.call('POST', '/api/v1/warehouse/dashboards', analyst, {
        title: 'X',
        tiles: [{ saved_query_id: byGender.id, chart: 'bar', width: 6, params: { nope: 1 } }],
      });
      expect(badParam.statusCode).toBe(400);
      expect(badParam.json()).toMatchObject({ detail_en: expect.stringContaining('no parameter nope') });
      for (const tile of [
        { saved_query_id: byGender.id, chart: 'bar', width: 25 },
        { saved_query_id: byGender.id, chart: 'radar', width: 6 },
      ])
        expect((await w.call('POST', '/api/v1/warehouse/dashboards', analyst, { title: 'X', tiles: [tile] })).statusCode).toBe(400);

      // Edits: the fields given, guarded by the version.
      const changed = (await ok(
        await w.call('PATCH', `/api/v1/warehouse/dashboards/${d.id}`, colleague, { title: 'Tình hình đảng viên (quý)' }, { 'if-match': '"1"' }),
      )) as Dashboard;
      expect(changed).toMatchObject({ title: 'Tình hình đảng viên (quý)', description: 'Số liệu tổng hợp', version: 2 });
      expect(changed.tiles).toHaveLength(2);
      const stale = await w.call('PATCH', `/api/v1/warehouse/dashboards/${d.id}`, analyst, { tiles: [] }, { 'if-match': '"1"' });
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ current_version: 2 });
      const reordered = (await ok(
        await w.call('PATCH', `/api/v1/warehouse/dashboards/${d.id}`, analyst, { tiles: [...changed.tiles].reverse() }, { 'if-match': '"2"' }),
      )) as Dashboard;
      expect(reordered.tiles.map((t) => t.saved_query_id)).toEqual([byPrefix.id, byGender.id]);
      expect(reordered.tiles[0]!.params).toEqual({ prefix: 'Nguyễn Văn Số1%' });

      const gone = await create(analyst, { title: 'Tạm', tiles: [] });
      expect((await del(`/api/v1/warehouse/dashboards/${gone.id}`, colleague)).statusCode).toBe(204);
      expect((await w.call('GET', `/api/v1/warehouse/dashboards/${gone.id}`, analyst)).statusCode).toBe(404);
    });

    it('R-17.2: each tile refresh is a sharing-log entry of the custodian, before the answer; R-8.2: a masked column stays masked on a tile', async () => {
      const counts = await save('Đếm theo giới tính', `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender ORDER BY gender`, {
        chart: { type: 'bar', x: 'gender', y: ['n'] },
      });
      const ids = await save('Mã định danh', `SELECT member_number, citizen_id FROM ${view} WHERE full_name LIKE $prefix ORDER BY member_number`, {
        parameters: [{ name: 'prefix', type: 'text', default: 'Nguyễn%' }],
      });
      const d = await create(analyst, {
        title: 'Hai ô',
        tiles: [
          { saved_query_id: counts.id, chart: 'bar', width: 8 },
          { saved_query_id: ids.id, chart: 'table', width: 16, params: { prefix: 'Nguyễn Văn Số1%' } },
        ],
      });
      const r = await refresh(colleague, d.id);
      expect(r.dashboard_id).toBe(d.id);
      expect(r.tiles.map((t) => [t.position, t.chart, t.width, t.saved_query?.name, t.problem])).toEqual([
        [0, 'bar', 8, 'Đếm theo giới tính', null],
        [1, 'table', 16, 'Mã định danh', null],
      ]);
      const [a, b] = r.tiles.map((t) => t.result!);
      expect(a!.rows).toEqual([
        ['1', 7],
        ['2', 5],
      ]);
      // The tile's parameters are bound; the personal field is masked as the gateway masks it.
      expect(b!.rows.map((x) => x[0])).toEqual(['01.10001', '01.100010', '01.100011']);
      expect(b!.rows.every((x) => /^\*{8}\d{4}$/.test(String(x[1])))).toBe(true);
      // Only the answers' values: ids and digests are hex and may hold twelve digits in a row by chance.
      expect(JSON.stringify(r.tiles.map((t) => t.result!.rows))).not.toMatch(/\d{12}/);

      // Each tile: its own entry in BTCTW's log, naming the runner, the dashboard, the tile and its saved query.
      for (const [i, tile] of [a!, b!].entries()) {
        expect(tile.receipts).toHaveLength(1);
        expect(tile.receipts[0]!.log).toBe('BTCTW');
        const receipt = (await ok(await w.call('GET', `/api/v1/ledger/receipts/${tile.receipts[0]!.id}`, await w.env.adminAuth()))) as {
          entry: {
            requester: { agency: string; account: string };
            request: { resource: string; query: Record<string, string> };
            response: { content_sha256: string };
          };
        };
        expect(receipt.entry.requester).toEqual(expect.objectContaining({ agency: 'VPCP', account: 'pt2.vpcp' }));
        expect(receipt.entry.request.resource).toBe(`/api/v1/warehouse/dashboards/${d.id}/refresh`);
        expect(receipt.entry.request.query).toMatchObject({ dashboard: d.id, tile: String(i), chart: [counts.id, ids.id][i], datasets: ds });
        expect(receipt.entry.response.content_sha256).toBe(tile.sha256);
      }
      // The same rows as the saved query's own chart refresh.
      const chart = (await ok(await w.call('POST', `/api/v1/warehouse/saved-queries/${counts.id}/chart`, analyst, {}))) as Answer;
      expect(chart.rows).toEqual(a!.rows);
      // A dashboard refresh is a query: only analysts run it, even in the agency that owns it.
      const refused = await refresh(w.auth.consumer, d.id);
      expect(refused.tiles.map((t) => t.problem?.status)).toEqual([403, 403]);
      expect(refused.tiles.every((t) => t.result === null)).toBe(true);
    });

    it('R-7.3: a tile over an aggregates-only dataset keeps small-cell suppression, a refused shape is that tile’s problem, and a deleted saved query its own 404', async () => {
      const big = await save('Nhóm lớn', `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender ORDER BY gender`);
      const small = await save('Nhóm nhỏ', `SELECT date_of_birth, count(*) AS n FROM ${view} GROUP BY 1`);
      const rows = await save('Từng người', `SELECT full_name FROM ${view}`);
      const doomed = await save('Sẽ xoá', `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender`);
      const d = await create(analyst, {
        title: 'Bảo vệ nhóm nhỏ',
        tiles: [big, small, rows, doomed].map((q) => ({ saved_query_id: q.id, chart: 'bar', width: 6 })),
      });
      expect((await del(`/api/v1/warehouse/saved-queries/${doomed.id}`, analyst)).statusCode).toBe(204);
      await ok(await w.call('PUT', `/api/v1/warehouse/datasets/${ds}/policy`, w.auth.custodian, { aggregates_only: true, min_cell: 5 }));
      try {
        const r = await refresh(analyst, d.id);
        const [t0, t1, t2, t3] = r.tiles;
        expect(t0!.result!.rows).toEqual([
          ['1', 7],
          ['2', 5],
        ]);
        expect(t0!.result!.suppressed_below).toBe(5);
        // Every birth date holds one or two records: each group withheld, as through the saved query itself.
        expect(t1!.result!.rows).toEqual([]);
        expect(t1!.result!.suppressed_below).toBe(5);
        // Row-level reading of an aggregates-only dataset: refused, for this tile only.
        expect(t2!.result).toBeNull();
        expect(t2!.problem).toMatchObject({ status: 403, rule: 'R-7.3', title: expect.any(String), title_en: expect.any(String) });
        expect(JSON.stringify(t2)).not.toContain('Nguyễn');
        expect(t2!.saved_query?.name).toBe('Từng người');
        // The deleted saved query: a clear problem of the tile, in both languages.
        expect(t3!.result).toBeNull();
        expect(t3!.saved_query).toBeNull();
        expect(t3!.problem).toMatchObject({ status: 404, title: 'Không tìm thấy', title_en: 'Not found', detail_en: `No saved query "${doomed.id}".` });
        // The same refusal as the saved query's own chart refresh.
        expect((await w.call('POST', `/api/v1/warehouse/saved-queries/${rows.id}/chart`, analyst, {})).statusCode).toBe(403);
      } finally {
        await ok(await w.call('PUT', `/api/v1/warehouse/datasets/${ds}/policy`, w.auth.custodian, { aggregates_only: false }));
      }
    });

    it('R-7.3: after the agreements are terminated, every tile over the dataset is refused at the next refresh — the dashboard grants nothing', async () => {
      const q = await save('Đếm', `SELECT count(*) AS n FROM ${view}`);
      const open = await save('Hằng số', 'SELECT 1 AS mot');
      const d = await create(analyst, {
        title: 'Sau thu hồi',
        tiles: [
          { saved_query_id: q.id, chart: 'line', width: 12 },
          { saved_query_id: open.id, chart: 'table', width: 12 },
        ],
      });
      expect((await refresh(analyst, d.id)).tiles.map((t) => t.problem)).toEqual([null, null]);
      const list = (await ok(await w.call('GET', `/api/v1/agreements?dataset=${ds}&consumer=VPCP&status=active`, await w.env.adminAuth()))) as {
        items: { id: string }[];
      };
      for (const a of list.items)
        await ok(
          await w.call('POST', `/api/v1/agreements/${a.id}/terminate`, w.auth.custodian, { ground: 'a', reason: 'Kết thúc', evidence: 'Công văn 3/CV-BTCTW' }),
        );
      const r = await refresh(analyst, d.id);
      expect(r.tiles[0]!.result).toBeNull();
      expect(r.tiles[0]!.problem).toMatchObject({ status: 403 });
      expect(r.tiles[1]!.problem).toBeNull();
      expect(r.tiles[1]!.result!.rows).toEqual([[1]]);
      // As the saved query's own chart refresh is.
      expect((await w.call('POST', `/api/v1/warehouse/saved-queries/${q.id}/chart`, analyst, {})).statusCode).toBe(403);
    });
  });
}
