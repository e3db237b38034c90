/**
 * Console page "Tổng quan" (dashboard): my tasks (an agreement awaiting review, linked), the
 * exchanges and refusals of today from the sharing log, each log's checkpoint age; a coordinator
 * sees every log. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LienThongClient } from 'lienthong/client';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { exchangeFigures, percentile } from '../../web/src/components/dashboard/figures.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 20_000 };
const DATASET = 'can-bo-dang-vien';

const member = (n: number) => ({
  member_number: `01.00000${n}`,
  full_name: `Nguyễn Văn ${n}`,
  citizen_id: `00108500000${n}`,
  date_of_birth: `1985-01-0${n}`,
  gender: n % 2 ? '1' : '2',
  admission_date: '2010-05-19',
  party_organisation_code: `DB-0${n % 3}`,
});

describe('dashboard figures', () => {
  it('counts 2xx as served and 4xx/5xx as refused, by dataset, agency and status, with median and p95 latency', () => {
    const e = (status: number, ms: number, agency: string | null = 'VPCP') => ({
      requested_at: '2026-03-02T01:00:00.000Z',
      responded_at: new Date(Date.parse('2026-03-02T01:00:00.000Z') + ms).toISOString(),
      dataset: DATASET,
      requester: { agency, system: null },
      response: { status },
    });
    const f = exchangeFigures([e(200, 10), e(200, 20), e(403, 5, 'UBKTTW'), e(404, 30), e(200, 100, null)], '?');
    expect(f).toMatchObject({ total: 5, served: 3, refused: 2, median: 20, p95: 100 });
    expect(f.byDataset).toEqual([[DATASET, 3, 2]]);
    expect(f.byConsumer).toEqual([
      ['VPCP', 2, 1],
      ['UBKTTW', 0, 1],
      ['?', 1, 0],
    ]);
    expect(f.byStatus).toEqual([
      [403, 1],
      [404, 1],
    ]);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe.skipIf(skipBrowser())('console: the dashboard (my tasks, exchanges, checkpoints)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let custodian: User;
  let coordinator: User;
  let pendingId = '';

  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);
  async function signIn(who: User): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    // The next step's code: the API sign-in of beforeAll used this step's (each step is single-use).
    await signInThroughForm(page, server.url, { username: who.username, password: who.password }, () => nextCode(who.secret));
    return page;
  }

  beforeAll(async () => {
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    coordinator = await user(admin, 'dieu.phoi', 'VPTW', ['coordinator']);
    const system = async (who: string, code: string, agency: string) => {
      await ok(
        call('POST', '/api/v1/systems', who, { code, agency_code: agency, name_vi: `Hệ thống ${code}`, name_en: code, security_level: 3, zone: 'internet' }),
        201,
      );
      await approveSecurityLevel(admin, code);
    };
    await system(custodian.auth, 'BTCTW-CSDL', 'BTCTW');
    await system(consumer.auth, 'VPCP-QLCB', 'VPCP');
    await system(consumer.auth, 'VPCP-TDKT', 'VPCP');
    const request = (code: string) =>
      ok(
        call('POST', '/api/v1/agreements', consumer.auth, {
          dataset_code: DATASET,
          system_code: code,
          purpose_code: 'to-chuc-can-bo',
          requested_fields: ['member_number', 'full_name', 'date_of_birth'],
          purpose_text: 'Phục vụ công tác tổ chức cán bộ',
          legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
          forms: ['api'],
          frequency: 'theo yêu cầu',
          valid_from: vietnamDate(new Date()),
          valid_to: vietnamDate(new Date(Date.now() + 200 * 86_400_000)),
        }),
        201,
      );
    const approved = await request('VPCP-QLCB');
    await ok(call('POST', `/api/v1/agreements/${approved.id}/approve`, custodian.auth, {}));
    pendingId = (await request('VPCP-TDKT')).id; // left awaiting the custodian's review
    const account = async (who: string, code: string) => {
      const r = await ok(call('POST', '/api/v1/accounts', who, { system_code: code, name: `Tài khoản ${code}`, auth_method: 'client_secret' }), 201);
      return { clientId: r.account.client_id as string, clientSecret: r.client_secret as string };
    };
    const writer = new LienThongClient({ baseUrl: server.url, ...(await account(custodian.auth, 'BTCTW-CSDL')) });
    const reader = new LienThongClient({ baseUrl: server.url, purpose: 'to-chuc-can-bo', ...(await account(consumer.auth, 'VPCP-QLCB')) });
    await writer.putRecord(DATASET, 'dv-1', member(1));
    await writer.putRecord(DATASET, 'dv-2', member(2));
    for (const key of ['dv-1', 'dv-2', 'dv-1']) expect((await reader.getRecord(DATASET, key)).status).toBe(200);
    await reader.getRecord(DATASET, 'dv-9').catch(() => undefined); // a record that does not exist: refused (404)
    // Wait until the exchanges are sequenced into the log and a checkpoint covers them.
    const settled = async () => {
      const entries = await ok(call('GET', `/api/v1/ledger/BTCTW/entries?dataset=${DATASET}&limit=10`, custodian.auth));
      const cp = await call('GET', '/api/v1/ledger/BTCTW/checkpoint');
      return entries.items.length >= 3 && cp.status === 200 && cp.json.tree_size >= 3;
    };
    const deadline = Date.now() + 30_000;
    while (!(await settled())) {
      if (Date.now() > deadline) throw new Error('the exchanges were not sequenced and checkpointed within 30 s');
      await new Promise((r) => setTimeout(r, 500)); // polling the API, not waiting for the page
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a custodian admin sees the request awaiting review (linked), today's exchanges and the checkpoint age", async () => {
    const page = await signIn(custodian);
    const review = page.getByTestId('tasks-review');
    await review.waitFor(WAIT).catch(async (e) => {
      throw new Error(`${e}\n${await page.getByTestId('my-tasks').textContent()}`);
    });
    const link = review.getByRole('link', { name: /can-bo-dang-vien — hệ thống VPCP-TDKT/ });
    expect(await link.getAttribute('href')).toBe(`/agreements/${pendingId}`);

    await page.getByTestId('ex-by-dataset').waitFor(WAIT);
    const total = Number((await page.locator('[data-testid="ex-total"] .ant-statistic-content-value').textContent())!.replace(/\D/g, ''));
    expect(total).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('ex-by-dataset').locator('table').textContent()).toContain(DATASET);
    expect(await page.getByTestId('ex-by-consumer').locator('table').textContent()).toContain('VPCP');
    expect(await page.getByText('Nhật ký đã đọc: BTCTW').count()).toBe(1);

    const age = page.getByTestId('cp-age-BTCTW');
    await age.waitFor(WAIT);
    expect(await age.textContent()).toMatch(/giây|phút|bây giờ/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-custodian');

    await page
      .getByRole('radio', { name: '7 ngày' })
      .check({ force: true })
      .catch(async () => page.getByText('7 ngày', { exact: true }).click());
    await page.getByTestId('ex-by-dataset').waitFor(WAIT);

    await link.click();
    await page.getByRole('heading', { name: `Thoả thuận chia sẻ ${DATASET}` }).waitFor(WAIT);
    expect(page.url()).toContain(`/agreements/${pendingId}`);
    await page.context().close();
  }, 60_000);

  it('a coordinator sees every log and its checkpoint', async () => {
    const page = await signIn(coordinator);
    await page.getByTestId('checkpoints').waitFor(WAIT);
    const keys = await ok(call('GET', '/api/v1/ledger/keys'));
    const logs = keys.keys.map((k: { log: string }) => k.log) as string[];
    expect(logs).toContain('BTCTW');
    const text = await page.getByTestId('checkpoints').textContent();
    for (const log of logs) expect(text).toContain(log);
    await page.getByTestId('cp-age-BTCTW').waitFor(WAIT);
    await page
      .getByTestId('tasks-review')
      .getByRole('link', { name: /VPCP-TDKT/ })
      .waitFor(WAIT);
    await page.getByTestId('ex-total').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
    await page.context().close();
  }, 60_000);
});
