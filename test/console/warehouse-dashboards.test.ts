/**
 * Console page "Bảng điều khiển kho dữ liệu": an analyst builds a dashboard of two tiles
 * from the agency's saved queries, views it drawn as charts from the server's refresh (each tile
 * logged in the custodian's sharing log, R-17.2) and refreshes it. Against a real
 * `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { nextCode } from './totp.ts';
import type { User } from './api.ts';
import { type WarehouseWorld, startWarehouseWorld } from './warehouse-world.ts';
import { type ConsoleServer, chooseOption, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm } from './browser.ts';

const WAIT = { timeout: 30_000 };
const POLL = { timeout: 60_000, intervals: [250, 500, 1000] };
describe.skipIf(skipBrowser())('console: warehouse dashboards (R-7.3, R-17.2)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let analyst: User;
  let api: WarehouseWorld['api'];
  const call: WarehouseWorld['api']['call'] = (...args) => api.call(...args);
  const ok: WarehouseWorld['api']['ok'] = (...args) => api.ok(...args);

  beforeAll(async () => {
    ({ server, browser, analyst, api } = await startWarehouseWorld(['member_number', 'full_name', 'gender', 'date_of_birth'], 5));
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
    await chooseOption(page, 'Truy vấn của ô 1', 'Đảng viên theo năm sinh');
    await first.getByText('Đường', { exact: true }).click();
    await chooseOption(page, 'Truy vấn của ô 2', 'Đảng viên theo giới tính');
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
