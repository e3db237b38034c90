import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/report.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, refused, startWorld } from '../gateway/world.ts';
import { settleLogs } from './helpers.ts';

interface Logged {
  entry: {
    requested_at: string;
    form: string;
    dataset: string | null;
    requester: { agency: string | null; system: string | null };
    response: { status: number; bytes?: number; rule?: string | null };
  };
}

/** Every entry of a log, read through the ledger's own search API (not the reports module). */
async function allEntries(w: World, log: string): Promise<Logged[]> {
  const out: Logged[] = [];
  let after: number | null = -1;
  while (after !== null) {
    const res = await w.call('GET', `/api/v1/ledger/${log}/entries?limit=200${after >= 0 ? `&after=${after}` : ''}`, await w.env.adminAuth());
    const page = res.json() as { items: Logged[]; next_after: number | null };
    out.push(...page.items);
    after = page.next_after;
  }
  return out;
}

/** An independent recount, in the test: exchanges and bytes by form, status, rule, consumer system and dataset. */
function recount(entries: Logged[]): Map<string, { exchanges: number; bytes: number }> {
  const m = new Map<string, { exchanges: number; bytes: number }>();
  for (const { entry: e } of entries) {
    const k = [e.form, e.response.status, e.response.rule ?? '', e.requester.system ?? '', e.dataset ?? ''].join('|');
    const had = m.get(k) ?? { exchanges: 0, bytes: 0 };
    m.set(k, { exchanges: had.exchanges + 1, bytes: had.bytes + (e.response.bytes ?? 0) });
  }
  return m;
}

interface FigureRow {
  group: Record<string, string | number>;
  exchanges: number;
  bytes: number;
  latency: { count: number; p50_ms: number | null };
}

