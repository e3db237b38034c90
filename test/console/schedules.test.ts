/**
 * Console page "Đồng bộ định kỳ" (scheduled synchronisation, R-6.1c): a custodian creates a pull
 * schedule through the form (a malformed and a server-refused cron first), sees its next run in
 * Viet Nam time, "Chạy ngay" against a real source service, the run's counts and refused records,
 * "Tạm dừng", and edits the cron. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { nextRun } from '../../src/schedules/cron.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type SourceService, startSource } from '../schedules/world.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, chooseOption, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 30_000 };
const DATASET = 'can-bo-dang-vien';
const member = (n: number, extra: object = {}) => ({
  member_number: `01.00000${n}`,
  full_name: `Nguyễn Văn ${n}`,
  citizen_id: `00108500000${n}`,
  date_of_birth: `1985-01-0${n}`,
  gender: n % 2 ? '1' : '2',
  admission_date: '2010-05-19',
  party_organisation_code: `DB-0${n % 3}`,
  ...extra,
});

/** dd/mm/yyyy HH:mm in Viet Nam's time, as the page shows it. */
const inVietnam = (d: Date) => {
  const p = new Date(d.getTime() + 7 * 3600_000).toISOString();
  return `${p.slice(8, 10)}/${p.slice(5, 7)}/${p.slice(0, 4)} ${p.slice(11, 16)}`;
};

describe.skipIf(skipBrowser())('console: scheduled synchronisation (R-6.1c)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let source: SourceService;
  let custodian: User;
  const { call, ok, login, user } = consoleApi(() => server.url);

  beforeAll(async () => {
    [[server, browser], source] = await Promise.all([
      startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
      startSource(),
    ]);
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    source.put('dv-1', member(1));
    source.put('dv-2', member(2, { citizen_id: 'sai' }));
    source.put('dv-3', member(3));
    await ok(call('PUT', `/api/v1/datasets/${DATASET}/service`, custodian.auth, { base_url: source.url, auth: 'none' }));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await source?.close();
  });

  /** The form: the dataset chosen, a cron of four fields refused here, one the server refuses shown as its problem, then created. */
  async function createThroughForm(page: Page) {
    await page.getByText('Chưa có lịch đồng bộ nào').waitFor(WAIT);
    await page.getByRole('button', { name: 'Tạo lịch đồng bộ' }).click();
    const dialog = page.getByRole('dialog', { name: 'Tạo lịch đồng bộ' });
    await chooseOption(page, 'Bộ dữ liệu', DATASET, { scope: dialog });
    const cron = dialog.getByLabel('Lịch chạy (cron)');
    await cron.fill('0 2 * *');
    await dialog.getByRole('button', { name: 'Tạo lịch' }).click();
    await dialog.getByText('Lịch chạy phải có đúng năm trường, cách nhau bởi dấu cách').waitFor(WAIT);
    await cron.fill('0 25 * * *');
    await dialog.getByRole('button', { name: 'Tạo lịch' }).click();
    await dialog.getByTestId('schedule-form-error').waitFor(WAIT);
    expect((await ok(call('GET', '/api/v1/schedules', custodian.auth))).total).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await cron.fill('0 2 * * *');
    // The refusal described what was sent: corrected, it is gone.
    await expect.poll(() => dialog.getByTestId('schedule-form-error').count(), WAIT).toBe(0);
    await dialog.getByLabel('Quy trình đồng bộ').fill('Cán bộ Vụ Tổ chức kiểm tra các bản ghi bị từ chối mỗi sáng.');
    await screenshot(page, 'schedules-form');
    await dialog.getByRole('button', { name: 'Tạo lịch' }).click();
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    const created = (await ok(call('GET', '/api/v1/schedules', custodian.auth))).items;
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      direction: 'pull',
      dataset_code: DATASET,
      mode: 'incremental',
      cron: '0 2 * * *',
      procedure: 'Cán bộ Vụ Tổ chức kiểm tra các bản ghi bị từ chối mỗi sáng.',
      created_by: custodian.username,
    });
  }

  it('R-6.1c: creates a schedule through the form, shows its next run in Viet Nam time, runs it now, shows the counts and the refused record, pauses it, edits its cron', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page, problems } = await openPage(context);
    await signInThroughForm(page, server.url, custodian, () => nextCode(custodian.secret));
    await page.getByRole('link', { name: 'Đồng bộ định kỳ' }).click();
    await page.getByRole('heading', { name: 'Đồng bộ định kỳ', level: 1 }).waitFor(WAIT);
    await createThroughForm(page);
    // 02:00 in Hà Nội, whatever the browser's time zone (UTC here).
    const next = inVietnam(nextRun('0 2 * * *', new Date())!);
    expect(next.endsWith(' 02:00')).toBe(true);
    await expect.poll(() => page.getByTestId('next-run').first().textContent(), WAIT).toBe(next);
    await expect.poll(() => page.getByText('Chưa chạy').count(), WAIT).toBe(1);

    await page.getByRole('button', { name: 'Chạy ngay' }).click();
    await expect
      .poll(async () => {
        const run = (await ok(call('GET', '/api/v1/schedules', custodian.auth))).items[0].last_run;
        return run && `${run.status} ${run.error_en ?? ''}`;
      }, WAIT)
      .toBe('partial ');
    await expect.poll(() => page.getByTestId('run-status').first().textContent(), WAIT).toBe('Có bản ghi bị từ chối');
    await screenshot(page, 'schedules');
    await page.getByRole('button', { name: 'Các lần chạy' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByTestId('run-counts').first().waitFor(WAIT);
    // fetched / written / unchanged / deleted / refused / delivered
    expect(await drawer.getByTestId('run-counts').first().textContent()).toBe('3 / 2 / 0 / 0 / 1 / 0');
    await drawer.getByText('Bản ghi bị từ chối (1)').click();
    await expect.poll(() => drawer.getByTestId('run-errors').textContent(), WAIT).toContain('dv-2');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Tạm dừng' }).click();
    await page.getByRole('button', { name: 'Tiếp tục' }).waitFor(WAIT);
    await expect.poll(() => page.getByTestId('next-run').first().textContent(), WAIT).toBe('—');
    const listed = await ok(call('GET', '/api/v1/schedules', custodian.auth));
    expect(listed.items[0]).toMatchObject({ status: 'paused', last_run: { status: 'partial', written: 2, refused: 1 } });

    // Edited: the new cron (01:30 on Mondays in Hà Nội) once resumed; the dataset and direction stay.
    await page.getByRole('button', { name: 'Sửa' }).click();
    const edit = page.getByRole('dialog', { name: /^Sửa lịch đồng bộ/ });
    await edit.getByLabel('Lịch chạy (cron)').fill('30 1 * * 1');
    await edit.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await edit.waitFor({ state: 'hidden', ...WAIT });
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    const monday = inVietnam(nextRun('30 1 * * 1', new Date())!);
    await expect.poll(() => page.getByTestId('next-run').first().textContent(), WAIT).toBe(monday);
    const edited = (await ok(call('GET', '/api/v1/schedules', custodian.auth))).items[0];
    expect(edited).toMatchObject({ cron: '30 1 * * 1', dataset_code: DATASET, direction: 'pull', status: 'active' });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
