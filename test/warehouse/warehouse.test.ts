import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

const ds = 'can-bo-dang-vien';
const view = 'can_bo_dang_vien';
/** What VPCP's systems are granted of can-bo-dang-vien (world.ts): VPCP-QLCB and VPCP-TK together. */
const GRANTED = ['member_number', 'full_name', 'citizen_id', 'date_of_birth', 'gender', 'province_code'];
/** Values of fields no VPCP agreement grants: they must never appear in any answer. */
const UNGRANTED_VALUES = ['2010-05-19', 'DB-0'];

for (const driver of DRIVERS) {
  describe(`[${driver}] shared data warehouse (R-7.3, R-17.2)`, () => {
    let w: World;
    let dir: string;
    let analyst: string;
    let outsider: string;
    let custodian: string;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-wh-test-'));
      w = await startWorld(driver, { LIENTHONG_WAREHOUSE_FILE: path.join(dir, 'warehouse.duckdb') });
      analyst = await w.env.userAuth('pt.vpcp', 'VPCP', ['analyst']);
      outsider = await w.env.userAuth('pt.bnctw', 'BNCTW', ['analyst']);
      custodian = w.auth.custodian;
      const records = Array.from({ length: 12 }, (_, i) => ({
        key: `m-${i}`,
        data: member((i % 9) + 1, { member_number: `01.1000${i}`, full_name: `Nguyễn Văn Số${i}` }),
      }));
      await ok(await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, { records }));
      // A secret dataset of the same custodian: it must never reach the warehouse.
      await ok(
        await w.call('POST', '/api/v1/datasets/ky-luat/records', custodian, {
          records: [
            {
              key: 'kl-1',
              data: {
                discipline_id: 'KL-1',
                subject_type: 'dang_vien',
                full_name: 'Bí Mật Tuyệt Đối',
                violation_summary: 'x',
                discipline_form: 'khiển trách',
                decision_number: '1/QĐ',
                decision_date: '2026-01-02',
                issuing_body: 'UBKT',
              },
            },
          ],
        }),
      );
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
    const query = (who: string, sql: string, extra: object = {}) => w.call('POST', '/api/v1/warehouse/query', who, { sql, ...extra });
    const answer = async (who: string, sql: string, extra: object = {}) =>
      ok(await query(who, sql, extra)) as Promise<{ columns: { name: string }[]; rows: unknown[][]; receipts: { log: string; id: string }[]; sha256: string }>;

    it('R-7.3, R-4.6: normal and sensitive hosted data enters the warehouse; secret and top-secret never does', async () => {
      const status = await w.env.platform.warehouse.status();
      const names = status.map((s) => s.dataset);
      expect(names).toContain(ds);
      expect(names).toContain('to-chuc-dang');
      expect(names).not.toContain('ky-luat');
      expect(names).not.toContain('vu-an');
      expect(names).not.toContain('suc-khoe-can-bo-dang-vien');
      expect(status.find((s) => s.dataset === ds)!.rows).toBe(12);
      // Not even as a name an analyst could guess.
      const r = await query(analyst, 'SELECT * FROM ky_luat');
      expect(r.statusCode).toBe(403);
      expect(r.body).not.toContain('Bí Mật');
    });

    it('R-7.3, R-8.2: an analyst sees only the columns its agency is granted, personal fields masked as the gateway masks them', async () => {
      const schema = (await ok(await w.call('GET', '/api/v1/warehouse/schema', analyst))) as {
        datasets: { code: string; columns: { name: string; masked: boolean }[] }[];
      };
      const cadres = schema.datasets.find((d) => d.code === ds)!;
      expect(cadres.columns.map((c) => c.name)).toEqual(GRANTED);
      expect(cadres.columns.find((c) => c.name === 'citizen_id')!.masked).toBe(true);
      expect(schema.datasets.map((d) => d.code)).not.toContain('ky-luat');

      const a = await answer(analyst, `SELECT * FROM ${view} ORDER BY member_number`);
      expect(a.columns.map((c) => c.name)).toEqual(GRANTED);
      expect(a.rows).toHaveLength(12);
      const citizen = a.rows[0]![2] as string;
      expect(citizen).toMatch(/^\*{8}\d{4}$/);
      const body = JSON.stringify(a);
      for (const v of UNGRANTED_VALUES) expect(body).not.toContain(v);
      // Another agency's analyst has no grant at all: the table is not there for it.
      expect((await query(outsider, `SELECT count(*) FROM ${view}`)).statusCode).toBe(403);
    });

    const escapes: [string, string][] = [
      ['read_csv', "SELECT * FROM read_csv('/etc/passwd')"],
      ['read_parquet', "SELECT * FROM read_parquet('/tmp/x.parquet')"],
      ['read_text', "SELECT * FROM read_text('/etc/passwd')"],
      ['COPY TO', `COPY (SELECT * FROM ${view}) TO '/tmp/out.csv'`],
      ['COPY FROM', `COPY ${view} FROM '/etc/passwd'`],
      ['ATTACH', "ATTACH '/tmp/other.duckdb' AS other"],
      ['INSTALL', 'INSTALL httpfs'],
      ['LOAD', 'LOAD httpfs'],
      ['SET', 'SET enable_external_access = true'],
      ['RESET', 'RESET lock_configuration'],
      ['PRAGMA', 'PRAGMA show_tables'],
      ['EXPLAIN', `EXPLAIN SELECT * FROM ${view}`],
      ['catalog view', 'SELECT * FROM duckdb_tables'],
      ['catalog function', 'SELECT * FROM duckdb_tables()'],
      ['information_schema', 'SELECT * FROM information_schema.tables'],
      ['pg_catalog', 'SELECT * FROM pg_catalog.pg_class'],
      ['sqlite_master', 'SELECT * FROM sqlite_master'],
      ['base table by schema', `SELECT * FROM base."${ds}"`],
      ['base table by catalog', `SELECT * FROM warehouse.base."${ds}"`],
      ['query()', `SELECT * FROM query('SELECT * FROM base."${ds}"')`],
      ['query_table()', `SELECT * FROM query_table('base.${ds}')`],
      ['getenv', "SELECT getenv('HOME')"],
      ['current_setting', "SELECT current_setting('enable_external_access')"],
      ['two statements', `SELECT 1; SELECT * FROM ${view}`],
      ['CTE named like a catalog view', 'WITH duckdb_tables AS (SELECT 1) SELECT * FROM duckdb_tables'],
      ['DDL', 'CREATE TABLE x AS SELECT 1'],
      ['DML', `DELETE FROM ${view}`],
      ['ungranted dataset in a subquery', `SELECT (SELECT count(*) FROM ky_luat) FROM ${view}`],
      ['ungranted dataset in a CTE', `WITH k AS (SELECT * FROM to_chuc_bo_may_bien_che) SELECT * FROM k`],
      ['ungranted dataset in a UNION', `SELECT member_number FROM ${view} UNION ALL SELECT full_name FROM ky_luat`],
      ['ungranted dataset in a join', `SELECT * FROM ${view} a JOIN ky_luat b ON a.full_name = b.full_name`],
      ['time travel', `SELECT * FROM ${view} AT (VERSION => 1)`],
      ['recursive CTE', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r'],
      ['lambda', 'SELECT list_transform([1], x -> x + 1)'],
      ['PIVOT', `SELECT * FROM ${view} PIVOT (count(*) FOR gender IN ('1'))`],
    ];
    it.each(escapes)('R-7.3: escape attempt refused — %s', async (_name, sql) => {
      const r = await query(analyst, sql);
      expect([400, 403], r.body).toContain(r.statusCode);
      expect(r.body).not.toContain('Bí Mật');
      for (const v of UNGRANTED_VALUES) expect(r.body).not.toContain(v);
    });

    it('R-7.3: columns outside the grant stay out through SELECT *, joins, subqueries, CTEs, UNION and window functions', async () => {
      const attempts = [
        `SELECT admission_date FROM ${view}`,
        `SELECT a.* , b.admission_date FROM ${view} a JOIN ${view} b USING (member_number)`,
        `SELECT * FROM (SELECT party_organisation_code FROM ${view})`,
        `WITH c AS (SELECT ethnic_group FROM ${view}) SELECT * FROM c`,
        `SELECT full_name FROM ${view} UNION SELECT admission_date::VARCHAR FROM ${view}`,
        `SELECT row_number() OVER (PARTITION BY party_organisation_code) FROM ${view}`,
        `SELECT * FROM ${view} WHERE admission_date > DATE '2000-01-01'`,
        `SELECT "${view}".commune_code FROM ${view}`,
      ];
      for (const sql of attempts) {
        const r = await query(analyst, sql);
        expect(r.statusCode, sql).toBe(400);
        for (const v of UNGRANTED_VALUES) expect(r.body, sql).not.toContain(v);
      }
      // A join, CTE, UNION and window of granted columns answer, and still carry nothing else.
      const a = await answer(
        analyst,
        `WITH c AS (SELECT member_number, gender FROM ${view}) SELECT c.gender, count(*) OVER (PARTITION BY c.gender) AS n FROM c JOIN ${view} v USING (member_number) UNION ALL SELECT 'x', 0`,
      );
      expect(a.rows.length).toBe(13);
      for (const v of UNGRANTED_VALUES) expect(JSON.stringify(a)).not.toContain(v);
    });

    it('R-7.3: an error never echoes a value (a failed cast is answered by its kind only)', async () => {
      const r = await query(analyst, `SELECT CAST(full_name AS INTEGER) FROM ${view}`);
      expect(r.statusCode).toBe(400);
      expect(r.body).not.toContain('Nguyễn');
      expect(r.json()).toMatchObject({ error_kind: 'Conversion' });
    });

    it('R-17.2: every query is an entry in the log of each custodian it read — who, the SQL, datasets, rows, digest — before the answer', async () => {
      const sql = `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender ORDER BY gender`;
      const a = await answer(analyst, sql);
      expect(a.receipts).toHaveLength(1);
      expect(a.receipts[0]!.log).toBe('BTCTW');
      const receipt = (await ok(await w.call('GET', `/api/v1/ledger/receipts/${a.receipts[0]!.id}`, await w.env.adminAuth()))) as {
        entry: {
          requester: { agency: string; account: string };
          request: { query: Record<string, string>; fields: string[] };
          dataset: string;
          response: { content_sha256: string };
        };
      };
      expect(receipt.entry.requester).toMatchObject({ agency: 'VPCP', account: 'pt.vpcp' });
      expect(receipt.entry.dataset).toBe(ds);
      expect(receipt.entry.request.query).toMatchObject({ sql, datasets: ds, result_rows: String(a.rows.length) });
      expect(receipt.entry.response.content_sha256).toBe(a.sha256);
    });

    it('R-7.3: a dataset restricted to aggregates answers grouped counts only, and groups under the threshold are withheld', async () => {
      await ok(await w.call('PUT', `/api/v1/warehouse/datasets/${ds}/policy`, custodian, { aggregates_only: true, min_cell: 5 }));
      try {
        // Another agency may not decide it.
        expect((await w.call('PUT', `/api/v1/warehouse/datasets/${ds}/policy`, w.auth.consumer, { aggregates_only: false })).statusCode).toBe(403);
        const big = await answer(analyst, `SELECT gender, count(*) AS n FROM ${view} GROUP BY gender ORDER BY gender`);
        expect(big.rows).toEqual([
          ['1', 7],
          ['2', 5],
        ]);
        // Each birth date holds one or two records: every group is withheld.
        const small = await answer(analyst, `SELECT date_of_birth, count(*) FROM ${view} GROUP BY date_of_birth`);
        expect(small.rows).toEqual([]);
        const refusedShapes = [
          `SELECT full_name FROM ${view}`,
          `SELECT * FROM ${view}`,
          `SELECT max(full_name) FROM ${view}`,
          `SELECT sum(CASE WHEN full_name = 'Nguyễn Văn Số1' THEN 1 ELSE 0 END) FROM ${view}`,
          `SELECT gender, count(*) FROM (SELECT * FROM ${view}) GROUP BY gender`,
          `WITH c AS (SELECT * FROM ${view}) SELECT count(*) FROM c`,
          `SELECT count(*) OVER () FROM ${view}`,
          `SELECT gender FROM ${view} GROUP BY gender UNION SELECT full_name FROM ${view}`,
        ];
        for (const sql of refusedShapes) expect((await query(analyst, sql)).statusCode, sql).toBe(403);
        // The same suppression holds through a saved query, its chart and its export.
        const sq = (await ok(
          await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, {
            name: 'Theo ngày sinh',
            sql: `SELECT date_of_birth, count(*) AS n FROM ${view} GROUP BY 1`,
          }),
          201,
        )) as { id: string };
        expect(((await ok(await w.call('POST', `/api/v1/warehouse/saved-queries/${sq.id}/chart`, analyst, {}))) as { rows: unknown[] }).rows).toEqual([]);
        const csv = await w.call('POST', '/api/v1/warehouse/exports', analyst, { saved_query_id: sq.id, format: 'csv' });
        expect(csv.statusCode).toBe(200);
        expect(csv.body.trim().split('\r\n')).toHaveLength(1);
      } finally {
        await ok(await w.call('PUT', `/api/v1/warehouse/datasets/${ds}/policy`, custodian, { aggregates_only: false }));
      }
    });

    it('R-7.3: saved queries take parameters, draw charts and export CSV, XLSX and Parquet — with the same masks, each logged (R-17.2)', async () => {
      const sq = (await ok(
        await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, {
          name: 'Mã định danh theo tiền tố',
          sql: `SELECT member_number, citizen_id, gender FROM ${view} WHERE full_name LIKE $prefix ORDER BY member_number`,
          parameters: [{ name: 'prefix', type: 'text', default: 'Nguyễn%' }],
          chart: { type: 'bar', x: 'gender', y: ['member_number'] },
        }),
        201,
      )) as { id: string };
      const run = (await ok(await w.call('POST', `/api/v1/warehouse/saved-queries/${sq.id}/run`, analyst, { params: { prefix: 'Nguyễn Văn Số1%' } }))) as {
        rows: string[][];
        receipts: unknown[];
      };
      expect(run.rows.map((r) => r[0])).toEqual(['01.10001', '01.100010', '01.100011']);
      expect(run.rows.every((r) => /^\*+\d{4}$/.test(r[1]!))).toBe(true);
      expect(run.receipts).toHaveLength(1);
      const chart = (await ok(await w.call('POST', `/api/v1/warehouse/saved-queries/${sq.id}/chart`, analyst, {}))) as { rows: unknown[] };
      expect(chart.rows).toHaveLength(12);

      const csv = await w.call('POST', '/api/v1/warehouse/exports', analyst, { saved_query_id: sq.id, format: 'csv' });
      expect(csv.statusCode, csv.body).toBe(200);
      expect(csv.headers['lienthong-receipts']).toMatch(/^BTCTW:/);
      const lines = csv.body
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe('member_number,citizen_id,gender');
      expect(lines).toHaveLength(13);
      expect(csv.body).not.toMatch(/\d{12}/);

      const xlsx = await w.call('POST', '/api/v1/warehouse/exports', analyst, { sql: `SELECT member_number FROM ${view}`, format: 'xlsx' });
      expect(xlsx.statusCode).toBe(200);
      expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');

      const pq = await w.call('POST', '/api/v1/warehouse/exports', analyst, {
        sql: `SELECT member_number, citizen_id, date_of_birth FROM ${view} ORDER BY 1`,
        format: 'parquet',
      });
      expect(pq.statusCode, pq.body).toBe(200);
      const file = path.join(dir, 'answer.parquet');
      fs.writeFileSync(file, pq.rawPayload);
      const duck = await DuckDBInstance.create(':memory:');
      const conn = await duck.connect();
      const back = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY 1`)).getRowObjectsJson();
      conn.closeSync();
      duck.closeSync();
      expect(back).toHaveLength(12);
      expect(String(back[0]!.citizen_id)).toMatch(/^\*+\d{4}$/);
      expect(String(back[0]!.date_of_birth)).toMatch(/^1985-01-0\d$/);
      // A saved query of another agency is not there for this one.
      expect((await w.call('POST', `/api/v1/warehouse/saved-queries/${sq.id}/run`, outsider, {})).statusCode).toBe(404);
    });

    it('R-7.3: a parameter value of the wrong type is refused with a 400 naming it, never bound (text as a number would answer nothing, silently)', async () => {
      const sq = (await ok(
        await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, {
          name: 'Sinh từ ngày',
          sql: `SELECT member_number FROM ${view} WHERE date_of_birth >= $tu AND length(member_number) > $n ORDER BY 1`,
          parameters: [
            { name: 'tu', type: 'date', default: '1985-01-01' },
            { name: 'n', type: 'number', default: 0 },
          ],
        }),
        201,
      )) as { id: string; version: number };
      const run = (params: object) => w.call('POST', `/api/v1/warehouse/saved-queries/${sq.id}/run`, analyst, { params });
      expect(((await ok(await run({ n: '3' }))) as { rows: unknown[] }).rows).toHaveLength(12);
      for (const [params, vi, en] of [
        [{ n: 'abc' }, 'Tham số n phải là số.', 'The parameter n must be a number.'],
        [{ n: true }, 'Tham số n phải là số.', 'The parameter n must be a number.'],
        [{ tu: '1985-02-30' }, 'Tham số tu phải là ngày dạng YYYY-MM-DD.', 'The parameter tu must be a YYYY-MM-DD date.'],
        [{ tu: '03/01/1985' }, 'Tham số tu phải là ngày dạng YYYY-MM-DD.', 'The parameter tu must be a YYYY-MM-DD date.'],
      ] as const) {
        const r = await run(params);
        expect(r.statusCode, r.body).toBe(400);
        expect(r.json()).toMatchObject({ detail: vi, detail_en: en, errors: [{ path: `/params/${Object.keys(params)[0]}` }] });
      }
      // A default of the wrong type is refused when the query is saved, and a tile's value when the dashboard is.
      const bad = await w.call('PUT', `/api/v1/warehouse/saved-queries/${sq.id}`, analyst, {
        name: 'Sinh từ ngày',
        sql: `SELECT member_number FROM ${view} WHERE date_of_birth >= $tu`,
        parameters: [{ name: 'tu', type: 'date', default: 'hôm qua' }],
      });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json()).toMatchObject({ errors: [{ path: '/parameters/0/default' }] });
      const tile = await w.call('POST', '/api/v1/warehouse/dashboards', analyst, {
        title: 'Sai kiểu',
        tiles: [{ saved_query_id: sq.id, chart: 'table', width: 12, params: { n: 'nhiều' } }],
      });
      expect(tile.statusCode, tile.body).toBe(400);
      expect(tile.json()).toMatchObject({ detail_en: 'The parameter n must be a number.', errors: [{ path: '/tiles/0/params/n' }] });
    });

    it('R-7.3: the warehouse keeps history — a question can be asked as of an instant', async () => {
      const before = (await answer(analyst, `SELECT full_name FROM ${view} WHERE member_number = '01.10000'`)).rows;
      expect(before).toEqual([['Nguyễn Văn Số0']]);
      w.env.clock.advance(60_000);
      await ok(
        await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, {
          records: [{ key: 'm-0', data: member(1, { member_number: '01.10000', full_name: 'Trần Thị Mới' }) }],
        }),
      );
      await w.env.platform.warehouse.ingest();
      const versions = (await ok(await w.call('GET', `/api/v1/datasets/${ds}/records/m-0/versions`, custodian))) as { version: number; written_at: string }[];
      const v2 = versions.find((v) => v.version === 2)!;
      const asOf = new Date(new Date(v2.written_at).getTime() - 1).toISOString();
      expect((await answer(analyst, `SELECT full_name FROM ${view} WHERE member_number = '01.10000'`)).rows).toEqual([['Trần Thị Mới']]);
      expect((await answer(analyst, `SELECT full_name FROM ${view} WHERE member_number = '01.10000'`, { as_of: asOf })).rows).toEqual([['Nguyễn Văn Số0']]);
    });

    it('R-7.3: after concurrent writes and ingestion passes the warehouse equals the hosted data — nothing missing, nothing doubled', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `c-${i}`);
      const live = new Set<string>();
      let stop = false;
      const ingesting = (async () => {
        while (!stop) await w.env.platform.warehouse.ingest();
      })();
      await Promise.all(
        Array.from({ length: 4 }, async (_, t) => {
          for (let i = 0; i < 25; i++) {
            const batch = [...new Set(Array.from({ length: 1 + ((i * 7 + t) % 5) }, (_, j) => keys[(i * 13 + t * 5 + j * 3) % keys.length]!))];
            const records = batch.map((key, j) =>
              live.has(key) && (i + j) % 4 === 0
                ? { key, delete: true as const }
                : { key, data: member(1 + ((i + j) % 9), { member_number: `02.${key}`, full_name: `Người ${t}-${i}-${key}` }) },
            );
            const r = await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, { records });
            if (r.statusCode === 200)
              for (const rec of records) {
                if (rec.data) live.add(rec.key);
                else live.delete(rec.key);
              }
          }
        }),
      );
      stop = true;
      await ingesting;
      await w.env.platform.warehouse.ingest();
      const hosted = new Map<string, { version: number; data: Record<string, unknown> | null }>();
      for (let after: string | undefined; ;) {
        const page = await w.env.platform.sync.records.listLive(ds, { where: {}, limit: 1000, ...(after !== undefined && { after }) });
        for (const r of page) hosted.set(r.key, { version: r.version, data: r.data });
        if (page.length < 1000) break;
        after = page.at(-1)!.key;
      }
      const stored = await w.env.platform.warehouse.currentVersions(ds);
      expect([...stored.keys()].sort()).toEqual([...hosted.keys()].sort());
      for (const [key, h] of hosted) {
        expect(stored.get(key)!.version, key).toBe(h.version);
        expect(stored.get(key)!.row.full_name, key).toBe(h.data!.full_name);
      }
      // And an analyst counts the same.
      const n = (await answer(analyst, `SELECT count(*) FROM ${view}`)).rows[0]![0];
      expect(Number(n)).toBe(hosted.size);
    });

    it('R-7.3: terminating an agreement removes its columns at once, and the last one the dataset', async () => {
      const list = (await ok(await w.call('GET', `/api/v1/agreements?dataset=${ds}&consumer=VPCP&status=active`, await w.env.adminAuth()))) as {
        items: { id: string; system_code: string }[];
      };
      const tk = list.items.find((a) => a.system_code === 'VPCP-TK')!;
      await ok(
        await w.call('POST', `/api/v1/agreements/${tk.id}/terminate`, custodian, {
          ground: 'a',
          reason: 'Hết nhu cầu thống kê',
          evidence: 'Công văn 1/CV-BTCTW',
        }),
      );
      const r = await query(analyst, `SELECT gender FROM ${view}`);
      expect(r.statusCode).toBe(400);
      const a = await answer(analyst, `SELECT * FROM ${view} LIMIT 1`);
      expect(a.columns.map((c) => c.name)).not.toContain('gender');
      const qlcb = list.items.find((a) => a.system_code === 'VPCP-QLCB')!;
      await ok(
        await w.call('POST', `/api/v1/agreements/${qlcb.id}/terminate`, custodian, { ground: 'a', reason: 'Kết thúc', evidence: 'Công văn 2/CV-BTCTW' }),
      );
      expect((await query(analyst, `SELECT count(*) FROM ${view}`)).statusCode).toBe(403);
      // Saved queries and exports go through the same path: nothing there either.
      const saved = (await ok(await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, { name: 'Đếm', sql: `SELECT count(*) FROM ${view}` }), 201)) as {
        id: string;
      };
      expect((await w.call('POST', `/api/v1/warehouse/saved-queries/${saved.id}/run`, analyst, {})).statusCode).toBe(403);
      expect((await w.call('POST', `/api/v1/warehouse/saved-queries/${saved.id}/chart`, analyst, {})).statusCode).toBe(403);
      expect((await w.call('POST', '/api/v1/warehouse/exports', analyst, { saved_query_id: saved.id, format: 'csv' })).statusCode).toBe(403);
    });
  });
}
