/**
 * Console page "Báo cáo năm" (the yearly report of sharing results, R-18.1): the custodian's
 * administrator previews the figures with their basis, submits after confirming, and sees the
 * version; the coordinator sees the custodian as submitted in the overview. Against a real
 * `lienthong serve`, in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 20_000 };

describe.skipIf(skipBrowser())('console: the yearly report, submitted to the Central Party Office (R-18.1)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let custodian: User;
  let coordinator: User;
  const { call, ok, login, user } = consoleApi(() => server.url);

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
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('R-18.1: the custodian submits its report after confirming; the version is listed; the Office sees it submitted', async () => {
    const page = await signIn(custodian);
    await page.getByRole('link', { name: 'Báo cáo năm' }).click();
    await page.getByRole('heading', { name: 'Báo cáo năm về kết quả chia sẻ dữ liệu', level: 1 }).waitFor(WAIT);
    await page.getByTestId('yr-basis').waitFor(WAIT);
    expect(await page.getByTestId('yr-basis').textContent()).toMatch(/Căn cứ số liệu: nhật ký BTCTW, điểm chốt cỡ \d+ · Hạn nộp: 25\/12\/\d{4}/);
    expect(await page.getByTestId('yr-versions').textContent()).toContain('Chưa nộp phiên bản nào');

    await page.getByRole('button', { name: 'Nộp báo cáo' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Chức vụ người ký').fill('Chánh Văn phòng');
    await dialog.getByRole('button', { name: 'Nộp báo cáo' }).click();
    await page.getByText('Đã nộp phiên bản 1').waitFor(WAIT);
    const row = page.getByTestId('yr-versions').getByRole('row', { name: /cq\.btctw/ });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('Đúng hạn');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();

    const year = new Date().getFullYear();
    const subs = await ok(call('GET', `/api/v1/reports/yearly/${year}/custodians/BTCTW/submissions`, coordinator.auth));
    expect(subs).toHaveLength(1);

    const office = await signIn(coordinator);
    await office.getByRole('link', { name: 'Báo cáo năm' }).click();
    const line = office.getByTestId('yr-overview').getByRole('row', { name: /BTCTW/ });
    await line.waitFor(WAIT);
    expect(await line.textContent()).toContain('Đã nộp');
    expect(await office.getByRole('link', { name: 'Báo cáo tổng hợp PDF' }).getAttribute('href')).toBe(`/api/v1/reports/yearly/${year}/aggregated/pdf`);
    await office.context().close();
  }, 120_000);
});
