/**
 * Console page "Bảng điều khiển kho dữ liệu": an analyst builds a dashboard of two tiles
 * from the agency's saved queries, views it drawn as charts from the server's refresh (each tile
 * logged in the custodian's sharing log, R-17.2) and refreshes it. Against a real
 * `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 30_000 };
const POLL = { timeout: 60_000, intervals: [250, 500, 1000] };
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

describe.skipIf(skipBrowser())('console: warehouse dashboards (R-7.3, R-17.2)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let analyst: User;
  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  beforeAll(async () => {
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    const custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    analyst = await user(admin, 'pt.vpcp', 'VPCP', ['analyst']);
    await ok(
      call('POST', '/api/v1/systems', consumer.auth, {
        code: 'VPCP-QLCB',
        agency_code: 'VPCP',
        name_vi: 'Hệ thống VPCP-QLCB',
        name_en: 'VPCP-QLCB',
        security_level: 3,
        zone: 'internet',
      }),
      201,
    );
    await approveSecurityLevel(admin, 'VPCP-QLCB');
    const agreement = await ok(
      call('POST', '/api/v1/agreements', consumer.auth, {
        dataset_code: DATASET,
        system_code: 'VPCP-QLCB',
        purpose_code: 'to-chuc-can-bo',
        requested_fields: ['member_number', 'full_name', 'gender', 'date_of_birth'],
        purpose_text: 'Phục vụ công tác tổ chức cán bộ',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: vietnamDate(new Date()),
        valid_to: vietnamDate(new Date(Date.now() + 200 * 86_400_000)),
      }),
      201,
    );
    await ok(call('POST', `/api/v1/agreements/${agreement.id}/approve`, custodian.auth, {}));
    await ok(
      call('POST', `/api/v1/datasets/${DATASET}/records`, custodian.auth, { records: [1, 2, 3, 4, 5].map((n) => ({ key: `dv-${n}`, data: member(n) })) }),
    );
    // The server's own job feeds the warehouse every 5 s.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await call('POST', '/api/v1/warehouse/query', analyst.auth, { sql: 'SELECT count(*) FROM can_bo_dang_vien' });
      if (r.status === 200 && r.json.rows[0][0] === 5) break;
      if (Date.now() > deadline) throw new Error(`the warehouse was not fed within 90 s: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await ok(
      call('POST', '/api/v1/warehouse/saved-queries', analyst.auth, {
        name: 'Đảng viên theo giới tính',
        sql: 'SELECT gender, count(*) AS so_luong FROM can_bo_dang_vien GROUP BY gender ORDER BY gender',
        chart: { type: 'bar', x: 'gender', y: ['so_luong'] },
      }),
      201,
    );
    await ok(
      call('POST', '/api/v1/warehouse/saved-queries', analyst.auth, {
        name: 'Đảng viên theo năm sinh',
        sql: 'SELECT strftime(date_of_birth, $format) AS nam, count(*) AS so_luong FROM can_bo_dang_vien GROUP BY 1 ORDER BY 1',
        parameters: [{ name: 'format', type: 'text', default: '%Y-%m-%d' }],
      }),
      201,
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /**
   * Opens an antd select by its label and picks the option that shows `option`, among the options
   * visible now: the list of another select, still closing, holds an option of the same text. Under
   * load a list can close before the click lands; it is then opened again.
   */
  async function choose(page: Page, label: string, option: string) {
    const select = page.getByLabel(label, { exact: true });
    await expect
      .poll(
        async () => {
          if (!(await page.locator('.ant-select-item-option:visible', { hasText: option }).count())) await select.click();
          await page
            .locator('.ant-select-item-option:visible', { hasText: option })
            .first()
            .click({ timeout: 5_000 })
            .catch(() => undefined);
          return (await select.locator('xpath=ancestor::div[contains(@class, "ant-select")][1]').textContent()) ?? '';
        },
        { timeout: 60_000, interval: 500 },
      )
      .toContain(option);
  }

  it('an analyst creates a dashboard of two tiles from saved queries, sees both drawn as charts, each logged for the custodian, and refreshes it (R-7.3, R-17.2)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    await signInThroughForm(page, server.url, analyst, () => nextCode(analyst.secret));
    await page.getByRole('link', { name: 'Bảng điều khiển kho dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Bảng điều khiển kho dữ liệu', level: 1 }).waitFor(WAIT);
    await page.getByText('Cơ quan chưa có bảng điều khiển nào.').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Tạo bảng điều khiển' }).click();
    await page.getByLabel('Tên bảng điều khiển').fill('Tình hình đảng viên');
    await page.getByLabel('Mô tả').fill('Số liệu tổng hợp cho lãnh đạo');
    const add = page.getByRole('button', { name: 'Thêm ô' });
    await add.waitFor(WAIT);
    await add.click();
    await add.click();
    const first = page.getByTestId('tile-editor-1');
    const second = page.getByTestId('tile-editor-2');
    await second.waitFor(WAIT);
    // Tile 1: by birth date, as a line; tile 2: by gender, as a pie; then swapped so gender comes first.
    await choose(page, 'Truy vấn của ô 1', 'Đảng viên theo năm sinh');
    await first.getByText('Đường', { exact: true }).click();
    await choose(page, 'Truy vấn của ô 2', 'Đảng viên theo giới tính');
    await second.getByText('Tròn', { exact: true }).click();
    await page.getByLabel('Độ rộng ô 2 (1 đến 24 cột)').fill('8');
    await second.getByRole('button', { name: 'Lên trước' }).click();
    expect(await first.textContent()).toContain('Đảng viên theo giới tính');
    expect(await second.textContent()).toContain('Đảng viên theo năm sinh');
    expect(await seriousViolations(page)).toEqual([]);

    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/warehouse/dashboards') && r.request().method() === 'POST', WAIT);
    const refreshed = page.waitForResponse((r) => /\/api\/v1\/warehouse\/dashboards\/[^/]+\/refresh$/.test(r.url()), { timeout: 60_000 });
    await page.getByRole('button', { name: 'Lưu bảng điều khiển' }).click();
    expect((await saved).status()).toBe(201);
    expect((await refreshed).status()).toBe(200);
    await page.getByRole('heading', { name: 'Tình hình đảng viên', level: 1 }).waitFor(WAIT);
    const grid = page.getByTestId('dashboard-grid');
    await grid.waitFor(WAIT);
    const tiles = grid.getByTestId('dashboard-tile');
    await expect.poll(() => tiles.count(), POLL).toBe(2);
    // Each tile drawn by ECharts (its SVG renderer), in the order set, each logged in BTCTW's log.
    await expect.poll(() => tiles.nth(0).locator('[role="img"] svg path').count(), POLL).toBeGreaterThan(0);
    await expect.poll(() => tiles.nth(1).locator('[role="img"] svg path').count(), POLL).toBeGreaterThan(0);
    expect(await tiles.nth(0).textContent()).toContain('Đảng viên theo giới tính');
    expect(await tiles.nth(1).textContent()).toContain('Đảng viên theo năm sinh');
    for (const i of [0, 1]) expect(await tiles.nth(i).textContent()).toContain('Đã ghi nhật ký chia sẻ: BTCTW');
    expect(await page.getByText('Số liệu tổng hợp cho lãnh đạo').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse-dashboard');

    // "Làm mới": the server runs every tile again; the charts stay drawn.
    const again = page.waitForResponse((r) => /\/refresh$/.test(r.url()), { timeout: 60_000 });
    await page.getByRole('button', { name: 'Làm mới' }).click();
    const answer = await again;
    expect(answer.status()).toBe(200);
    const body = (await answer.json()) as { tiles: { result: { receipts: { log: string }[] } | null; problem: unknown }[] };
    expect(body.tiles.map((t) => t.problem)).toEqual([null, null]);
    expect(body.tiles.map((t) => t.result!.receipts.map((r) => r.log))).toEqual([['BTCTW'], ['BTCTW']]);
    await page.getByTestId('dashboard-refreshed').waitFor(WAIT);
    await expect.poll(() => tiles.nth(0).locator('[role="img"] svg path').count(), POLL).toBeGreaterThan(0);

    // Back to the list: the dashboard is there with its two tiles.
    await page.getByRole('button', { name: 'Về danh sách' }).click();
    const row = page.getByRole('row', { name: /Tình hình đảng viên/ });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('2');
    await context.close();
  }, 180_000);
});
