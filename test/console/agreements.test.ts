/**
 * Browser tests of the agreements pages: a consumer administrator requests a dataset with the
 * wizard, the custodian approves it with fewer fields; a secret dataset needs a second approval by
 * another person (R-11: the API refuses the same person, and the page shows its rule and message).
 * Users and systems are set up through the HTTP API; everything after that goes through the UI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, launchBrowser, openPage, screenshot, seriousViolations, skipBrowser, startServer, signInThroughForm } from './browser.ts';

const WAIT = { timeout: 20_000 };
const EC_KEY = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', use: 'enc' };

/** Today's date in Viet Nam, DD/MM/YYYY, and its year. */
function vietnamToday(): { text: string; year: number } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date())
      .map((x) => [x.type, x.value]),
  );
  return { text: `${p.day}/${p.month}/${p.year}`, year: Number(p.year) };
}

describe.skipIf(skipBrowser())('console in Chromium: sharing agreements (request wizard, review, second approval R-11)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  const users = new Map<string, User>();
  const pages = new Map<string, Page>();
  const problems: string[][] = [];

  const { call, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  /** Signs an official in through the sign-in form in a browser context of their own. */
  async function signIn(username: string): Promise<Page> {
    const who = users.get(username)!;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const { page, problems: own } = await openPage(context);
    problems.push(own);
    // The API sign-in used the current 30-second step; each code is single-use, so take the next one.
    await signInThroughForm(page, server.url, { username: username, password: who.password }, () => nextCode(who.secret));
    pages.set(username, page);
    return page;
  }

  async function choose(page: Page, label: string, typed: string, option: string | RegExp) {
    const input = page.getByLabel(label, { exact: true });
    await input.click();
    if (typed) await input.fill(typed);
    await page.locator('.ant-select-item-option:visible', { hasText: option }).first().click();
  }

  async function openAgreements(page: Page) {
    await page.getByRole('link', { name: 'Thoả thuận chia sẻ' }).click();
    await page.getByRole('heading', { name: 'Thoả thuận chia sẻ', exact: true }).waitFor(WAIT);
  }

  /** The wizard, step by step; returns the new agreement's path. */
  async function request(page: Page, dataset: string, system: string, dropField?: string, atSystemStep?: (page: Page) => Promise<void>): Promise<string> {
    await openAgreements(page);
    await page.getByRole('link', { name: 'Đề nghị chia sẻ mới' }).click();
    await page.getByRole('heading', { name: 'Đề nghị chia sẻ dữ liệu' }).waitFor(WAIT);
    await choose(page, 'Bộ dữ liệu cần khai thác', dataset, `(${dataset})`);
    await page.getByRole('button', { name: 'Tiếp' }).click();
    // The sharing specification's fields, all proposed.
    const fields = page.getByRole('checkbox');
    await expect.poll(() => fields.count(), WAIT).toBeGreaterThan(1);
    if (dropField) await page.getByRole('checkbox', { name: new RegExp(dropField) }).uncheck();
    await page.getByRole('button', { name: 'Tiếp' }).click();
    await choose(page, 'Mục đích khai thác (danh mục muc-dich-khai-thac)', '', /\(/);
    await page.getByLabel('Mô tả mục đích').fill('Phục vụ công tác theo chức năng, nhiệm vụ được giao');
    await page.getByLabel('Căn cứ pháp lý').fill('Quy định 384-QĐ/TW');
    await page.getByRole('button', { name: 'Tiếp' }).click();
    const today = vietnamToday();
    const from = page.getByLabel('Có hiệu lực từ ngày (DD/MM/YYYY)');
    await from.click();
    await from.fill(today.text);
    await from.press('Enter');
    const to = page.getByLabel('Đến hết ngày (DD/MM/YYYY)');
    await to.click();
    await to.fill(`31/12/${today.year + 1}`);
    // Enter confirms the date and submits the step, as on any form.
    await to.press('Enter');
    await page.getByLabel('Hệ thống thông tin của cơ quan', { exact: true }).waitFor(WAIT);
    await atSystemStep?.(page);
    await choose(page, 'Hệ thống thông tin của cơ quan', '', system);
    await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
    await page.getByRole('heading', { name: `Thoả thuận chia sẻ ${dataset}` }).waitFor(WAIT);
    await expect.poll(() => page.getByTestId('agreement-status').first().textContent(), WAIT).toBe('Đã gửi');
    return new URL(page.url()).pathname;
  }

  /** Opens the agreement from the list, as its reviewer would. */
  async function openFromList(page: Page, path: string, dataset: string) {
    await openAgreements(page);
    await page.locator(`a[href="${path}"]`).waitFor(WAIT);
    await page.locator(`a[href="${path}"]`).click();
    await page.getByRole('heading', { name: `Thoả thuận chia sẻ ${dataset}` }).waitFor(WAIT);
  }

  async function confirm(page: Page) {
    await page.getByRole('dialog').getByRole('button', { name: 'Xác nhận' }).click();
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    for (const [username, agency, roles] of [
      ['kt.vpcp', 'VPCP', ['consumer_admin']],
      ['cq.btctw', 'BTCTW', ['custodian_admin']],
      ['cq.bnctw', 'BNCTW', ['custodian_admin', 'approver']],
      ['pd.bnctw', 'BNCTW', ['approver']],
    ] as const)
      users.set(username, await user(admin, username, agency, [...roles]));
    const sys = async (code: string, level: number, zone: string, extra: object = {}) => {
      const r = await call('POST', '/api/v1/systems', admin, {
        code,
        agency_code: 'VPCP',
        name_vi: `Hệ thống ${code}`,
        name_en: code,
        security_level: level,
        zone,
        ...extra,
      });
      expect(r.status, r.text).toBe(201);
      // the coordinator's decision makes the declared level count.
      await approveSecurityLevel(admin, code, level);
    };
    await sys('VPCP-QLCB', 3, 'internet');
    await sys('VPCP-MAT', 4, 'tslcd', { encryption_key: EC_KEY });
    // Declared at level 4 with no decision yet: pending, no level in effect.
    const pending = await call('POST', '/api/v1/systems', admin, {
      code: 'VPCP-CHO',
      agency_code: 'VPCP',
      name_vi: 'Hệ thống VPCP-CHO',
      name_en: 'VPCP-CHO',
      security_level: 4,
      zone: 'tslcd',
      encryption_key: EC_KEY,
    });
    expect(pending.status, pending.text).toBe(201);
    for (const u of ['kt.vpcp', 'cq.btctw', 'cq.bnctw', 'pd.bnctw']) await signIn(u);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  let first = '';
  it('a consumer admin requests a dataset with the wizard (Vietnam dates, fields of the sharing specification)', async () => {
    const page = pages.get('kt.vpcp')!;
    first = await request(page, 'can-bo-dang-vien', 'VPCP-QLCB');
    await expect.poll(() => page.getByTestId('agreement-history').textContent(), WAIT).toContain('Gửi đề nghị');
    await openAgreements(page);
    await page.locator(`a[href="${first}"]`).waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agreements-list');
  }, 60_000);

  it('the custodian admin approves it with fewer fields: the agreement is active', async () => {
    const page = pages.get('cq.btctw')!;
    await openFromList(page, first, 'can-bo-dang-vien');
    await page.getByRole('button', { name: 'Chấp thuận' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: 'citizen_id' }).uncheck();
    await screenshot(page, 'agreements-approve');
    await confirm(page);
    await expect.poll(() => page.getByTestId('agreement-status').first().textContent(), WAIT).toBe('Đang hiệu lực');
    const granted = await page.getByTestId('granted-fields').textContent();
    expect(granted).toContain('full_name');
    expect(granted).not.toContain('citizen_id');
    expect(await page.getByTestId('requested-fields').textContent()).toContain('citizen_id');
    await expect.poll(() => page.getByTestId('agreement-history').textContent(), WAIT).toContain('Chấp thuận');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agreements-detail');
  }, 60_000);

  it('the custodian terminates it on a ground of R-16.1 with its evidence: terminated, and the history says why', async () => {
    const page = pages.get('cq.btctw')!;
    await page.getByRole('button', { name: 'Chấm dứt' }).click();
    const dialog = page.getByRole('dialog');
    // Ground (b) rests on a force-majeure stop: none is in effect, so it cannot be chosen.
    await expect.poll(() => dialog.getByRole('radio', { name: /^\(b\)/ }).isDisabled(), WAIT).toBe(true);
    await dialog.getByRole('radio', { name: /^\(d\)/ }).check();
    await dialog.getByLabel('Lý do').fill('Bên khai thác không còn nhu cầu khai thác');
    await confirm(page);
    // (d) must cite its document: the form asks for it before the API would.
    await dialog.getByText('Căn cứ này phải nêu tài liệu').waitFor(WAIT);
    await dialog.getByLabel('Tài liệu làm căn cứ (số, ngày văn bản hoặc đề nghị)').fill('Công văn số 12/VPCP ngày 01/12/2026');
    await screenshot(page, 'agreements-terminate');
    await confirm(page);
    await expect.poll(() => page.getByTestId('agreement-status').first().textContent(), WAIT).toBe('Đã chấm dứt');
    await expect.poll(() => page.getByTestId('agreement-history').textContent(), WAIT).toContain('Công văn số 12/VPCP');
  }, 60_000);

  let secret = '';
  it('secret data: the custodian approves, and the same person cannot give the second approval (R-11)', async () => {
    // the wizard labels each system with its level in effect, marks a declared level awaiting its decision and says why it is refused.
    secret = await request(pages.get('kt.vpcp')!, 'vu-an', 'VPCP-MAT', undefined, async (wizard) => {
      await choose(wizard, 'Hệ thống thông tin của cơ quan', '', 'VPCP-CHO');
      const options = wizard.locator('.ant-select-item-option');
      expect(await options.filter({ hasText: 'VPCP-CHO' }).textContent()).toContain('chưa có cấp độ có hiệu lực; cấp độ 4 chờ phê duyệt');
      expect(await options.filter({ hasText: 'VPCP-MAT' }).textContent()).toContain('cấp độ có hiệu lực 4');
      const warning = wizard.getByTestId('system-level-pending');
      await warning.waitFor(WAIT);
      expect(await warning.textContent()).toContain('R-13.3 — Cấp độ 4 do cơ quan khai báo đang chờ quyết định phê duyệt');
      expect(await warning.textContent()).toContain('chưa có quyết định phê duyệt cấp độ này');
      expect(await wizard.getByText('kể cả dữ liệu mật').textContent()).toContain('cấp độ an toàn thông tin có hiệu lực');
      expect(await seriousViolations(wizard)).toEqual([]);
      await screenshot(wizard, 'agreements-system-pending');
    });
    const page = pages.get('cq.bnctw')!;
    await openFromList(page, secret, 'vu-an');
    await page.getByRole('button', { name: 'Chấp thuận' }).click();
    await confirm(page);
    await expect.poll(() => page.getByTestId('agreement-status').first().textContent(), WAIT).toBe('Chờ phê duyệt bước hai');
    await page.getByRole('button', { name: 'Phê duyệt bước hai' }).click();
    await confirm(page);
    const problem = page.getByRole('dialog').getByTestId('agreement-problem');
    await problem.waitFor(WAIT);
    expect(await problem.textContent()).toContain('R-11');
    expect(await problem.textContent()).toContain('Người phê duyệt bước hai phải khác người chấp thuận bước một.');
    await screenshot(page, 'agreements-r11');
    await page.getByRole('dialog').getByRole('button', { name: 'Huỷ' }).click();
    expect(await page.getByTestId('agreement-status').first().textContent()).toBe('Chờ phê duyệt bước hai');
  }, 60_000);

  it('another approver of the custodian gives the second approval: the agreement is active', async () => {
    const page = pages.get('pd.bnctw')!;
    await openFromList(page, secret, 'vu-an');
    await page.getByRole('button', { name: 'Phê duyệt bước hai' }).click();
    await confirm(page);
    // A refusal shown in the dialog is the failure's reason, not a timeout.
    const refusal = page.getByRole('dialog').getByTestId('agreement-problem');
    const outcome = async () =>
      (await refusal.isVisible()) ? `refused: ${await refusal.textContent()}` : await page.getByTestId('agreement-status').first().textContent();
    await expect.poll(outcome, WAIT).toBe('Đang hiệu lực');
    await expect.poll(() => page.getByTestId('agreement-history').textContent(), WAIT).toContain('Phê duyệt bước hai');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agreements-second-approval');
  }, 60_000);

  it('met no CSP refusal and no uncaught error', () => {
    expect(problems.flat()).toEqual([]);
  });
});