for (const driver of DRIVERS) {
  describe(`[${driver}] reports: figures counted from the sharing log, recounted from its entries (R-18.2, R-17.2)`, () => {
    let w: World;
    beforeAll(async () => {
      // Thousands of calls in seconds would pass the accounts' rate limit, and which were throttled
      // (429, before the decision) would depend on timing; the tests below count on the refusals by rule.
      w = await startWorld(driver, { LIENTHONG_RATE_LIMIT_PER_SECOND: '100000' });
    });
    afterAll(() => w.env.close());
    /** A fresh session of one of the world's officials (the clock moves by days here). */
    const as = (username: string) => w.env.login(username, `mat-khau-${username}-2025`);

    /**
     * Hundreds of exchanges a round through the real gateway, of every form the gateway serves: writes
     * (sync), reads and feed pages (api), an export prepared and downloaded (export), a stream's batch
     * (push) — served and refused.
     */
    async function exchanges(round: number): Promise<number> {
      // New clients each round: the test's clock moves by days, past their access tokens' lifetime.
      const custodian = w.client('BTCTW-CSDL');
      const qlcb = w.client('VPCP-QLCB', { purpose: 'to-chuc-can-bo' });
      const tk = w.client('VPCP-TK', { purpose: 'bao-cao-thong-ke' });
      let n = 0;
      const count = async (p: Promise<unknown>) => {
        await p.catch(() => undefined);
        n++;
      };
      for (let i = 1; i <= 9; i++) await count(custodian.putRecord('can-bo-dang-vien', `dv-${round}-${i}`, member(i)));
      await count(refused(custodian.writeBatch('can-bo-dang-vien', [{ key: 'bad', data: member(1, { gender: 'X' }) }])));
      // A feed page, an export prepared then downloaded, a stream's first batch.
      await count(qlcb.changes('can-bo-dang-vien').next());
      const prepared = await qlcb.export('can-bo-dang-vien');
      n++;
      for await (const _ of prepared.content()) void _;
      n++;
      // The stream's first event is one batch (one exchange), however many changes it carries.
      const stop = new AbortController();
      for await (const _ of qlcb.stream('can-bo-dang-vien', { signal: stop.signal })) stop.abort();
      n++;
      for (let batch = 0; batch < 24; batch++) {
        const calls: Promise<unknown>[] = [];
        for (let i = 1; i <= 9; i++) calls.push(qlcb.getRecord('can-bo-dang-vien', `dv-${round}-${i}`));
        calls.push(qlcb.getRecord('can-bo-dang-vien', 'khong-co')); // 404
        calls.push(qlcb.getRecord('can-bo-dang-vien', `dv-${round}-1`, { purpose: 'bao-cao-thong-ke' })); // 403 R-5.2
        calls.push(qlcb.getRecord('can-bo-dang-vien', `dv-${round}-1`, { fields: ['ethnic_group'] })); // 403 R-8.2
        calls.push(tk.getRecord('khen-thuong', 'x')); // 403 R-4.2
        calls.push(tk.getRecord('can-bo-dang-vien', `dv-${round}-2`));
        calls.push(qlcb.putRecord('can-bo-dang-vien', 'x', member(1))); // 403 R-4.1, a write refused
        await Promise.all(calls.map(count));
      }
      return n;
    }

    it('figures equal a recount of the log entries, for thousands of exchanges of every form and many statuses and rules; as of a signed checkpoint', async () => {
      let made = 0;
      for (let round = 1; round <= 3; round++) {
        made += await exchanges(round);
        w.env.clock.advance(86_400_000); // the next day (Viet Nam), so figures span days
      }
      expect(made).toBeGreaterThanOrEqual(1000);
      await settleLogs(w);

      const entries = await allEntries(w, 'BTCTW');
      expect(entries.length).toBeGreaterThanOrEqual(made);
      const expected = recount(entries);
      // Several forms, statuses and refusing rules are really in the log.
      expect(new Set(entries.map((e) => e.entry.form))).toEqual(new Set(['api', 'sync', 'export', 'push']));
      const rules = new Set(entries.map((e) => e.entry.response.rule));
      for (const rule of [null, 'R-5.2', 'R-8.2', 'R-4.2', 'R-4.1']) expect(rules.has(rule), String(rule)).toBe(true);
      expect(new Set(entries.map((e) => e.entry.response.status)).size).toBeGreaterThanOrEqual(4);

      const res = await w.call('GET', '/api/v1/reports/figures?custodian=BTCTW&group_by=form,status,rule,consumer_system,dataset', await w.env.adminAuth());
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { as_of: { log: string; position: number; checkpoint_size: number }[]; rows: FigureRow[] };
      const got = new Map(
        body.rows.map((r) => [
          [r.group.form, r.group.status, r.group.rule, r.group.consumer_system, r.group.dataset].join('|'),
          { exchanges: r.exchanges, bytes: r.bytes },
        ]),
      );
      expect(got).toEqual(expected);
      expect(body.rows.reduce((a, r) => a + r.latency.count, 0)).toBe(entries.length);

      // "As of checkpoint N of log BTCTW": the position counted is the size of the newest signed checkpoint.
      const checkpoint = (await w.call('GET', '/api/v1/ledger/BTCTW/checkpoint', '')).json() as { tree_size: number };
      expect(body.as_of.find((a) => a.log === 'BTCTW')).toMatchObject({ position: checkpoint.tree_size, checkpoint_size: checkpoint.tree_size });
      expect(checkpoint.tree_size).toBe(entries.length);

      // By day (Viet Nam dates): three days, adding up to the whole.
      const byDay = (await w.call('GET', '/api/v1/reports/figures?custodian=BTCTW&group_by=day', await w.env.adminAuth())).json() as { rows: FigureRow[] };
      expect(byDay.rows.map((r) => r.group.day)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
      expect(byDay.rows.reduce((a, r) => a + r.exchanges, 0)).toBe(entries.length);
    });

    it('kept current incrementally: new exchanges are added to the figures, which still equal the recount', async () => {
      const before = (await w.call('GET', '/api/v1/reports/figures?custodian=BTCTW', await w.env.adminAuth())).json() as {
        rows: FigureRow[];
        as_of: { log: string; position: number }[];
      };
      const made = await exchanges(4);
      await settleLogs(w);
      const after = (await w.call('GET', '/api/v1/reports/figures?custodian=BTCTW', await w.env.adminAuth())).json() as {
        rows: FigureRow[];
        as_of: { log: string; position: number }[];
      };
      expect(after.rows[0]!.exchanges - before.rows[0]!.exchanges).toBe(made);
      expect(after.as_of[0]!.position - before.as_of[0]!.position).toBe(made);
      const check = await w.env.platform.reports.verify('BTCTW');
      expect(check).toMatchObject({ ok: true, differences: [], position: after.as_of[0]!.position });
    });

    it('who sees what: the custodian its log, a consumer agency only its own consumption, another agency nothing of it', async () => {
      const mine = (await w.call('GET', '/api/v1/reports/figures?group_by=custodian,consumer_agency', await as('kt.vpcp'))).json() as { rows: FigureRow[] };
      expect(mine.rows.length).toBeGreaterThan(0);
      expect(mine.rows.every((r) => r.group.consumer_agency === 'VPCP')).toBe(true);
      const custodian = (await w.call('GET', '/api/v1/reports/figures?group_by=custodian,consumer_agency', await as('cq.btctw'))).json() as {
        rows: FigureRow[];
      };
      expect(new Set(custodian.rows.map((r) => r.group.consumer_agency))).toEqual(new Set(['VPCP', 'BTCTW']));
      const other = (await w.call('GET', '/api/v1/reports/figures?custodian=BTCTW', await as('cq.bnctw'))).json() as { rows: FigureRow[] };
      expect(other.rows).toEqual([]);
      const verify = await w.call('GET', '/api/v1/reports/figures/BTCTW/verify', await as('cq.bnctw'));
      expect(verify.statusCode).toBe(404);
      const bad = await w.call('GET', '/api/v1/reports/figures?group_by=colour', await as('cq.btctw'));
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
    });

    it('R-18.2: a tampered figure is caught by the recount — `lienthong report verify` names it and exits 1; the auditor API says the same', async () => {
      const ok = await w.call('GET', '/api/v1/reports/figures/BTCTW/verify', await as('cq.btctw'));
      expect(ok.json()).toMatchObject({ ok: true, differences: [] });

      // Behind the platform's back: one daily figure of 403 refusals under R-5.2 raised by 7.
      await w.env.platform.db.query(
        "UPDATE report_daily SET exchanges = exchanges + 7 WHERE custodian_code = 'BTCTW' AND rule = 'R-5.2' AND day = '2026-03-03'",
      );
      const lines: string[] = [];
      const source = async () => ({ platform: w.env.platform, done: async () => undefined });
      const saved = process.exitCode;
      try {
        await reportCommand(source, (l) => lines.push(l)).parseAsync(['verify', '--custodian', 'BTCTW'], { from: 'user' });
        expect(process.exitCode).toBe(1);
      } finally {
        process.exitCode = saved;
      }
      expect(lines[0]).toMatch(/^BTCTW: SAI LỆCH \/ DIFFERENCE — 1 /);
      expect(lines[1]).toMatch(/\[2026-03-03 VPCP VPCP-QLCB can-bo-dang-vien api 403 R-5\.2\] exchanges: lưu \/ stored \d+ ≠ đếm lại \/ recounted \d+/);
      const [, stored, recounted] = /stored (\d+) ≠ .* recounted (\d+)/.exec(lines[1]!)!;
      expect(Number(stored) - Number(recounted)).toBe(7);

      const api = (await w.call('GET', '/api/v1/reports/figures/BTCTW/verify', await w.env.adminAuth())).json();
      expect(api).toMatchObject({ ok: false, differences: [{ key: { day: '2026-03-03', rule: 'R-5.2', status: 403 }, measure: 'exchanges' }] });
    });

    it('R-18.2: dashboards answered from the rollups give the same figures as the daily rows, by month and by day', async () => {
      // The test before raised one daily figure behind the platform's back: put it back, the recount agrees again.
      await w.env.platform.db.query(
        "UPDATE report_daily SET exchanges = exchanges - 7 WHERE custodian_code = 'BTCTW' AND rule = 'R-5.2' AND day = '2026-03-03'",
      );
      expect(await w.env.platform.reports.verify('BTCTW')).toMatchObject({ ok: true, rollup_differences: [] });
      const auth = await w.env.adminAuth();
      const get = async (query: string) => ((await w.call('GET', `/api/v1/reports/figures?${query}`, auth)).json() as { rows: FigureRow[] }).rows;
      const key = (r: FigureRow) => JSON.stringify(r.group);
      const sum = (rows: FigureRow[], by: (r: FigureRow) => string) => {
        const m = new Map<string, number>();
        for (const r of rows) m.set(by(r), (m.get(by(r)) ?? 0) + r.exchanges);
        return m;
      };
      // Whole months, not by day, no consumer column: the monthly rollup without consumers answers.
      const monthly = await get('group_by=custodian,status&from=2026-03-01&to=2026-03-31');
      // The same question with the consumer system added can only be answered from the daily rows.
      const daily = await get('group_by=custodian,status,consumer_system&from=2026-03-01&to=2026-03-31');
      expect(monthly.length).toBeGreaterThan(1);
      expect(new Map(monthly.map((r) => [key(r), r.exchanges]))).toEqual(sum(daily, (r) => JSON.stringify({ custodian: r.group.custodian, status: r.group.status })));
      // By dataset over whole months: the monthly rollup with datasets, against the daily rows.
      const byDataset = await get('group_by=dataset,status&from=2026-03-01&to=2026-03-31');
      const byDatasetAndSystem = await get('group_by=dataset,status,consumer_system&from=2026-03-01&to=2026-03-31');
      expect(new Map(byDataset.map((r) => [key(r), r.exchanges]))).toEqual(
        sum(byDatasetAndSystem, (r) => JSON.stringify({ dataset: r.group.dataset, status: r.group.status })),
      );
      // By day, no consumer column: the daily rollup without consumers, against the daily rows.
      const byDay = await get('group_by=day,status');
      const byDayAndSystem = await get('group_by=day,status,consumer_system');
      expect(new Map(byDay.map((r) => [key(r), r.exchanges]))).toEqual(sum(byDayAndSystem, (r) => JSON.stringify({ day: r.group.day, status: r.group.status })));
      // A period that is not whole months is answered by day: the same total as the rows of those days.
      const part = await get('group_by=custodian&from=2026-03-03&to=2026-03-04');
      const days = (await get('custodian=BTCTW&group_by=day')).filter((r) => r.group.day === '2026-03-03' || r.group.day === '2026-03-04');
      expect(part.find((r) => r.group.custodian === 'BTCTW')!.exchanges).toBe(days.reduce((a, r) => a + r.exchanges, 0));
    });

    it('R-18.2: a tampered rollup is caught by the recount, which checks every stored table against the log entries', async () => {
      await w.env.platform.db.query("UPDATE report_monthly_custodian SET exchanges = exchanges + 3 WHERE custodian_code = 'BTCTW' AND status = 200");
      const check = await w.env.platform.reports.verify('BTCTW');
      expect(check.ok).toBe(false);
      expect(check.differences).toEqual([]);
      expect(check.rollup_differences.length).toBeGreaterThan(0);
      expect(check.rollup_differences.every((d) => d.table === 'report_monthly_custodian' && d.measure === 'exchanges' && d.stored - d.recounted === 3)).toBe(true);
    });
  });
}
