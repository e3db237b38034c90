/**
 * Console pages "Rà soát danh mục" (the yearly catalog review, R-18.1) and "Kiểm toán dữ liệu"
 * (data audits, R-18.2): a custodian confirms a dataset, the coordinator sees the progress and
 * opens an audit of that custodian. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LienThongClient } from 'lienthong/client';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 20_000 };

describe.skipIf(skipBrowser())('console: catalog review and data audits (R-18.1, R-18.2)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let custodian: User;
  let coordinator: User;
  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  async function signIn(who: User): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    await signInThroughForm(page, server.url, { username: who.username, password: who.password }, () => nextCode(who.secret));
    return page;
  }

  beforeAll(async () => {
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    coordinator = await user(admin, 'dieu.phoi', 'VPTW', ['coordinator']);
    await ok(
      call('POST', '/api/v1/systems', custodian.auth, {
        code: 'BTCTW-CSDL',
        agency_code: 'BTCTW',
        name_vi: 'Hệ thống BTCTW-CSDL',
        name_en: 'BTCTW-CSDL',
        security_level: 3,
        zone: 'internet',
      }),
      201,
    );
    await approveSecurityLevel(admin, 'BTCTW-CSDL');
    const acc = await ok(
      call('POST', '/api/v1/accounts', custodian.auth, { system_code: 'BTCTW-CSDL', name: 'Tài khoản BTCTW-CSDL', auth_method: 'client_secret' }),
      201,
    );
    const writer = new LienThongClient({ baseUrl: server.url, clientId: acc.account.client_id as string, clientSecret: acc.client_secret as string });
    // One write, so BTCTW's sharing log exists and has a checkpoint to audit.
    await writer
      .putRecord('to-chuc-dang', 'tcd-1', { organisation_code: 'TCD-1', name: 'Đảng bộ thử nghiệm', organisation_type: 'dang-bo' })
      .catch(() => undefined);
    const deadline = Date.now() + 40_000;
    while ((await call('GET', '/api/v1/ledger/BTCTW/checkpoint', coordinator.auth)).status !== 200) {
      if (Date.now() > deadline) throw new Error('no checkpoint of the BTCTW log within 40 s');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('R-18.1: the custodian confirms a dataset for the year; the coordinator sees the progress per custodian', async () => {
    const page = await signIn(custodian);
    await page.getByRole('link', { name: 'Rà soát danh mục' }).click();
    await page.getByRole('heading', { name: 'Rà soát danh mục dữ liệu hằng năm', level: 1 }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Xác nhận đặc tả bộ dữ liệu to-chuc-dang' }).click();
    await page.getByRole('dialog').getByRole('textbox').fill('Giữ nguyên đặc tả');
    await page.getByRole('dialog').getByRole('button', { name: 'Xác nhận' }).click();
    await page.getByText('Đã ghi nhận kết quả rà soát.').waitFor(WAIT);
    await page
      .getByTestId('review-items')
      .getByRole('row', { name: /Giữ nguyên/ })
      .waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();

    const vptw = await signIn(coordinator);
    await vptw.getByRole('link', { name: 'Rà soát danh mục' }).click();
    const row = vptw.getByTestId('review-progress').getByRole('row', { name: /BTCTW/ });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toMatch(/1\/\d+/);
    await vptw.context().close();
  }, 90_000);

  it('R-18.2: the coordinator opens an audit of a custodian and reads its results with the report download', async () => {
    const page = await signIn(coordinator);
    await page.getByRole('link', { name: 'Kiểm toán dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Kiểm toán dữ liệu', level: 1 }).waitFor(WAIT);
    await page.getByLabel('Cơ quan chủ quản').fill('BTCTW');
    await page.getByRole('button', { name: 'Mở cuộc kiểm toán' }).click();
    await page.getByText('Đã hoàn thành cuộc kiểm toán.').waitFor(WAIT);
    const detail = page.getByTestId('audit-detail');
    await detail.waitFor(WAIT);
    expect(await detail.textContent()).toContain('Kết quả kiểm toán BTCTW');
    expect(await detail.textContent()).toMatch(/Kiểm tra nhật ký: \d+ mục/);
    const href = await detail.getByRole('link', { name: 'Tải báo cáo (XLSX)' }).getAttribute('href');
    expect(href).toMatch(/\/api\/v1\/reports\/audits\/[0-9a-f-]+\/report\.xlsx$/);
    const pdf = await detail.getByRole('link', { name: 'Tải báo cáo (PDF)' }).getAttribute('href');
    expect(pdf).toBe(href!.replace(/\.xlsx$/, '.pdf'));
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  }, 90_000);
});
