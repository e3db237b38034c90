import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { consoleApi } from './api.ts';
import {
  type ConsoleServer,
  launchBrowser,
  openPage,
  pickDateTime,
  screenshot,
  seriousViolations,
  skipBrowser,
  startServer,
  signInThroughForm,
} from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };

const vietnamToday = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
function plusDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const ddmmyyyy = (iso: string) => iso.split('-').reverse().join('/');

describe.skipIf(skipBrowser())('console in Chromium: suspensions (R-15.3) and shared code lists (import, diff, publish)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let bearer: string;
  let dataset: string;
  let earliest: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-life-'));

  const { call, ok, send, login } = consoleApi(() => server.url);

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    // The API session uses the previous TOTP step; the browser's sign-in then uses the current one (no replay).
    bearer = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP, new Date(Date.now() - 30_000));
    const ds = await send('GET', '/api/v1/datasets?status=published&limit=1', bearer);
    dataset = ds.items[0].code;
    // from the working-day calendar: the day after the 7th working day after today (Viet Nam).
    const today = vietnamToday();
    const cal = await send('GET', `/api/v1/calendar?from=${plusDays(today, 1)}&to=${plusDays(today, 60)}`);
    earliest = plusDays(cal.days.filter((d: { working: boolean }) => d.working)[6].date, 1);

    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
    await signInThroughForm(page, server.url, { username: 'admin', password: ADMIN_PASSWORD }, () => nextCode(ADMIN_TOTP));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the earliest legal start before submitting, refuses an earlier start with R-15.3 and earliest_start, then accepts that date', async () => {
    await page.getByRole('link', { name: 'Tạm ngừng, chấm dứt' }).click();
    await page.getByRole('heading', { name: 'Tạm ngừng, chấm dứt kết nối' }).waitFor(WAIT);
    const hint = page.getByTestId('earliest-start');
    await expect.poll(() => hint.textContent(), WAIT).toContain(`sớm nhất được tạm ngừng từ ngày ${ddmmyyyy(earliest)}`);
    expect(await hint.textContent()).toContain('R-15.3');
    expect(await seriousViolations(page)).toEqual([]);

    await page.locator('#planned-dataset').click();
    await page.locator('#planned-dataset').fill(dataset);
    await page.locator('#planned-dataset').press('Enter');
    await pickDateTime(page, 'planned-start', `${ddmmyyyy(plusDays(earliest, -1))} 08:00`);
    await pickDateTime(page, 'planned-restore', `${ddmmyyyy(earliest)} 17:00`);
    await page.getByLabel('Lý do').first().fill('Nâng cấp máy chủ cơ sở dữ liệu');
    // The page warns before anything is sent.
    await page.getByText(`Trước ngày sớm nhất được phép (${ddmmyyyy(earliest)})`).waitFor(WAIT);
    await page.getByRole('button', { name: 'Thông báo tạm ngừng' }).click();
    const error = page.getByTestId('lifecycle-error');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('R-15.3');
    expect(await page.getByTestId('refused-earliest').textContent()).toContain(ddmmyyyy(earliest));
    await screenshot(page, 'lifecycle-refused');

    await pickDateTime(page, 'planned-start', `${ddmmyyyy(earliest)} 08:00`);
    await page.getByRole('button', { name: 'Thông báo tạm ngừng' }).click();
    const table = page.getByTestId('service-table');
    await expect.poll(() => table.locator('tbody tr.ant-table-row').count(), WAIT).toBe(1);
    expect(await table.textContent()).toContain(dataset);
    expect(await table.textContent()).toContain(`${ddmmyyyy(earliest)} 08:00`);
    const list = await send('GET', '/api/v1/service-suspensions', bearer);
    expect(list.items).toHaveLength(1);
    expect(list.items[0].starts_at).toBe(new Date(`${earliest}T01:00:00Z`).toISOString());
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lifecycle');

    await page.getByRole('tab', { name: 'Tạm ngừng bên khai thác' }).click();
    await page.getByTestId('consumer-table').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  it("shows a force-majeure stop's 24-hour notice clock (R-15.4) overdue, publishes its notice and ends the stop", async () => {
    const started = new Date(Date.now() - 25 * 3600_000);
    await ok(
      call('POST', '/api/v1/service-suspensions', bearer, {
        kind: 'force_majeure',
        dataset,
        starts_at: started.toISOString(),
        reason: 'Mất điện tại trung tâm dữ liệu',
      }),
      201,
    );
    await page.reload();
    // The open tab is kept in the URL: the previous test left the consumer suspensions open.
    await page.getByRole('tab', { name: 'Tạm ngừng dịch vụ' }).click();
    const table = page.getByTestId('service-table');
    const row = table.locator('tbody tr.ant-table-row', { hasText: 'Mất điện tại trung tâm dữ liệu' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('R-15.4 — quá hạn thông báo');
    expect(await row.textContent()).toContain('Hạn thông báo:');
    // the deadline states the clause it applied.
    expect(await row.textContent()).toContain('R-15.4 — Căn cứ: Điều 15 khoản 4 Quy định 384-QĐ/TW');
    await row.getByRole('button', { name: 'Đăng thông báo' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Nội dung thông báo (tiếng Việt)').fill('Dịch vụ tạm ngừng do mất điện.');
    await dialog.getByLabel('Nội dung thông báo (tiếng Anh)').fill('The service is stopped by a power failure.');
    await dialog.getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.textContent(), WAIT).toMatch(/TB-\d{4}-\d+/);
    // Published late: the clock stays red.
    expect(await row.textContent()).toContain('quá hạn thông báo');
    await row.getByRole('button', { name: 'Kết thúc tạm ngừng' }).click();
    await page.getByRole('dialog').getByLabel('Lý do').fill('Đã có điện trở lại');
    await page.getByRole('dialog').getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.textContent(), WAIT).toContain('Đã kết thúc');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lifecycle-force-majeure');
  }, 60_000);

  it('imports a CSV that renames one item: the diff shows 1 renamed, published with a future date, the new version is listed', async () => {
    const exportedCsv = await call('GET', '/api/v1/code-lists/gioi-tinh/export?format=csv', bearer);
    expect(exportedCsv.status, exportedCsv.text).toBe(200);
    const csv = exportedCsv.text;
    const lines = csv.split(/\r?\n/);
    const header = lines[0]!.split(',');
    const nameAt = header.indexOf('name_vi');
    expect(nameAt, csv).toBeGreaterThanOrEqual(0);
    const cells = lines[1]!.split(',');
    const oldName = cells[nameAt]!;
    cells[nameAt] = 'Tên đã đổi';
    lines[1] = cells.join(',');
    const file = path.join(tmp, 'gioi-tinh.csv');
    fs.writeFileSync(file, lines.join('\n'));

    await page.getByRole('link', { name: 'Danh mục dùng chung' }).click();
    await page.getByRole('heading', { name: 'Danh mục dùng chung' }).waitFor(WAIT);
    await expect.poll(() => page.locator('[data-testid="codelists-table"] tbody tr.ant-table-row').count(), WAIT).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists');

    await page.goto(`${server.url}/code-lists/gioi-tinh`);
    await expect.poll(() => page.locator('[data-testid="items-table"] tbody tr.ant-table-row').count(), WAIT).toBeGreaterThan(0);
    await page.locator('#import-file').setInputFiles(file);
    await expect.poll(() => page.getByTestId('diff-summary').textContent(), WAIT).toContain('Đổi tên: 1');
    expect(await page.getByTestId('diff-summary').textContent()).toContain('Thêm mới: 0');
    expect(await page.getByTestId('diff-summary').textContent()).toContain('Bãi bỏ: 0');
    expect(
      await page
        .locator('.ant-card-small')
        .filter({ has: page.getByTestId('diff-renamed') })
        .textContent(),
    ).toContain(`${oldName} → Tên đã đổi`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists-import-diff');

    const effective = plusDays(vietnamToday(), 10);
    await pickDateTime(page, 'import-effective', ddmmyyyy(effective));
    await page.locator('#import-legal').fill('Quyết định số 12/QĐ-VPTW');
    await page.getByRole('button', { name: 'Xác nhận và ban hành' }).click();
    const versions = page.getByTestId('versions-table');
    await expect.poll(() => versions.locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);
    expect(await versions.textContent()).toContain(ddmmyyyy(effective));
    expect(await versions.textContent()).toContain('Quyết định số 12/QĐ-VPTW');
    await screenshot(page, 'codelists-versions');
    // The export links work with the console's cookie session; on the new version's date the renamed item is there.
    const href = await page.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href');
    expect(href).toContain('format=csv');
    const exported = await page.evaluate(
      async (h) => {
        const r = await fetch(h);
        return `${r.status} ${await r.text()}`;
      },
      href!.replace(/on=[\d-]+/, `on=${effective}`),
    );
    expect(exported).toMatch(/^200 /);
    expect(exported).toContain('Tên đã đổi');
  }, 60_000);

  it("R-18.2: the coordinator changes the list's issuer in its edit form (If-Match); the page and the history show the change", async () => {
    await page.goto(`${server.url}/code-lists/gioi-tinh`);
    const before = await send('GET', '/api/v1/code-lists/gioi-tinh', bearer);
    await page.getByRole('button', { name: 'Sửa thông tin danh mục' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Sửa thông tin danh mục gioi-tinh').waitFor(WAIT);
    const issuer = dialog.getByLabel('Cơ quan ban hành');
    await expect.poll(() => issuer.inputValue(), WAIT).toBe(before.issuer);
    await issuer.fill('Văn phòng Trung ương Đảng');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists-edit');
    await dialog.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    const history = page.getByTestId('code-list-history');
    await expect.poll(() => history.textContent(), WAIT).toContain(`issuer: ${before.issuer} → Văn phòng Trung ương Đảng`);
    expect(await page.locator('.ant-descriptions').first().textContent()).toContain('Văn phòng Trung ương Đảng');
    const after = await send('GET', '/api/v1/code-lists/gioi-tinh', bearer);
    expect(after).toMatchObject({ issuer: 'Văn phòng Trung ương Đảng', name_vi: before.name_vi, version: before.version + 1 });
  }, 60_000);

  it('shows provinces → communes as a tree, communes loaded when a province is expanded', async () => {
    await page.goto(`${server.url}/code-lists/don-vi-hanh-chinh`);
    const tree = page.getByTestId('codelist-tree');
    await expect.poll(() => tree.locator('.ant-tree-treenode').count(), WAIT).toBeGreaterThan(5);
    await tree.locator('.ant-tree-switcher').first().click();
    await tree
      .locator('.ant-tree-title', { hasText: /^\d{5} — / })
      .first()
      .waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists-tree');
    expect(problems).toEqual([]);
  }, 60_000);
});
