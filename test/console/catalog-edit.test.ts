import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import {
  type ConsoleServer,
  chooseOption,
  launchBrowser,
  openPage,
  screenshot,
  seriousViolations,
  skipBrowser,
  startServer,
  signInThroughForm,
} from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };
const DATASET = 'thue-ca-nhan-thu-nghiem';
const TERM = 'ma_so_thue';
const LIST = 'loai-ho-so-thu-nghiem';

const vietnamToday = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
function plusDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const ddmmyyyy = (iso: string) => iso.split('-').reverse().join('/');

describe.skipIf(skipBrowser())('console in Chromium: creating and editing the catalog (datasets, dictionary entries, code lists, hosted records)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let custodian: User;
  const api = consoleApi(() => server.url);

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    // The API session uses the previous TOTP step; the browser's sign-in then uses the current one (no replay).
    const admin = await api.login('admin', ADMIN_PASSWORD, ADMIN_TOTP, new Date(Date.now() - 30_000));
    custodian = await api.user(admin, 'qt-btctw-sua', 'BTCTW', ['custodian_admin']);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
    await signInThroughForm(page, server.url, { username: 'admin', password: ADMIN_PASSWORD }, () => nextCode(ADMIN_TOTP));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Opens an antd select by its label (typing `search` when it searches) and picks the option that shows `option`. */
  const choose = (scope: Page | Locator, label: string, option: string, search?: string) =>
    chooseOption(page, label, option, { scope, ...(search !== undefined && { search }) });

  /** Types a date into an antd picker and confirms with Enter. */
  async function pickDate(scope: Page | Locator, label: string, iso: string) {
    const input = scope.getByLabel(label, { exact: true });
    await input.click();
    await input.fill(ddmmyyyy(iso));
    await input.press('Enter');
    await expect.poll(() => input.inputValue(), WAIT).toBe(ddmmyyyy(iso));
  }

  it('the coordinator adds a data-dictionary entry, then edits it (If-Match); its history shows both (R-18.2)', async () => {
    await page.goto(`${server.url}/dictionary`);
    await page.getByRole('heading', { name: 'Từ điển dữ liệu dùng chung' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Thêm mục từ điển' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByLabel('Tên trường', { exact: true }).fill(TERM);
    await drawer.getByLabel('Nhãn (tiếng Việt)').fill('Mã số thuế');
    await drawer.getByLabel('Nhãn (tiếng Anh)').fill('Tax code');
    await drawer.getByLabel('Độ dài tối đa').fill('13');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dictionary-new');
    await drawer.getByRole('button', { name: 'Thêm mục từ điển' }).click();

    await page.waitForURL(`**/dictionary/${TERM}`, WAIT);
    await page.getByRole('heading', { name: /Mã số thuế/, level: 1 }).waitFor(WAIT);
    expect(await page.getByTestId('term-definition').textContent()).toContain('≤ 13');

    await page.getByLabel('Nhãn (tiếng Việt)').fill('Mã số thuế cá nhân');
    await page.getByLabel('Độ dài tối đa').fill('14');
    await page.getByRole('button', { name: 'Lưu mục từ điển' }).click();
    await expect.poll(() => page.getByTestId('term-definition').textContent(), WAIT).toContain('≤ 14');
    await page.getByRole('heading', { name: /Mã số thuế cá nhân/, level: 1 }).waitFor(WAIT);
    const history = page.getByTestId('term-history');
    await expect.poll(() => history.locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);
    expect(await history.textContent()).toContain('Mã số thuế → Mã số thuế cá nhân');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dictionary-term');
    expect(problems).toEqual([]);
  }, 90_000);

  it('the coordinator adds a dataset with its sharing specification (a dictionary field and a field of its own), then edits it; R-14.1 refusals are shown', async () => {
    await page.goto(`${server.url}/catalog`);
    await page.getByRole('heading', { name: 'Danh mục dữ liệu', level: 1 }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Thêm bộ dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Thêm bộ dữ liệu vào danh mục' }).waitFor(WAIT);

    await page.getByLabel('Mã', { exact: true }).fill(DATASET);
    await choose(page, 'Nhóm lĩnh vực', '');
    await page.getByLabel('Tên bộ dữ liệu (tiếng Việt)').fill('Thuế thu nhập cá nhân (thử nghiệm)');
    await page.getByLabel('Tên bộ dữ liệu (tiếng Anh)').fill('Personal income tax (trial)');
    await choose(page, 'Chủ quản', 'BTCTW', 'BTCTW');
    const fields = page.getByTestId('fields-editor');
    const first = fields.locator('.ant-card').nth(0);
    await first.getByLabel('Tên trường').fill(TERM);
    await choose(first, 'Theo mục từ điển dữ liệu', TERM, TERM);
    expect(await first.getByRole('checkbox', { name: 'Bắt buộc' }).isChecked()).toBe(true);
    await fields.getByRole('button', { name: 'Thêm trường' }).click();
    const second = fields.locator('.ant-card').nth(1);
    await second.getByLabel('Tên trường').fill('ho_ten');
    await choose(second, 'Kiểu', 'Chuỗi');
    await second.getByLabel('Nhãn (tiếng Việt)').fill('Họ và tên');
    await second.getByLabel('Nhãn (tiếng Anh)').fill('Full name');
    await choose(second, 'Dữ liệu cá nhân', 'Cơ bản');
    await choose(second, 'Cách che khi không được cấp', 'Giữ chữ cái đầu mỗi từ');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'catalog-dataset-new');
    await page.getByRole('button', { name: 'Thêm bộ dữ liệu' }).click();

    await page.waitForURL(`**/catalog/${DATASET}`, WAIT);
    const table = page.getByTestId('ds-fields');
    await table.getByText('Mã số thuế cá nhân').waitFor(WAIT);
    await table.getByText('Họ và tên').waitFor(WAIT);
    expect(await page.getByTestId('ds-identity').textContent()).toContain('BTCTW');

    // Edit: the API refuses open access to personal data, the page says so; then a valid edit.
    await page.getByRole('link', { name: 'Sửa bộ dữ liệu' }).click();
    await page.getByRole('heading', { name: /Sửa bộ dữ liệu/, level: 1 }).waitFor(WAIT);
    await page.getByLabel('Tên bộ dữ liệu (tiếng Việt)').fill('Thuế thu nhập cá nhân (thử nghiệm, đã sửa)');
    await page.getByLabel('Có dữ liệu cá nhân').click();
    await page.getByLabel('Cần xác thực').click();
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    const error = page.getByTestId('dataset-error');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('R-14.1');
    await screenshot(page, 'catalog-dataset-edit-refused');

    await page.getByLabel('Cần xác thực').click();
    await choose(page, 'Tần suất cập nhật', 'Hằng tuần');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.waitForURL(`**/catalog/${DATASET}`, WAIT);
    await page.getByRole('heading', { name: 'Thuế thu nhập cá nhân (thử nghiệm, đã sửa)', level: 1 }).waitFor(WAIT);
    expect(await page.getByTestId('ds-identity').textContent()).toContain('Hằng tuần');
    const history = page.getByTestId('ds-history');
    await expect.poll(() => history.locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);
    expect(await history.textContent()).toContain('name_vi');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'catalog-dataset-edited');
    expect(problems).toEqual([]);
  }, 120_000);

  it('the custodian administrator writes a record after checking it, sees a refused one with its violations, and deletes it; R-4.1: authorises a provincial committee to update its province, then revokes it', async () => {
    const { cookie } = await api.consoleSession(custodian);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    try {
      await ctx.addCookies([{ ...cookie, url: server.url }]);
      const { page: p, problems: probs } = await openPage(ctx);
      await p.goto(`${server.url}/catalog/${DATASET}`);
      await p.getByRole('heading', { name: 'Bản ghi lưu trữ trên nền tảng' }).waitFor(WAIT);
      await p.getByRole('button', { name: 'Thêm bản ghi' }).click();
      const drawer = p.getByRole('dialog');
      await drawer.getByLabel('Khoá bản ghi').fill('nnt-1');
      await drawer.getByLabel('Nội dung bản ghi (JSON)').fill(JSON.stringify({ ho_ten: 'Nguyễn Văn An' }));
      await drawer.getByRole('button', { name: 'Kiểm tra hợp lệ' }).click();
      const violations = drawer.getByTestId('record-violations');
      await violations.waitFor(WAIT);
      expect(await violations.textContent()).toContain(TERM);
      await drawer.getByRole('button', { name: 'Lưu bản ghi' }).click();
      await drawer.getByTestId('record-error').waitFor(WAIT);
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'catalog-record-refused');

      await drawer.getByLabel('Nội dung bản ghi (JSON)').fill(JSON.stringify({ ma_so_thue: '0101234567', ho_ten: 'Nguyễn Văn An' }));
      await drawer.getByRole('button', { name: 'Kiểm tra hợp lệ' }).click();
      await drawer.getByTestId('record-valid').waitFor(WAIT);
      await drawer.getByRole('button', { name: 'Lưu bản ghi' }).click();
      await drawer.getByTestId('record-current').waitFor(WAIT);
      expect(await drawer.getByTestId('record-current').textContent()).toContain('0101234567');
      await expect.poll(async () => drawer.getByTestId('ds-versions').textContent(), WAIT).toContain('BTCTW'); // the producing agency
      await screenshot(p, 'catalog-record-saved');
      await drawer
        .getByRole('button', { name: 'Close' })
        .or(drawer.getByRole('button', { name: 'Đóng' }))
        .first()
        .click();

      const records = p.getByTestId('ds-records');
      await records.getByRole('button', { name: 'nnt-1', exact: true }).waitFor(WAIT);
      await records.getByRole('button', { name: 'Xoá bản ghi nnt-1' }).click();
      await p.locator('.ant-popconfirm').getByRole('button', { name: 'Xoá' }).click();
      await expect.poll(() => records.locator('tbody tr.ant-table-row').count(), WAIT).toBe(0);

      // Hà Nội's Party committee (TU01) may update the members of its province.
      await p.goto(`${server.url}/catalog/can-bo-dang-vien`);
      await p.getByRole('heading', { name: 'Cơ quan cập nhật dữ liệu' }).waitFor(WAIT);
      const agency = p.getByLabel('Cơ quan được uỷ quyền', { exact: true });
      await agency.click();
      await agency.fill('TU01');
      await p.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: 'TU01' }).first().click();
      const field = p.getByLabel('Trường giới hạn phạm vi', { exact: true });
      await field.click();
      await field.fill('province_code');
      await p.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: 'province_code' }).first().click();
      await p.getByLabel('Giá trị được phép', { exact: true }).fill('01');
      await p.getByRole('button', { name: 'Uỷ quyền', exact: true }).click();
      const producers = p.getByTestId('ds-producers');
      await producers.getByText('province_code: 01').waitFor(WAIT);
      expect(await producers.textContent()).toContain('Đang hiệu lực');
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'catalog-producers');
      await producers.getByRole('button', { name: 'Thu hồi uỷ quyền của TU01' }).click();
      const dialog = p.getByRole('dialog');
      await dialog.getByLabel('Lý do thu hồi').fill('Thử nghiệm kết thúc');
      await dialog.getByRole('button', { name: 'Thu hồi', exact: true }).click();
      // The list shows the revocation; a refusal in the dialog is reported as the failure's reason.
      const alert = dialog.getByRole('alert');
      const outcome = async () =>
        (await alert.isVisible()) ? `refused: ${await alert.textContent()}` : (await producers.textContent())?.includes('Đã thu hồi') ? 'revoked' : 'waiting';
      await expect.poll(outcome, { timeout: 60_000 }).toBe('revoked');
      expect(await producers.textContent()).toContain('Thử nghiệm kết thúc');
      expect(probs).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it("the coordinator creates a code list, publishes its first version by hand, then a second from the first one's items", async () => {
    await page.goto(`${server.url}/code-lists`);
    await page.getByRole('heading', { name: 'Danh mục dùng chung', level: 1 }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Tạo danh mục' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Mã', { exact: true }).fill(LIST);
    await dialog.getByLabel('Tên (tiếng Việt)').fill('Loại hồ sơ (thử nghiệm)');
    await dialog.getByLabel('Tên (tiếng Anh)').fill('Record kind (trial)');
    await dialog.getByLabel('Cơ quan ban hành').fill('Văn phòng Trung ương Đảng');
    await dialog.getByLabel('Căn cứ pháp lý').fill('Quyết định số 1/QĐ-VPTW');
    await dialog.getByRole('button', { name: 'Tạo danh mục' }).click();
    await page.waitForURL(`**/code-lists/${LIST}`, WAIT);
    await page.getByRole('heading', { name: 'Loại hồ sơ (thử nghiệm)', level: 1 }).waitFor(WAIT);

    const today = vietnamToday();
    const manual = page.getByRole('form', { name: 'Ban hành phiên bản mới bằng cách nhập từng mục' });
    await manual.getByLabel('Mã, dòng 1').fill('A');
    await manual.getByLabel('Tên tiếng Việt, dòng 1').fill('Hồ sơ gốc');
    await manual.getByRole('button', { name: 'Thêm mục' }).click();
    await manual.getByLabel('Mã, dòng 2').fill('B');
    await manual.getByLabel('Tên tiếng Việt, dòng 2').fill('Hồ sơ bổ sung');
    await pickDate(manual, 'Ngày bắt đầu có hiệu lực', today);
    await manual.getByLabel('Căn cứ pháp lý').fill('Quyết định số 2/QĐ-VPTW');
    await manual.getByRole('button', { name: 'Ban hành phiên bản' }).click();
    const versions = page.getByTestId('versions-table');
    await expect.poll(() => versions.locator('tbody tr.ant-table-row').count(), WAIT).toBe(1);
    await expect.poll(() => page.getByTestId('items-table').locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);

    // The second version starts from the first one's items: one renamed, one added, in force from tomorrow.
    await page.getByRole('button', { name: 'Bắt đầu từ các mục của phiên bản 1' }).click();
    await expect.poll(() => manual.getByLabel('Mã, dòng 2').inputValue(), WAIT).toBe('B');
    await manual.getByLabel('Tên tiếng Việt, dòng 2').fill('Hồ sơ bổ sung, sửa đổi');
    await manual.getByRole('button', { name: 'Thêm mục' }).click();
    await manual.getByLabel('Mã, dòng 3').fill('C');
    await manual.getByLabel('Tên tiếng Việt, dòng 3').fill('Hồ sơ điện tử');
    await pickDate(manual, 'Ngày bắt đầu có hiệu lực', plusDays(today, 1));
    await manual.getByLabel('Căn cứ pháp lý').fill('Quyết định số 3/QĐ-VPTW');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists-manual-version');
    await manual.getByRole('button', { name: 'Ban hành phiên bản' }).click();
    await expect.poll(() => versions.locator('tbody tr.ant-table-row').count(), WAIT).toBe(2);
    expect(await versions.textContent()).toContain('Quyết định số 3/QĐ-VPTW');
    const history = page.getByTestId('code-list-history');
    await expect.poll(() => history.locator('tbody tr.ant-table-row').count(), WAIT).toBe(3);
    expect(await history.textContent()).toContain('Ban hành phiên bản');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'codelists-history');
    expect(problems).toEqual([]);
  }, 120_000);
});
