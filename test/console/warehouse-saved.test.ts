/**
 * Console page "Kho dữ liệu dùng chung", its saved queries: an analyst saves a query whose
 * `$tu_ngay` placeholder becomes a date parameter, runs it with a value picked as DD/MM/YYYY and
 * sees the filtered answer (and the server's problem when no value is given), edits it (a 412
 * when someone changed it meanwhile), deletes another, then gives a dashboard tile a value for the
 * parameter and sees the tile's answer follow that value, not the default. Against a real
 * `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import type { User } from './api.ts';
import { type WarehouseWorld, startWarehouseWorld } from './warehouse-world.ts';
import { type ConsoleServer, chooseOption, openPage, pickDateTime, screenshot, seriousViolations, skipBrowser, signInThroughForm } from './browser.ts';

const WAIT = { timeout: 30_000 };
const SLOW = { timeout: 60_000 };
const POLL = { timeout: 60_000, intervals: [250, 500, 1000] };
const SQL = 'SELECT member_number, gender FROM can_bo_dang_vien WHERE date_of_birth >= $tu_ngay ORDER BY member_number';
const NAME = 'Đảng viên sinh từ ngày';
const RENAMED = 'Đảng viên sinh từ ngày (đã sửa)';

describe.skipIf(skipBrowser())('console: saved warehouse queries with parameters, and dashboard tiles giving them values (R-7.3)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let analyst: User;
  let api: WarehouseWorld['api'];

  beforeAll(async () => {
    ({ server, browser, analyst, api } = await startWarehouseWorld(['member_number', 'gender', 'date_of_birth'], 5));
    await api.ok(
      api.call('POST', '/api/v1/warehouse/saved-queries', analyst.auth, { name: 'Truy vấn tạm', sql: 'SELECT count(*) FROM can_bo_dang_vien' }),
      201,
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const savedQueryCall = (page: Page, method: string) =>
    page.waitForResponse((r) => /\/api\/v1\/warehouse\/saved-queries(\/[^/]+)?$/.test(r.url()) && r.request().method() === method, SLOW);
  const runCall = (page: Page) => page.waitForResponse((r) => /\/api\/v1\/warehouse\/saved-queries\/[^/]+\/run$/.test(r.url()), SLOW);
  const members = (rows: unknown[][]) => rows.map((r) => r[0]);

  it('saves a parameterised query through the form, runs it with a value, edits it, and a dashboard tile gives the parameter its own value (R-7.3)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page, problems } = await openPage(context);
    await signInThroughForm(page, server.url, analyst, () => nextCode(analyst.secret));
    await page.getByRole('link', { name: 'Kho dữ liệu dùng chung' }).click();
    await page.getByRole('heading', { name: 'Kho dữ liệu dùng chung', level: 1 }).waitFor(WAIT);

    // Saving: the placeholder of the SQL becomes a parameter row, completed as a date with a label, no default.
    await page.getByLabel('Câu truy vấn SQL', { exact: true }).fill(SQL);
    await page.getByRole('button', { name: 'Lưu truy vấn' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Tên truy vấn').fill(NAME);
    await dialog.getByTestId('saved-query-param-tu_ngay').waitFor(WAIT);
    await chooseOption(page, 'Kiểu của tham số tu_ngay', 'Ngày');
    await dialog.getByLabel('Nhãn của tham số tu_ngay').fill('Sinh từ ngày');
    expect(await seriousViolations(page)).toEqual([]);
    const created = savedQueryCall(page, 'POST');
    await dialog.getByRole('button', { name: 'Lưu', exact: true }).click();
    const createdBody = (await (await created).json()) as { id: string; version: number; parameters: unknown[] };
    expect(createdBody.parameters).toEqual([{ name: 'tu_ngay', type: 'date', label: 'Sinh từ ngày' }]);
    await dialog.waitFor({ state: 'detached', ...WAIT });

    // Running: no value and no default — the server's problem, in Vietnamese; then a day picked as DD/MM/YYYY.
    await page.getByRole('button', { name: `Chạy truy vấn ${NAME}` }).click();
    const runCard = page.getByTestId('saved-query-run');
    await runCard.waitFor(WAIT);
    await runCard.getByRole('button', { name: 'Chạy với các giá trị này' }).click();
    await expect
      .poll(async () => (await runCard.getByTestId('saved-query-run-problem').textContent()) ?? '', POLL)
      .toContain('Thiếu giá trị tham số: tu_ngay.');
    await pickDateTime(page, 'saved-query-run-tu_ngay', '04/01/1985');
    const ran = runCall(page);
    await runCard.getByRole('button', { name: 'Chạy với các giá trị này' }).click();
    const answer = await ran;
    expect(answer.request().postDataJSON()).toEqual({ params: { tu_ngay: '1985-01-04' } });
    expect(members(((await answer.json()) as { rows: unknown[][] }).rows)).toEqual(['01.000004', '01.000005']);
    const result = page.getByTestId('warehouse-result');
    await expect.poll(async () => (await result.locator('table').textContent()) ?? '', POLL).toContain('01.000005');
    expect(await result.locator('table').textContent()).not.toContain('01.000003');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse-saved-run');

    // Editing while someone else changed it: a clear 412 message; opened again, the edit is saved.
    await page.getByRole('button', { name: `Sửa truy vấn ${NAME}` }).click();
    await dialog.getByLabel('Tên truy vấn').fill(RENAMED);
    await api.ok(
      api.call('PUT', `/api/v1/warehouse/saved-queries/${createdBody.id}`, analyst.auth, {
        name: NAME,
        description: 'Đổi bởi một đồng nghiệp',
        sql: SQL,
        parameters: createdBody.parameters,
      }),
    );
    const stale = savedQueryCall(page, 'PUT');
    await dialog.getByRole('button', { name: 'Lưu', exact: true }).click();
    expect((await stale).status()).toBe(412);
    await expect
      .poll(async () => (await dialog.getByTestId('saved-query-refusal').textContent()) ?? '', POLL)
      .toContain('Truy vấn này vừa được người khác sửa. Hãy đóng cửa sổ, mở lại để xem bản mới nhất rồi sửa lại.');
    await dialog.getByRole('button', { name: 'Huỷ' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await expect.poll(() => page.getByText('Đổi bởi một đồng nghiệp').count(), POLL).toBeGreaterThan(0);
    await page.getByRole('button', { name: `Sửa truy vấn ${NAME}` }).click();
    expect(await dialog.getByLabel('Mô tả truy vấn').inputValue()).toBe('Đổi bởi một đồng nghiệp');
    await dialog.getByLabel('Tên truy vấn').fill(RENAMED);
    await pickDateTime(page, 'saved-query-default-tu_ngay', '03/01/1985');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse-saved-form');
    const updated = savedQueryCall(page, 'PUT');
    await dialog.getByRole('button', { name: 'Lưu', exact: true }).click();
    const put = await updated;
    expect(put.status()).toBe(200);
    expect(put.request().headers()['if-match']).toBe('"2"');
    expect(((await put.json()) as { parameters: unknown[] }).parameters).toEqual([
      { name: 'tu_ngay', type: 'date', label: 'Sinh từ ngày', default: '1985-01-03' },
    ]);
    await page.getByRole('button', { name: `Chạy truy vấn ${RENAMED}` }).waitFor(WAIT);

    // Deleting another saved query, after its confirmation.
    await page.getByRole('button', { name: 'Xoá truy vấn Truy vấn tạm' }).click();
    const deleted = savedQueryCall(page, 'DELETE');
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Đồng ý' }).click();
    expect((await deleted).status()).toBe(204);
    await expect.poll(() => page.getByRole('button', { name: 'Xoá truy vấn Truy vấn tạm' }).count(), POLL).toBe(0);

    // A dashboard tile gives the parameter 05/01/1985: its answer follows that value, not the default 03/01/1985.
    await page.getByRole('link', { name: 'Bảng điều khiển kho dữ liệu' }).click();
    await page.getByRole('button', { name: 'Tạo bảng điều khiển' }).click();
    await page.getByLabel('Tên bảng điều khiển').fill('Đảng viên trẻ');
    const add = page.getByRole('button', { name: 'Thêm ô' });
    await add.waitFor(WAIT);
    await add.click();
    const tileEditor = page.getByTestId('tile-editor-1');
    await tileEditor.waitFor(WAIT);
    await chooseOption(page, 'Truy vấn của ô 1', RENAMED);
    await tileEditor.getByText('Bảng', { exact: true }).click();
    await page.getByText('Tham số Sinh từ ngày của ô 1', { exact: true }).waitFor(WAIT);
    expect(await page.locator('#tile-1-param-tu_ngay').getAttribute('placeholder')).toBe('mặc định: 03/01/1985');
    await pickDateTime(page, 'tile-1-param-tu_ngay', '05/01/1985');
    expect(await seriousViolations(page)).toEqual([]);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/warehouse/dashboards') && r.request().method() === 'POST', SLOW);
    const refreshed = page.waitForResponse((r) => /\/api\/v1\/warehouse\/dashboards\/[^/]+\/refresh$/.test(r.url()), SLOW);
    await page.getByRole('button', { name: 'Lưu bảng điều khiển' }).click();
    const dashboard = await saved;
    expect(dashboard.status()).toBe(201);
    expect(((await dashboard.json()) as { tiles: unknown[] }).tiles).toEqual([
      { saved_query_id: createdBody.id, chart: 'table', width: 12, params: { tu_ngay: '1985-01-05' } },
    ]);
    const refresh = (await (await refreshed).json()) as { tiles: { result: { rows: unknown[][] } | null }[] };
    expect(members(refresh.tiles[0]!.result!.rows)).toEqual(['01.000005']);
    const tile = page.getByTestId('dashboard-grid').getByTestId('dashboard-tile');
    await expect.poll(async () => (await tile.locator('table').textContent()) ?? '', POLL).toContain('01.000005');
    const drawn = (await tile.locator('table').textContent()) ?? '';
    expect(drawn).not.toContain('01.000003');
    expect(drawn).not.toContain('01.000004');
    expect(await tile.getByTestId('dashboard-tile-param').textContent()).toBe('Sinh từ ngày: 05/01/1985');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse-dashboard-params');

    // Opened again in the editor, the tile shows its value as DD/MM/YYYY.
    await page.getByRole('button', { name: 'Sửa', exact: true }).click();
    await expect.poll(() => page.locator('#tile-1-param-tu_ngay').inputValue(), POLL).toBe('05/01/1985');
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);
});
