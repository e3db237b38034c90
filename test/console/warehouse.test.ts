/**
 * Console page "Kho dữ liệu dùng chung": an analyst sees the schema its agency is granted
 * (a personal field marked masked), runs SQL and gets the answer as a table and a chart, logged in
 * the custodian's sharing log. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { nextCode } from './totp.ts';
import type { User } from './api.ts';
import { startWarehouseWorld } from './warehouse-world.ts';
import { type ConsoleServer, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm } from './browser.ts';

const WAIT = { timeout: 30_000 };
describe.skipIf(skipBrowser())('console: shared data warehouse (SQL page, R-7.3)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let analyst: User;

  beforeAll(async () => {
    ({ server, browser, analyst } = await startWarehouseWorld(['member_number', 'full_name', 'gender'], 4));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an analyst sees the granted schema with the mask marked, runs SQL and gets a table and a chart, logged for the custodian, and a forecast with its interval (R-7.3)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    await signInThroughForm(page, server.url, analyst, () => nextCode(analyst.secret));
    await page.getByRole('link', { name: 'Kho dữ liệu dùng chung' }).click();
    await page.getByRole('heading', { name: 'Kho dữ liệu dùng chung', level: 1 }).waitFor(WAIT);
    const schema = page.getByTestId('warehouse-schema');
    await schema.waitFor(WAIT);
    const text = (await schema.textContent()) ?? '';
    expect(text).toContain('can_bo_dang_vien');
    expect(text).toContain('citizen_id');
    expect(text).toContain('che');
    expect(text).not.toContain('admission_date');

    await page.getByLabel('Câu truy vấn SQL').fill('SELECT gender, count(*) AS so_luong FROM can_bo_dang_vien GROUP BY gender ORDER BY gender');
    await page.getByRole('button', { name: 'Chạy truy vấn' }).click();
    const result = page.getByTestId('warehouse-result');
    await result.waitFor(WAIT);
    expect(await result.locator('table').textContent()).toContain('so_luong');
    expect(await result.textContent()).toContain('Đã ghi nhật ký chia sẻ: BTCTW');
    expect(await result.locator('svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse');

    // a forecast of a (period, value) series, drawn with its interval and given as figures.
    const series = `${Array.from({ length: 12 }, (_, i) => `SELECT ${2014 + i} AS period, ${10 + 2 * i + (i % 2)} AS value`).join(' UNION ALL ')} ORDER BY period`;
    await page.getByLabel('Câu truy vấn SQL').fill(series);
    await page.getByRole('button', { name: 'Dự báo 6 kỳ' }).click();
    const forecast = page.getByTestId('warehouse-forecast');
    await forecast.waitFor(WAIT);
    const figures = (await forecast.locator('table').textContent()) ?? '';
    for (const year of ['2026', '2031']) expect(figures).toContain(year);
    expect(figures).toContain('Cận dưới');
    expect(await forecast.locator('svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
