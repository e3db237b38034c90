/**
 * Console, Art. 15–16 through the UI: a custodian publishes a correction of a notice, which the
 * public board (signed out) shows linked to the notice it corrects; restores a suspended consumer;
 * and the lifecycle history lists these actions, its filters kept in the URL. The data is set up
 * through the HTTP API; every step under test goes through the pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, launchBrowser, openPage, screenshot, seriousViolations, skipBrowser, startServer, signInThroughForm } from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };
const DATASET = 'can-bo-dang-vien';

describe.skipIf(skipBrowser())('console in Chromium: notice corrections, restoring a consumer, the lifecycle history (R-15, R-16)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let custodian: User;
  let consumer: User;
  let agreementId: string;
  let page: Page;
  let problems: string[];
  let notice: { id: string; reference: string };
  let suspension: { id: string; reference: string };

  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  /** Signs an official in through the sign-in form, in a browser context of their own. */
  async function signIn(who: User): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const opened = await openPage(context);
    const p = opened.page;
    // The next step's code: the API sign-in used this step's (each step is single-use).
    await signInThroughForm(p, server.url, { username: who.username, password: who.password }, () => nextCode(who.secret));
    return opened;
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      launchBrowser(),
    ]);
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    await ok(
      call('POST', '/api/v1/systems', consumer.auth, {
        code: 'VPCP-QLCB',
        agency_code: 'VPCP',
        name_vi: 'Hệ thống VPCP-QLCB',
        name_en: 'VPCP-QLCB',
        security_level: 3,
        zone: 'internet',
      }),
      201,
    );
    await approveSecurityLevel(admin, 'VPCP-QLCB'); // the level counts once a decision approves it
    const agreement = await ok(
      call('POST', '/api/v1/agreements', consumer.auth, {
        dataset_code: DATASET,
        system_code: 'VPCP-QLCB',
        purpose_code: 'to-chuc-can-bo',
        requested_fields: ['member_number', 'full_name'],
        purpose_text: 'Phục vụ công tác tổ chức cán bộ',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: vietnamDate(new Date()),
        valid_to: vietnamDate(new Date(Date.now() + 200 * 86_400_000)),
      }),
      201,
    );
    agreementId = agreement.id;
    await ok(call('POST', `/api/v1/agreements/${agreement.id}/approve`, custodian.auth, {}));
    const stop = await ok(
      call('POST', '/api/v1/service-suspensions', custodian.auth, {
        kind: 'force_majeure',
        dataset: DATASET,
        starts_at: new Date(Date.now() - 3600_000).toISOString(),
        reason: 'Mất điện tại trung tâm dữ liệu',
        publish_notice: { body_vi: 'Dự kiến khôi phục lúc 18:00.', body_en: 'Expected back at 18:00.' },
      }),
      201,
    );
    notice = stop.notice;
    suspension = await ok(
      call('POST', '/api/v1/consumer-suspensions', custodian.auth, {
        agreement_id: agreement.id,
        ground: 'purpose_violation',
        violation: 'Dùng dữ liệu cán bộ cho mục đích thương mại',
        handling: 'Tạm ngừng kết nối, yêu cầu giải trình',
        requirements: 'Gửi báo cáo giải trình',
        found_at: new Date().toISOString(),
      }),
      201,
    );

    ({ page, problems } = await signIn(custodian));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('R-15.4: the custodian publishes a correction of its notice; the public board, signed out, shows it linked to the notice it corrects', async () => {
    await page.goto(`${server.url}/notices`);
    const card = page.getByTestId(`notice-${notice.reference}`);
    await card.waitFor(WAIT);
    await card.getByRole('button', { name: 'Đính chính' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Nội dung thông báo (tiếng Việt)').fill('Thời gian khôi phục dự kiến là 20:00, không phải 18:00.');
    await dialog.getByLabel('Nội dung thông báo (tiếng Anh)').fill('Expected back at 20:00, not 18:00.');
    await dialog.getByLabel('Lý do đính chính (không bắt buộc)').fill('Nhầm giờ khôi phục');
    await screenshot(page, 'notices-correct');
    await dialog.getByRole('button', { name: 'Đăng đính chính' }).click();
    await expect.poll(() => card.getByTestId('notice-corrected').count(), WAIT).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    // Signed out: anyone reading the board sees the correction and what it corrects.
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const { page: board, problems: boardProblems } = await openPage(anonymous);
    await board.goto(`${server.url}/notices`);
    const list = board.getByTestId('notice-list');
    await expect.poll(() => list.textContent(), WAIT).toContain('Thời gian khôi phục dự kiến là 20:00');
    const correction = board.locator('[data-testid^="notice-TB-"]', { has: board.getByTestId('notice-corrects') });
    expect(await correction.getByTestId('notice-corrects').textContent()).toBe(`Đính chính thông báo ${notice.reference}`);
    expect(await correction.textContent()).toContain(`Đính chính ${notice.reference}`);
    expect(await board.getByTestId(`notice-${notice.reference}`).getByTestId('notice-corrected').textContent()).toContain('đã được đính chính');
    // The original stays as it was published.
    expect(await board.getByTestId(`notice-${notice.reference}`).textContent()).toContain('Dự kiến khôi phục lúc 18:00.');
    expect(await board.getByRole('button', { name: 'Đính chính' }).count()).toBe(0);
    expect(await seriousViolations(board)).toEqual([]);
    await screenshot(board, 'notices-corrected');
    expect(boardProblems).toEqual([]);
    await anonymous.close();
  }, 90_000);

  it('R-15.2: the custodian restores the suspended consumer from the console; the deadlines show the rule they applied', async () => {
    await page.goto(`${server.url}/lifecycle?tab=consumer`);
    const table = page.getByTestId('consumer-table');
    const row = table.locator('tbody tr.ant-table-row', { hasText: suspension.reference });
    await row.waitFor(WAIT);
    // and R-16.1(đ): each deadline with its clause; not yet read by the consumer, the 30 days have not started.
    expect(await row.textContent()).toContain('R-15.5 — Căn cứ: Điều 15 khoản 5 Quy định 384-QĐ/TW; Bộ luật Dân sự 2015 Điều 147, 148');
    expect(await row.textContent()).toContain('Bên khai thác chưa nhận được thông báo');
    expect(await row.textContent()).toContain('R-16.1(đ) — Căn cứ: Điều 16 khoản 1 điểm đ');
    await row.getByRole('button', { name: 'Khôi phục kết nối' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Lý do').fill('Đã nhận báo cáo giải trình, cam kết đúng mục đích');
    await dialog.getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.textContent(), WAIT).toContain('Đã khôi phục');
    expect(await row.getByRole('button', { name: 'Khôi phục kết nối' }).count()).toBe(0);
    const after = await ok(call('GET', `/api/v1/consumer-suspensions/${suspension.id}`, custodian.auth));
    expect(after.restore_reason).toBe('Đã nhận báo cáo giải trình, cam kết đúng mục đích');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lifecycle-restored');
  }, 60_000);

  it('the lifecycle history lists the correction, the suspension and the restoration; a filter is kept in the URL and on reload', async () => {
    await page.getByRole('tab', { name: 'Lịch sử' }).click();
    const table = page.getByTestId('history-table');
    const rows = table.locator('tbody tr.ant-table-row');
    await expect.poll(() => table.textContent(), WAIT).toContain('Khôi phục kết nối');
    const text = await table.textContent();
    for (const action of ['Đính chính thông báo', 'Tạm ngừng kết nối', 'Khôi phục kết nối', 'Ghi nhận sự cố', 'Đăng thông báo']) expect(text).toContain(action);
    expect(text).toContain('Nhầm giờ khôi phục');
    expect(text).toContain(`cq.btctw (BTCTW)`);
    expect(await rows.first().textContent()).toContain('Khôi phục kết nối'); // newest first
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lifecycle-history');

    await page.locator('#history-action').click();
    await page.locator('.ant-select-item-option:visible', { hasText: 'Đính chính thông báo' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('action'), WAIT).toBe('correct');
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(await rows.first().textContent()).toContain(notice.reference);
    await page.reload();
    await expect.poll(() => page.getByTestId('history-table').locator('tbody tr.ant-table-row').count(), WAIT).toBe(1);
    expect(await page.getByTestId('history-table').textContent()).toContain('Đính chính thông báo');
    expect(new URL(page.url()).searchParams.get('tab')).toBe('history');
    expect(problems).toEqual([]);
  }, 60_000);

  it('R-16.1(đ): the consumer records from the console that it remedied the violation — still suspended, but ground (đ) is closed', async () => {
    const again = await ok(
      call('POST', '/api/v1/consumer-suspensions', custodian.auth, {
        agreement_id: agreementId,
        ground: 'security_risk',
        violation: 'Kết nối từ máy chủ chưa được cập nhật bản vá',
        handling: 'Tạm ngừng kết nối',
        requirements: 'Cập nhật bản vá, kiểm tra lại an toàn thông tin',
        found_at: new Date().toISOString(),
      }),
      201,
    );
    const { page: own, problems: ownProblems } = await signIn(consumer);
    await own.getByRole('link', { name: 'Tạm ngừng, chấm dứt' }).click();
    await own.getByRole('tab', { name: 'Tạm ngừng bên khai thác' }).click();
    const row = own.getByTestId('consumer-table').locator('tbody tr.ant-table-row', { hasText: again.reference });
    await row.waitFor(WAIT);
    expect(await row.getByRole('button', { name: 'Khôi phục kết nối' }).count()).toBe(0); // the custodian's action
    await row.getByRole('button', { name: 'Ghi nhận đã khắc phục' }).click();
    const dialog = own.getByRole('dialog');
    await dialog.getByLabel('Bằng chứng đã khắc phục (số, ngày văn bản, báo cáo)').fill('Công văn số 45/VPCP báo cáo đã cập nhật bản vá');
    await dialog.getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.textContent(), WAIT).toContain('Đã khắc phục');
    expect(await seriousViolations(own)).toEqual([]);
    await screenshot(own, 'lifecycle-remedied');
    const after = await ok(call('GET', `/api/v1/consumer-suspensions/${again.id}`, custodian.auth));
    expect(after).toMatchObject({ remedy_status: 'remedied', remedied_by: 'kt.vpcp', restored_at: null });
    const grounds = await ok(call('GET', `/api/v1/agreements/${agreementId}/termination`, custodian.auth));
    expect(grounds.grounds.find((g: { ground: string }) => g.ground === 'đ')).toMatchObject({ eligible: false, remedy_status: 'remedied' });
    expect(ownProblems).toEqual([]);
  }, 90_000);
});
