import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warehouseCommand } from '../../src/cli/warehouse.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

const ds = 'can-bo-dang-vien';
const view = 'can_bo_dang_vien';
const orgs = 'to-chuc-dang';
const DAY = 86_400_000;
/** Records per month of birth, 1990-01 … 1991-12: a clear upward trend with a little noise. */
const PER_MONTH = Array.from({ length: 24 }, (_, i) => 3 + i + (i % 3 === 0 ? 1 : 0));
const month = (i: number) => `${1990 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const SERIES_SQL = `SELECT strftime(date_of_birth, '%Y-%m') AS period, count(*) AS value FROM ${view} WHERE date_of_birth >= DATE '1990-01-01' GROUP BY 1 ORDER BY 1`;

interface Manifest {
  export_id: string;
  taken_at: string;
  datasets: {
    code: string;
    custodian: string;
    position: number;
    ingested_at: string | null;
    rows: number;
    bytes: number;
    columns: { name: string; type: string }[];
  }[];
  files: { path: string; dataset: string; valid_from_date: string; rows: number; bytes: number; sha256: string }[];
}
interface ExportAnswer {
  export_id: string;
  directory: string;
  manifest_sha256: string;
  manifest: Manifest;
  receipts: { log: string; id: string }[];
}

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

for (const driver of DRIVERS) {
  describe(`[${driver}] warehouse for leadership and past one machine (R-7.3, R-17.2)`, () => {
    let w: World;
    let dir: string;
    let analyst: string;
    let outsider: string;
    let reader: DuckDBInstance;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-wh-lead-'));
      // Sessions outlive the day the clock moves on.
      w = await startWorld(driver, { LIENTHONG_WAREHOUSE_FILE: path.join(dir, 'warehouse.duckdb'), LIENTHONG_SESSION_TTL_SECONDS: String(3 * 24 * 3600) });
      analyst = await w.env.userAuth('pt.vpcp', 'VPCP', ['analyst']);
      outsider = await w.env.userAuth('pt.bnctw', 'BNCTW', ['analyst']);
      const custodian = w.auth.custodian;
      // Day one: twelve cadres, and the series of births per month.
      const cadres = Array.from({ length: 12 }, (_, i) => ({
        key: `m-${i}`,
        data: member((i % 9) + 1, { member_number: `01.1000${i}`, full_name: `Nguyễn Văn Số${i}` }),
      }));
      await ok(await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, { records: cadres }));
      const births = PER_MONTH.flatMap((n, i) =>
        Array.from({ length: n }, (_, j) => ({
          key: `s-${i}-${j}`,
          data: member(1, { member_number: `03.${i}${String(j).padStart(3, '0')}`, full_name: `Sinh ${i}-${j}`, date_of_birth: `${month(i)}-1${j % 10}` }),
        })),
      );
      await ok(await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, { records: births }));
      // Day two: three cadres change (a second version each) and a second dataset gets records.
      w.env.clock.advance(DAY);
      await ok(
        await w.call('POST', `/api/v1/datasets/${ds}/records`, custodian, {
          records: [0, 1, 2].map((i) => ({ key: `m-${i}`, data: member(i + 1, { member_number: `01.1000${i}`, full_name: `Trần Thị Mới${i}` }) })),
        }),
      );
      await ok(
        await w.call('POST', `/api/v1/datasets/${orgs}/records`, custodian, {
          records: [1, 2, 3].map((i) => ({
            key: `o-${i}`,
            data: {
              organisation_code: `DB-0${i}`,
              name: `Đảng bộ ${i}`,
              organisation_type: 'dang_bo',
              province_code: '01',
              status: 'active',
              member_count: 10 * i,
            },
          })),
        }),
      );
      // A secret dataset of the same custodian: never in the warehouse, never in an export.
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
      reader = await DuckDBInstance.create(':memory:');
    }, 180_000);
    afterAll(async () => {
      reader?.closeSync();
      await w?.env.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function ok(res: { statusCode: number; body: string; json(): unknown }, status = 200) {
      expect(res.statusCode, res.body).toBe(status);
      return res.json() as never;
    }
    async function read(sql: string): Promise<Record<string, unknown>[]> {
      const conn = await reader.connect();
      try {
        return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
      } finally {
        conn.closeSync();
      }
    }
    const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
    const receipt = async (id: string) =>
      ((await ok(await w.call('GET', `/api/v1/ledger/receipts/${id}`, await w.env.adminAuth()))) as { entry: Record<string, never> }).entry as unknown as {
        form: string;
        requester: { agency: string; account: string };
        request: { resource: string; query: Record<string, string>; fields: string[] };
        dataset: string;
        response: { status: number; content_sha256: string; bytes: number };
      };

    /** Every file of the manifest is there with its size and SHA-256, and no file is left out of it. */
    function checkFiles(root: string, m: Manifest) {
      const onDisk = fs
        .readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort();
      expect(m.files.map((f) => f.path).sort()).toEqual(onDisk);
      for (const f of m.files) {
        const bytes = fs.readFileSync(path.join(root, f.path));
        expect(bytes.length, f.path).toBe(f.bytes);
        expect(sha256(bytes), f.path).toBe(f.sha256);
        expect(f.path).toBe(`${f.dataset}/valid_from_date=${f.valid_from_date}/${path.basename(f.path)}`);
      }
    }

    describe('partitioned Parquet export of whole tables', () => {
      let exp: ExportAnswer;

      it('R-7.3: only the coordinator exports whole tables — an analyst or a custodian is refused (403)', async () => {
        for (const who of [analyst, w.auth.custodian, w.auth.consumer]) {
          const r = await w.call('POST', '/api/v1/warehouse/parquet-exports', who);
          expect(r.statusCode, r.body).toBe(403);
          expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(r.json()).toMatchObject({ title: 'Không có quyền thực hiện thao tác này', title_en: 'Not allowed to perform this action', rule: 'R-7.3' });
        }
        exp = (await ok(await w.call('POST', '/api/v1/warehouse/parquet-exports', await w.env.adminAuth()), 201)) as ExportAnswer;
        expect(fs.existsSync(path.join(exp.directory, 'manifest.json'))).toBe(true);
        // No half-written directory is left beside it.
        expect(fs.readdirSync(path.dirname(exp.directory)).filter((n) => n.includes('partial'))).toEqual([]);
      });

      it('R-7.3: the manifest lists every file with its SHA-256, size, rows, dataset, schema and feed position, and each checksum matches', async () => {
        const bytes = fs.readFileSync(path.join(exp.directory, 'manifest.json'));
        expect(sha256(bytes)).toBe(exp.manifest_sha256);
        const m = JSON.parse(bytes.toString()) as Manifest;
        expect(m).toEqual(exp.manifest);
        checkFiles(exp.directory, m);
        const status = await w.env.platform.warehouse.status();
        for (const d of m.datasets) {
          const s = status.find((x) => x.dataset === d.code)!;
          expect(d.position, d.code).toBe(s.position);
          if (d.position > 0) expect(d.ingested_at, d.code).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
          expect(d.rows, d.code).toBe(m.files.filter((f) => f.dataset === d.code).reduce((n, f) => n + f.rows, 0));
          expect(d.columns.map((c) => c.name).slice(0, 5)).toEqual(['_key', '_version', '_position', '_valid_from', '_valid_to']);
        }
        const cadres = m.datasets.find((d) => d.code === ds)!;
        expect(cadres.custodian).toBe('BTCTW');
        expect(cadres.columns).toContainEqual({ name: 'citizen_id__masked', type: 'VARCHAR' });
        expect(cadres.columns).toContainEqual({ name: 'date_of_birth', type: 'DATE' });
        // Two days of writes: two date partitions.
        expect(new Set(m.files.filter((f) => f.dataset === ds).map((f) => f.valid_from_date)).size).toBe(2);
        expect(m.datasets.find((d) => d.code === orgs)!.rows).toBe(3);
      });

      it('R-7.3, R-4.6: a secret dataset never appears in the export', async () => {
        expect(exp.manifest.datasets.map((d) => d.code)).not.toContain('ky-luat');
        expect(exp.manifest.files.some((f) => f.dataset === 'ky-luat')).toBe(false);
        expect(fs.existsSync(path.join(exp.directory, 'ky-luat'))).toBe(false);
        for (const d of exp.manifest.datasets) expect(['normal', 'sensitive']).toContain((await w.env.platform.catalog.datasets.get(d.code)).classification);
      });

      it('R-7.3: the files read back with DuckDB (hive partitioning) equal the warehouse tables, row by row and value by value, history included', async () => {
        const glob = (code: string) => lit(`${exp.directory}/${code}/**/*.parquet`);
        for (const code of [ds, orgs]) {
          const back = await read(`SELECT * EXCLUDE (valid_from_date) FROM read_parquet(${glob(code)}, hive_partitioning = true) WHERE _valid_to IS NULL`);
          const stored = await w.env.platform.warehouse.currentVersions(code);
          expect(back.length, code).toBe(stored.size);
          for (const row of back) expect(row, String(row._key)).toEqual(stored.get(String(row._key))!.row);
        }
        // Every version is there: 12 cadres + the births + 3 second versions, each first version closed when the second began.
        const all = await read(
          `SELECT _key, _version, _valid_from, _valid_to FROM read_parquet(${glob(ds)}, hive_partitioning = true) ORDER BY _key, _version`,
        );
        const births = PER_MONTH.reduce((a, b) => a + b, 0);
        expect(all).toHaveLength(12 + births + 3);
        for (const key of ['m-0', 'm-1', 'm-2']) {
          const [v1, v2] = all.filter((r) => r._key === key);
          expect(v1!._valid_to).toBe(v2!._valid_from);
          expect(v2!._valid_to).toBeNull();
        }
        // The partition is the UTC day the version became valid, typed DATE.
        const wrong = await read(
          `SELECT count(*) AS n, any_value(typeof(valid_from_date)) AS t FROM read_parquet(${glob(ds)}, hive_partitioning = true) WHERE valid_from_date <> CAST(timezone('UTC', _valid_from) AS DATE)`,
        );
        expect(Number(wrong[0]!.n)).toBe(0);
      });

      it('R-17.2: the export is in the sharing log of each custodian whose data it holds, with the manifest’s SHA-256', async () => {
        // Tables with no row carry no data of their custodian: only the others are logged.
        expect(exp.receipts.map((r) => r.log)).toEqual(exp.manifest.datasets.filter((d) => d.rows > 0).map((d) => d.custodian));
        const byDataset = new Map<string, ReturnType<typeof receipt> extends Promise<infer T> ? T : never>();
        for (const r of exp.receipts) {
          const e = await receipt(r.id);
          byDataset.set(e.dataset, e);
        }
        const e = byDataset.get(ds)!;
        expect(e.form).toBe('export');
        expect(e.requester).toMatchObject({ agency: 'VPTW', account: 'admin' });
        expect(e.request.resource).toBe('/api/v1/warehouse/parquet-exports');
        expect(e.request.query).toMatchObject({ export_id: exp.export_id, format: 'parquet-partitioned' });
        expect(e.request.fields).toContain('full_name');
        expect(e.response).toMatchObject({ status: 200, content_sha256: exp.manifest_sha256, bytes: exp.manifest.datasets.find((d) => d.code === ds)!.bytes });
        expect(byDataset.has(orgs)).toBe(true);
      });

      it('R-7.3, R-17.2: the operator’s CLI writes the same layout into a new directory, logged the same; a directory with content is refused', async () => {
        const target = path.join(dir, 'cli-export');
        const lines: string[] = [];
        const source = async () => ({ platform: w.env.platform, done: async () => undefined });
        await warehouseCommand(source, (l) => lines.push(l)).parseAsync(['export-parquet', '--out', target, '--json'], { from: 'user' });
        const r = JSON.parse(lines.join('\n')) as ExportAnswer;
        expect(r.directory).toBe(target);
        const m = JSON.parse(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8')) as Manifest;
        checkFiles(target, m);
        expect(m.datasets.map((d) => d.code)).toEqual(exp.manifest.datasets.map((d) => d.code));
        expect(m.datasets.map((d) => d.code)).not.toContain('ky-luat');
        const e = await receipt(r.receipts[0]!.id);
        expect(e.requester.account).toBe(`cli:${os.userInfo().username}`);
        expect(e.request.resource).toBe('cli:warehouse export-parquet');
        await expect(warehouseCommand(source, () => undefined).parseAsync(['export-parquet', '--out', target], { from: 'user' })).rejects.toMatchObject({
          status: 409,
        });
      });

      it('R-7.3, R-4.6: a dataset classified secret after it was ingested is left out of the next export at once, before ingestion drops it', async () => {
        const d = await w.call('GET', `/api/v1/datasets/${orgs}`, w.auth.custodian);
        await ok(await w.call('PATCH', `/api/v1/datasets/${orgs}`, w.auth.custodian, { classification: 'secret' }, { 'if-match': String(d.headers.etag) }));
        try {
          expect((await w.env.platform.warehouse.status()).map((x) => x.dataset)).toContain(orgs);
          const again = (await ok(await w.call('POST', '/api/v1/warehouse/parquet-exports', await w.env.adminAuth()), 201)) as ExportAnswer;
          expect(again.manifest.datasets.map((x) => x.code)).toContain(ds);
          expect(again.manifest.datasets.map((x) => x.code)).not.toContain(orgs);
          expect(fs.existsSync(path.join(again.directory, orgs))).toBe(false);
          expect(again.receipts.every((r) => r.log === 'BTCTW')).toBe(true);
          expect(again.export_id).not.toBe(exp.export_id);
        } finally {
          const now = await w.call('GET', `/api/v1/datasets/${orgs}`, w.auth.custodian);
          await ok(await w.call('PATCH', `/api/v1/datasets/${orgs}`, w.auth.custodian, { classification: 'normal' }, { 'if-match': String(now.headers.etag) }));
        }
      });
    });

    describe('forecasting for leadership', () => {
      interface ForecastAnswer {
        history: { period: string; value: number }[];
        forecast: { period: string; value: number; lower: number; upper: number }[];
        model: string;
        level: number;
        sha256: string;
        receipts: { log: string; id: string }[];
      }
      const forecast = (who: string, body: object) => w.call('POST', '/api/v1/warehouse/forecast', who, body);

      it('R-7.3: a series with a clear trend is projected onward, lower ≤ value ≤ upper, the interval widening with the horizon', async () => {
        const f = (await ok(await forecast(analyst, { sql: SERIES_SQL, horizon: 6 }))) as ForecastAnswer;
        expect(f.history).toEqual(PER_MONTH.map((value, i) => ({ period: month(i), value })));
        expect(f.model).toBe('ARIMA(0,2,1)');
        expect(f.level).toBe(0.95);
        expect(f.forecast.map((p) => p.period)).toEqual(['1992-01', '1992-02', '1992-03', '1992-04', '1992-05', '1992-06']);
        const lastLevel = (PER_MONTH[21]! + PER_MONTH[22]! + PER_MONTH[23]!) / 3;
        expect(f.forecast[0]!.value).toBeGreaterThan(lastLevel);
        for (let i = 0; i < f.forecast.length; i++) {
          const p = f.forecast[i]!;
          expect(p.lower).toBeLessThanOrEqual(p.value);
          expect(p.value).toBeLessThanOrEqual(p.upper);
          if (i > 0) {
            const q = f.forecast[i - 1]!;
            expect(p.value).toBeGreaterThan(q.value);
            expect(p.upper - p.lower).toBeGreaterThan(q.upper - q.lower);
          }
        }
        // About one more a month, as the series grows.
        expect(f.forecast[5]!.value - f.forecast[0]!.value).toBeGreaterThan(3);
        expect(f.forecast[5]!.value - f.forecast[0]!.value).toBeLessThan(7);
      });

      it('R-7.3: a saved query with parameters forecasts the same way', async () => {
        const sq = (await ok(
          await w.call('POST', '/api/v1/warehouse/saved-queries', analyst, {
            name: 'Số sinh theo tháng',
            sql: SERIES_SQL.replace("DATE '1990-01-01'", '$from'),
            parameters: [{ name: 'from', type: 'date', default: '1990-01-01' }],
          }),
          201,
        )) as { id: string };
        const f = (await ok(await forecast(analyst, { saved_query_id: sq.id, params: { from: '1990-01-01' }, horizon: 3 }))) as ForecastAnswer;
        expect(f.history).toHaveLength(24);
        expect(f.forecast).toHaveLength(3);
      });

      it('R-7.3: a series of too few points is a 400 problem, Vietnamese first', async () => {
        const r = await forecast(analyst, { sql: SERIES_SQL.replace('GROUP BY', "AND date_of_birth < DATE '1990-04-01' GROUP BY"), horizon: 3 });
        expect(r.statusCode, r.body).toBe(400);
        expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(r.json()).toMatchObject({ title: 'Yêu cầu không hợp lệ', title_en: 'Bad request', points: 3, minimum: 12, rule: 'R-7.3' });
        expect((r.json() as { detail: string }).detail).toMatch(/ít nhất 12/);
        expect((await forecast(analyst, { sql: SERIES_SQL, horizon: 37 })).statusCode).toBe(400);
        expect((await forecast(analyst, { sql: `SELECT full_name AS period, NULL AS value FROM ${view}`, horizon: 3 })).statusCode).toBe(400);
      });

      it('R-7.3: data outside the grant is refused exactly as the query is refused', async () => {
        for (const [who, sql] of [
          [outsider, SERIES_SQL],
          [analyst, `SELECT strftime(admission_date, '%Y') AS period, count(*) AS value FROM ${view} GROUP BY 1 ORDER BY 1`],
          [analyst, 'SELECT decision_date AS period, count(*) AS value FROM ky_luat GROUP BY 1 ORDER BY 1'],
          [await w.env.adminAuth(), SERIES_SQL],
        ] as const) {
          const q = await w.call('POST', '/api/v1/warehouse/query', who, { sql });
          const f = await forecast(who, { sql, horizon: 3 });
          expect(q.statusCode, sql).toBeGreaterThanOrEqual(400);
          expect(f.statusCode, sql).toBe(q.statusCode);
          const [qp, fp] = [q.json() as Record<string, unknown>, f.json() as Record<string, unknown>];
          expect(fp.type).toBe(qp.type);
          expect(fp.detail).toBe(qp.detail);
          expect(f.body).not.toContain('2010-05-19');
          expect(f.body).not.toContain('Bí Mật');
        }
      });

      it('R-17.2: a forecast is logged like a query in the custodian’s log before it is given', async () => {
        const f = (await ok(await forecast(analyst, { sql: SERIES_SQL, horizon: 4 }))) as ForecastAnswer;
        expect(f.receipts).toHaveLength(1);
        expect(f.receipts[0]!.log).toBe('BTCTW');
        const e = await receipt(f.receipts[0]!.id);
        expect(e.form).toBe('api');
        expect(e.requester).toMatchObject({ agency: 'VPCP', account: 'pt.vpcp' });
        expect(e.dataset).toBe(ds);
        expect(e.request.resource).toBe('/api/v1/warehouse/forecast');
        expect(e.request.query).toMatchObject({ sql: SERIES_SQL, forecast: 'ARIMA(0,2,1) horizon=4', result_rows: '24' });
        expect(e.response.content_sha256).toBe(f.sha256);
      });
    });
  });
}
