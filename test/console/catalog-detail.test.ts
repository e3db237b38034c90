import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { consoleApi } from './api.ts';
import { type ConsoleServer, launchBrowser, openPage, screenshot, seriousViolations, skipBrowser, startServer, signInThroughForm } from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };
const DATASET = 'can-bo-dang-vien';
const member = (name: string) => ({
  member_number: '01.765432',
  full_name: name,
  citizen_id: '001190012345',
  date_of_birth: '1990-05-17',
  gender: '2',
  ethnic_group: '01',
  province_code: '01',
  commune_code: '00004',
  admission_date: '2015-02-03',
  party_organisation_code: 'DB-0001',
});

describe.skipIf(skipBrowser())('console in Chromium: a dataset of the catalog (fields, quality R-4.7, history, hosted records) and the data dictionary', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let custodianCookie: { name: string; value: string };

  const { login, send, user, consoleSession } = consoleApi(() => server.url);

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    // API sessions use the previous TOTP step; the browser's sign-in uses the current one (no replay).
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP, new Date(Date.now() - 30_000));

    // A custodian administrator of BTCTW, enrolled, then signed in as a console session (cookie + CSRF token).
    const session = await consoleSession(await user(admin, 'qt-btctw-dm', 'BTCTW', ['custodian_admin']));
    custodianCookie = session.cookie;
    const custodian = session.headers;
    // One change of the dataset's description (its history), by its custodian.
    await send('PATCH', `/api/v1/datasets/${DATASET}`, custodian, {
      description_vi: 'Dữ liệu cán bộ, đảng viên do Ban Tổ chức Trung ương quản lý.',
      description_en: 'Cadres and party members, kept by the Central Organisation Commission.',
    });
    // Two versions of one hosted record.
    await send('POST', `/api/v1/datasets/${DATASET}/records`, custodian, { records: [{ key: 'dv-console-1', data: member('Nguyễn Thị Hoa') }] });
    await send('POST', `/api/v1/datasets/${DATASET}/records`, custodian, { records: [{ key: 'dv-console-1', data: member('Nguyễn Thị Hoà Bình') }] });

    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
    await signInThroughForm(page, server.url, { username: 'admin', password: ADMIN_PASSWORD }, () => nextCode(ADMIN_TOTP));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the coordinator searches the catalog, opens can-bo-dang-vien and sees its fields with dictionary labels, its quality figures and history', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Danh mục dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Danh mục dữ liệu' }).waitFor(WAIT);
    await page.getByLabel('Tìm theo tên hoặc mã (không cần dấu)').fill('dang vien');
    await page.getByLabel('Tìm theo tên hoặc mã (không cần dấu)').press('Enter');
    const link = page.getByTestId('catalog-table').getByRole('link', { name: DATASET, exact: true });
    await link.waitFor(WAIT);
    await link.click();
    await page.waitForURL(`**/catalog/${DATASET}`, WAIT);
    await page.getByRole('heading', { name: 'Thông tin bộ dữ liệu' }).waitFor(WAIT);
    expect(await page.getByTestId('ds-identity').textContent()).toContain('BTCTW');

    const fields = page.getByTestId('ds-fields');
    await fields.getByText('Số lý lịch đảng viên').waitFor(WAIT);
    await fields.getByText('Họ và tên').first().waitFor(WAIT);
    expect(await fields.getByRole('link', { name: 'gioi-tinh' }).count()).toBeGreaterThan(0);

    const quality = page.getByTestId('ds-quality');
    await quality.waitFor(WAIT);
    for (const figure of ['Độ đầy đủ', 'Độ hợp lệ', 'Độ cập nhật', 'Bản ghi hiện hành']) await quality.getByText(figure).first().waitFor(WAIT);

    const history = page.getByTestId('ds-history');
    await history.locator('tbody tr.ant-table-row').first().waitFor(WAIT);
    expect(await history.textContent()).toContain('description_vi');
    await page.getByTestId('ds-agreements').waitFor(WAIT);

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'catalog-dataset');
    expect(problems).toEqual([]);
  }, 60_000);

  it('the data dictionary lists entries with type, format, code list and personal flag, and searches', async () => {
    await page.getByRole('link', { name: 'Danh mục dữ liệu' }).first().click();
    await page.getByRole('heading', { name: 'Danh mục dữ liệu' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Xem từ điển dữ liệu dùng chung' }).click();
    await page.getByRole('heading', { name: 'Từ điển dữ liệu dùng chung' }).waitFor(WAIT);
    const table = page.getByTestId('dictionary-table');
    await table.locator('tbody tr.ant-table-row').first().waitFor(WAIT);
    expect(await table.locator('tbody tr.ant-table-row').count()).toBeGreaterThan(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dictionary');

    await page.getByLabel('Tìm theo tên trường hoặc nhãn').fill('ngay sinh');
    await page.getByLabel('Tìm theo tên trường hoặc nhãn').press('Enter');
    await expect.poll(async () => (await table.locator('tbody tr.ant-table-row').allTextContents()).join('|'), WAIT).toMatch(/Ngày sinh/);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the custodian administrator of BTCTW sees the hosted record and its versions', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    try {
      await ctx.addCookies([{ ...custodianCookie, url: server.url }]);
      const { page: p, problems: probs } = await openPage(ctx);
      await p.goto(`${server.url}/catalog/${DATASET}`);
      await p.getByRole('heading', { name: 'Bản ghi lưu trữ trên nền tảng' }).waitFor(WAIT);
      const records = p.getByTestId('ds-records');
      const key = records.getByRole('button', { name: 'dv-console-1', exact: true });
      await key.waitFor(WAIT);
      expect(await records.textContent()).toContain('Nguyễn Thị Hoà Bình');
      await p.getByTestId('ds-quality').waitFor(WAIT);
      await key.click();
      const versions = p.getByTestId('ds-versions');
      await expect.poll(() => versions.locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);
      expect(await versions.textContent()).toContain('Nguyễn Thị Hoa');
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'catalog-dataset-records');
      expect(probs).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
