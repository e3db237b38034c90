import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { consoleApi } from './api.ts';
import { nextCode } from './totp.ts';
import { type ConsoleServer, launchBrowser, openPage, screenshot, seriousViolations, skipBrowser, startServer, signInThroughForm } from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };
/** A Viet Nam calendar date, `days` from today. */
function vnDate(days = 0): string {
  return new Date(Date.now() + 7 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

describe.skipIf(skipBrowser())('console registry in Chromium: an official enrolled by link, security events, inbox, calendar, agencies and systems', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let admin: string;
  const official = { username: 'cq.btctw.moi', full_name: 'Nguyễn Thị Hồng Nhung', password: 'mat-khau-can-bo-moi-2026' };
  let officialSecret = '';

  const { send: call, approveSecurityLevel } = consoleApi(() => server.url);
  async function login(username: string, password: string, secret: string): Promise<string> {
    const r = await call('POST', '/api/v1/auth/login', '', { username, password, totp: await nextCode(secret) });
    return `Bearer ${r.token}`;
  }

  async function signInUi(p: Page, username: string, password: string, secret: string) {
    await signInThroughForm(p, server.url, { username, password }, () => nextCode(secret));
  }

  /**
   * Picks an option of an antd Select by its title. A click that lands while the list is still
   * moving, or after it closed again, is retried with the list reopened rather than waited on.
   */
  async function pick(select: Locator, title: string) {
    const option = page.locator(`.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${title}"]`);
    const chosen = select.locator('xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]');
    for (let attempt = 0; attempt < 6; attempt++) {
      if (!(await option.isVisible())) await select.click();
      const clicked = await option.click({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (clicked && ((await chosen.textContent()) ?? '').includes(title)) return;
    }
    throw new Error(`could not pick "${title}"`);
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    // A consumer with a level-3 system asks for a BTCTW dataset: BTCTW's inbox gets the request.
    const invited = await call('POST', '/api/v1/users', admin, {
      username: 'kt.vpcp',
      full_name: 'Trần Văn Khai',
      agency_code: 'VPCP',
      roles: ['consumer_admin'],
    });
    const token = new URL(invited.enrolment.url).pathname.replace(/^\/enrol\//, '');
    const view = await call('GET', `/api/v1/enrolments/${token}`, '');
    await call('POST', `/api/v1/enrolments/${token}`, '', { password: 'mat-khau-kt-vpcp-2026', totp: await nextCode(view.totp_secret) });
    const consumer = await login('kt.vpcp', 'mat-khau-kt-vpcp-2026', view.totp_secret);
    await call('POST', '/api/v1/systems', consumer, {
      code: 'VPCP-QLCB',
      agency_code: 'VPCP',
      name_vi: 'Hệ thống quản lý cán bộ',
      name_en: 'Cadre management system',
      security_level: 3,
      zone: 'internet',
    });
    // the coordinator's decision makes the declared level count.
    await approveSecurityLevel(admin, 'VPCP-QLCB');
    await call('POST', '/api/v1/systems', consumer, {
      code: 'VPCP-CU',
      agency_code: 'VPCP',
      name_vi: 'Hệ thống cũ',
      name_en: 'Old system',
      security_level: 2,
      zone: 'internet',
    });
    await call('POST', '/api/v1/agreements', consumer, {
      dataset_code: 'can-bo-dang-vien',
      system_code: 'VPCP-QLCB',
      purpose_code: 'to-chuc-can-bo',
      purpose_text: 'Tra cứu thông tin cán bộ phục vụ công tác tổ chức',
      legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
      requested_fields: ['member_number', 'full_name'],
      forms: ['api'],
      frequency: 'theo yêu cầu',
      valid_from: vnDate(1),
      valid_to: vnDate(120),
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the coordinator invites an official in the users page; the official enrols by the link, then signs in', async () => {
    await signInUi(page, 'admin', ADMIN_PASSWORD, ADMIN_TOTP);
    await page.getByRole('link', { name: 'Cơ quan, hệ thống, người dùng' }).click();
    await page.getByRole('heading', { name: 'Cơ quan, hệ thống, người dùng' }).waitFor(WAIT);
    await page.getByTestId('agency-BTCTW').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-agencies');

    await page.getByRole('tab', { name: 'Hệ thống thông tin' }).click();
    // the level-2 system may not share; the rule id and its message are shown.
    await page.getByTestId('refusal-VPCP-CU').waitFor(WAIT);
    expect(await page.getByTestId('refusal-VPCP-CU').textContent()).toContain('R-13.3');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-systems');

    await page.getByRole('tab', { name: 'Người dùng' }).click();
    await page.locator('[data-testid="users-table"] tbody tr.ant-table-row').first().waitFor(WAIT);
    await page.getByRole('button', { name: 'Mời cán bộ mới' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Tên đăng nhập').fill(official.username);
    await dialog.getByLabel('Họ và tên').fill(official.full_name);
    await dialog.getByLabel('Cơ quan').fill('BTCTW');
    await page.locator('.ant-select-item-option[title^="BTCTW "]').first().click();
    await dialog.getByLabel('Vai trò').click();
    await page.locator('.ant-select-item-option[title="Quản trị chủ quản"]').click();
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', { name: 'Tạo và lấy liên kết' }).click();
    const link = page.getByTestId('enrolment-link');
    await link.waitFor(WAIT);
    const url = await link.inputValue();
    expect(url).toMatch(/\/enrol\/[\w-]+$/);
    // The administrator sees a link, never a password or a TOTP secret.
    const linkDialog = page.getByRole('dialog', { name: /Liên kết kích hoạt/ });
    expect(await linkDialog.textContent()).not.toMatch(/otpauth|secret|mật khẩu/i);
    await linkDialog.getByRole('button', { name: 'Sao chép liên kết' }).waitFor(WAIT);
    await screenshot(page, 'registry-invite-link');
    await linkDialog.locator('.ant-modal-footer button').click();
    await linkDialog.waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(async () => (await page.getByTestId('users-table').textContent()) ?? '', WAIT).toContain(official.username);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-users');

    // The official, in a fresh browser, opens the link: QR and secret, then a password and a code.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    try {
      const { page: p, problems: freshProblems } = await openPage(fresh);
      await p.goto(url.replace(/^https?:\/\/[^/]+/, server.url));
      await p.getByTestId('enrol-qr').waitFor(WAIT);
      officialSecret = (await p.getByTestId('enrol-secret').textContent())!.replace(/\s/g, '');
      expect(officialSecret).toMatch(/^[A-Z2-7]+=*$/);
      await p.locator('#enrol_password').fill(official.password);
      await p.locator('#enrol_password2').fill(official.password);
      await p.locator('#enrol_totp').fill(await nextCode(officialSecret));
      await p.locator('form button[type="submit"]').click();
      await p.locator('.ant-result-success').waitFor(WAIT);
      await signInUi(p, official.username, official.password, officialSecret);
      await expect.poll(() => p.getByTestId('current-user').textContent(), WAIT).toContain(official.username);
      // The unread count of BTCTW's inbox is in the header.
      await expect.poll(() => p.getByTestId('inbox-badge').getAttribute('aria-label'), WAIT).toMatch(/[1-9]\d* thư chưa đọc/);

      // (3) The inbox shows the consumer's request; marking it read empties the unread count.
      await p.getByTestId('inbox-badge').click();
      await p.getByRole('heading', { name: 'Hộp thư của cơ quan' }).waitFor(WAIT);
      const mark = p.getByRole('button', { name: /^Đánh dấu đã đọc/ }).first();
      await mark.waitFor(WAIT);
      expect(await p.getByTestId('inbox-table').textContent()).toMatch(/VPCP|can-bo-dang-vien|yêu cầu/i);
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'registry-inbox');
      const before = await p.getByRole('button', { name: /^Đánh dấu đã đọc/ }).count();
      await mark.click();
      await expect.poll(() => p.getByRole('button', { name: /^Đánh dấu đã đọc/ }).count(), WAIT).toBe(before - 1);
      await expect.poll(() => p.getByTestId('inbox-table').textContent(), WAIT).toContain('Đã đọc');
      await expect.poll(() => p.getByTestId('inbox-badge').getAttribute('aria-label'), WAIT).toBe(`Hộp thư: ${before - 1} thư chưa đọc`);
      // The agency's webhook: the signing secret is shown once.
      await p.getByLabel('Địa chỉ nhận (https)').fill('https://hooks.btctw.example/lienthong');
      await p.getByRole('button', { name: 'Lưu địa chỉ' }).click();
      await p.getByTestId('webhook-secret').waitFor(WAIT);
      await expect.poll(() => p.getByTestId('webhook-url').textContent(), WAIT).toContain('https://hooks.btctw.example/lienthong');
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'registry-inbox-webhook');
      expect(freshProblems).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('lists the enrolment and the sign-in of the new official in the security events, for the coordinator', async () => {
    await page.getByRole('link', { name: 'Nhật ký an ninh' }).click();
    await page.getByRole('heading', { name: 'Nhật ký an ninh tài khoản' }).waitFor(WAIT);
    await page.getByLabel('Tên đăng nhập', { exact: true }).fill(official.username);
    await page.getByLabel('Tên đăng nhập', { exact: true }).press('Enter');
    await page.waitForURL(/username=cq\.btctw\.moi/, WAIT);
    const table = page.getByTestId('security-table');
    await expect.poll(async () => (await table.textContent()) ?? '', WAIT).toContain('Hoàn tất kích hoạt');
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('Cấp liên kết kích hoạt');
    expect(text).toContain('Đăng nhập thành công');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-security-events');
  }, 60_000);

  it('shows the working-day calendar of a year with its holidays', async () => {
    await page.getByRole('link', { name: 'Lịch ngày làm việc' }).click();
    await page.getByRole('heading', { name: 'Lịch ngày làm việc' }).waitFor(WAIT);
    await page.getByTestId('calendar-working').waitFor(WAIT);
    await expect.poll(() => page.locator('[data-testid="calendar-year"] [data-kind="holiday"]').count(), WAIT).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-calendar');

    // The coordinator records an announced day off; it shows as an edit, then is withdrawn.
    const year = new Date().getUTCFullYear();
    await page.getByRole('button', { name: 'Sửa ngày' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ghi ngày nghỉ hoặc ngày làm bù' });
    await dialog.getByLabel('Ngày', { exact: true }).fill(`30/12/${year}`);
    await dialog.getByLabel('Ngày', { exact: true }).press('Enter');
    await dialog.getByLabel('Lý do (tiếng Việt)').fill('Nghỉ tổng kết cuối năm');
    await dialog.getByLabel('Lý do (tiếng Anh)').fill('Year-end review day off');
    await dialog.getByLabel('Căn cứ (số thông báo)').fill('Thông báo số 99/TB-VPTW');
    await dialog.getByLabel('Số hiệu, tên văn bản').fill('Thông báo số 99/TB-VPTW');
    await dialog.getByLabel('Cơ quan ban hành').fill('Văn phòng Trung ương Đảng');
    await dialog.getByLabel('Ngày ban hành').fill(`01/12/${year}`);
    await dialog.getByLabel('Ngày ban hành').press('Enter');
    await dialog.getByRole('button', { name: 'Lưu ngày' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    const row = page.locator('[data-testid="calendar-days"] tr', { hasText: `30/12/${year}` });
    await expect.poll(async () => (await row.textContent()) ?? '', WAIT).toContain('Nghỉ tổng kết cuối năm');
    expect(await row.textContent()).toContain('Do điều phối viên nhập');
    expect(await row.textContent()).toContain('Văn phòng Trung ương Đảng, ngày 01/12/');
    await row.getByRole('button', { name: /^Bỏ điều chỉnh/ }).click();
    await expect.poll(() => row.count(), WAIT).toBe(0);
  }, 60_000);

  it('R-15.3: shows the announcing document of each special day and marks the computed ones', async () => {
    await page.getByLabel('Năm', { exact: true }).fill('2026');
    const day = (d: string) => page.locator('[data-testid="calendar-days"] tr', { has: page.getByRole('cell', { name: d, exact: true }) });
    await expect.poll(async () => (await day('31/08/2026').textContent()) ?? '', WAIT).toContain('9441/TB-BNV');
    expect(await day('31/08/2026').textContent()).toContain('Bộ Nội vụ, theo ý kiến Thủ tướng Chính phủ, ngày 16/10/2025');
    expect(await day('22/08/2026').textContent()).toContain('Làm bù cho Thứ Hai 31/08/2026');
    expect(await day('27/04/2026').textContent()).toContain('Tính toán, chưa có thông báo');
    expect(await page.locator('[data-testid="calendar-year"] [data-status="computed"][data-kind="compensatory"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-calendar-sources');

    await page.getByLabel('Năm', { exact: true }).fill('2027');
    await page.getByTestId('calendar-computed-year').waitFor(WAIT);
    expect(await page.getByTestId('calendar-computed-year').textContent()).toContain('Năm 2027 chưa có thông báo');
  }, 60_000);

  it('the coordinator creates an agency and a system, edits the system, records its level decision (R-13.3) and sees the history', async () => {
    await page.getByRole('link', { name: 'Cơ quan, hệ thống, người dùng' }).click();
    await page.getByRole('heading', { name: 'Cơ quan, hệ thống, người dùng' }).waitFor(WAIT);

    // An agency under a provincial committee, through the form.
    await page.getByRole('button', { name: 'Thêm cơ quan' }).click();
    const agencyDialog = page.getByRole('dialog', { name: 'Thêm cơ quan' });
    await agencyDialog.getByLabel('Mã').fill('DUTHU');
    await agencyDialog.getByLabel('Tên tiếng Việt').fill('Đảng uỷ Khối thử nghiệm');
    await agencyDialog.getByLabel('Tên tiếng Anh').fill('Test Party Committee');
    await pick(agencyDialog.getByLabel('Loại cơ quan'), 'Tổ chức cơ sở đảng');
    await agencyDialog.getByLabel('Cơ quan cấp trên').fill('TU01');
    await page.locator('.ant-select-item-option[title^="TU01 "]').first().click();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-agency-form');
    await agencyDialog.getByRole('button', { name: 'Lưu' }).click();
    await agencyDialog.waitFor({ state: 'hidden', ...WAIT });
    // Saved, it is picked in the tree (under TU01) and its history shows the creation.
    await page.getByTestId('agency-DUTHU').waitFor(WAIT);
    const agencyDetail = page.getByTestId('agency-detail');
    await expect.poll(async () => (await page.getByTestId('agency-history').textContent()) ?? '', WAIT).toContain('Tạo mới');
    await agencyDetail.getByRole('button', { name: 'Sửa cơ quan' }).click();
    const editAgency = page.getByRole('dialog', { name: 'Sửa cơ quan DUTHU' });
    await editAgency.getByLabel('Tên tiếng Anh').fill('Trial Party Committee');
    await editAgency.getByRole('button', { name: 'Lưu' }).click();
    await editAgency.waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(async () => (await page.getByTestId('agency-history').textContent()) ?? '', WAIT).toContain('Trial Party Committee');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-agency-detail');

    // A system of the new agency, declared at level 3: it waits for the coordinator's decision.
    await page.getByRole('tab', { name: 'Hệ thống thông tin' }).click();
    await page.getByRole('button', { name: 'Đăng ký hệ thống' }).click();
    const systemDialog = page.getByRole('dialog', { name: 'Đăng ký hệ thống' });
    await systemDialog.getByLabel('Mã', { exact: true }).fill('DUTHU-QLDV');
    await systemDialog.getByLabel('Cơ quan', { exact: true }).fill('DUTHU');
    await page.locator('.ant-select-item-option[title^="DUTHU "]').first().click();
    await systemDialog.getByLabel('Tên tiếng Việt').fill('Hệ thống quản lý đảng viên thử nghiệm');
    await systemDialog.getByLabel('Tên tiếng Anh').fill('Trial member management');
    await systemDialog.getByLabel('Địa chỉ dịch vụ (https)').fill('https://qldv.duthu.example');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'registry-system-form');
    await systemDialog.getByRole('button', { name: 'Lưu' }).click();
    await systemDialog.waitFor({ state: 'hidden', ...WAIT });
    const drawer = page.getByRole('dialog', { name: 'Hệ thống DUTHU-QLDV' });
    const levels = drawer.getByTestId('system-levels');
    await levels.waitFor(WAIT);
    expect(await levels.textContent()).toContain('Chờ phê duyệt');
    expect(await drawer.getByTestId('system-refusal').textContent()).toContain('R-13.3');

    // The owner's edit: the declared level raised to 4, still not in effect.
    await drawer.getByRole('button', { name: 'Sửa hệ thống' }).click();
    const editSystem = page.getByRole('dialog', { name: 'Sửa hệ thống DUTHU-QLDV' });
    await pick(editSystem.getByLabel('Cấp độ an toàn khai báo'), 'Cấp 4');
    await editSystem.getByRole('button', { name: 'Lưu' }).click();
    await editSystem.waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(async () => (await drawer.getByTestId('system-history').textContent()) ?? '', WAIT).toContain('Cập nhật');
    expect(await levels.textContent()).toMatch(/Cấp độ có hiệu lựcChưa có/);

    // The coordinator records the decision: level 4 takes effect and the system may share.
    await pick(drawer.getByLabel('Cấp độ được phê duyệt'), 'Cấp 4');
    await drawer.getByLabel('Số quyết định').fill('15/QĐ-VPTW');
    const [y, m, d] = vnDate(-1).split('-');
    await drawer.getByLabel('Ngày quyết định').fill(`${d}/${m}/${y}`);
    await drawer.getByLabel('Ngày quyết định').press('Enter');
    await drawer.getByLabel('Cơ quan, người ban hành').fill('Văn phòng Trung ương Đảng');
    await drawer.getByLabel('Hồ sơ, văn bản kèm theo').fill('Hồ sơ đề xuất cấp độ số 7/HS');
    await drawer.getByRole('button', { name: 'Ghi quyết định phê duyệt cấp độ' }).click();
    await expect.poll(async () => (await levels.textContent()) ?? '', WAIT).toContain('15/QĐ-VPTW');
    expect(await levels.textContent()).toMatch(/Cấp độ có hiệu lựcCấp 4/);
    expect(await levels.textContent()).toContain('Đủ điều kiện');
    await expect.poll(async () => (await drawer.getByTestId('system-history').textContent()) ?? '', WAIT).toContain('Quyết định phê duyệt cấp độ');
    expect(await drawer.getByTestId('system-history').textContent()).toContain('Tạo mới');
    expect(await seriousViolations(page)).toEqual([]);
    await levels.scrollIntoViewIfNeeded();
    await screenshot(page, 'registry-system-detail');
  }, 120_000);

  it('met no CSP refusal and no uncaught error', () => {
    expect(problems).toEqual([]);
  });
});
