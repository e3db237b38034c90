import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type ConsoleServer, launchBrowser, openPage, screenshot, seriousViolations, skipBrowser, startServer } from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };

describe.skipIf(skipBrowser())('console in Chromium: sign-in, language, catalog, public notices, accessibility', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs the first admin in through the form: password, then the TOTP field the API asks for (mfa-required), then the dashboard', async () => {
    await page.goto(`${server.url}/`);
    // No session: the console sends the visitor to sign-in, in Vietnamese by default.
    await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'signin');

    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const totp = page.getByLabel('Mã xác thực (6 số)');
    await totp.waitFor(WAIT);
    await page.getByTestId('signin-error').waitFor(WAIT);
    await screenshot(page, 'signin-totp');
    await totp.fill(await nextCode(ADMIN_TOTP));
    await page.getByRole('button', { name: 'Đăng nhập' }).click();

    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor(WAIT);
    await expect.poll(() => page.getByTestId('current-user').textContent(), WAIT).toContain('admin');
    // The session lives in an HttpOnly cookie; nothing about it is in storage.
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'lt_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toMatch(/csrf|token|session/i);
    // The figures and the chart have loaded.
    await page.locator('[data-testid="figure-datasets"] .ant-statistic-content-value').waitFor(WAIT);
    await page
      .getByRole('img', { name: /Biểu đồ cột/ })
      .locator('svg')
      .waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
  });

  it('switches to English, and remembers it after a reload (the session is restored from the cookie)', async () => {
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor(WAIT);
    expect(await page.evaluate(() => localStorage.getItem('lienthong.lang'))).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await screenshot(page, 'dashboard-en');
    await page.getByText('Tiếng Việt', { exact: true }).click();
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor(WAIT);
  });

  it('searches the catalog without diacritics ("dang vien" finds "đảng viên"), paged by the server', async () => {
    await page.getByRole('link', { name: 'Danh mục dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Danh mục dữ liệu' }).waitFor(WAIT);
    await expect.poll(() => page.locator('[data-testid="catalog-table"] tbody tr.ant-table-row').count(), WAIT).toBeGreaterThan(0);
    await screenshot(page, 'catalog');
    await page.getByLabel('Tìm theo tên hoặc mã (không cần dấu)').fill('dang vien');
    await page.getByLabel('Tìm theo tên hoặc mã (không cần dấu)').press('Enter');
    await page.waitForURL(/q=dang(\+|%20)vien/, WAIT);
    const rows = page.locator('[data-testid="catalog-table"] tbody tr.ant-table-row');
    await expect.poll(async () => (await rows.allTextContents()).join('\n'), WAIT).toMatch(/đảng viên/i);
    for (const text of await rows.allTextContents()) expect(text.toLowerCase()).toMatch(/đảng viên|dang-vien|dang vien/);
    await screenshot(page, 'catalog-search');
  });

  it('shows the public notice board without signing in', async () => {
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page: board, problems: boardProblems } = await openPage(anonymous);
      await board.goto(`${server.url}/notices`);
      await board.getByRole('heading', { name: 'Bảng thông báo công khai' }).waitFor(WAIT);
      await board.locator('[data-testid="notice-list"], .ant-empty').first().waitFor(WAIT);
      expect(await seriousViolations(board)).toEqual([]);
      await screenshot(board, 'notices');
      expect(boardProblems).toEqual([]);
    } finally {
      await anonymous.close();
    }
  });

  it('is usable at tablet width: the menu folds into a drawer', async () => {
    await page.setViewportSize({ width: 820, height: 1100 });
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Menu chính' }).click();
    await page.getByRole('link', { name: 'Danh mục dữ liệu' }).waitFor(WAIT);
    await screenshot(page, 'dashboard-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('met no CSP refusal and no uncaught error', () => {
    expect(problems).toEqual([]);
  });
});
