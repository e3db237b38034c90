/**
 * Console, R-15.3 through the UI: a deadline counted across days off that the calendar computed and
 * no official text announced yet carries a warning with those days. The platform runs in this
 * process on a clock set to Wednesday 22/4/2026 (Viet Nam), whose 7-working-day notice window
 * crosses 27/4 (the day off for the Hùng Kings' day) and 30/4–1/5; the browser drives it over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../../src/registry/credentials.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP, type TestEnv, startEnv } from '../helpers/platform.ts';
import { launchBrowser, openPage, pickDateTime, screenshot, seriousViolations, skipBrowser, signInThroughForm } from './browser.ts';

// Generous waits on elements (a loaded 2-core machine), never fixed sleeps.
const WAIT = { timeout: 30_000 };
const NOW = new Date('2026-04-22T02:00:00Z');
const ddmmyyyy = (iso: string) => iso.split('-').reverse().join('/');
const dayBefore = (iso: string) => new Date(Date.parse(`${iso}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

describe.skipIf(skipBrowser())('console in Chromium: deadlines resting on computed days off are marked (R-15.3)', () => {
  let env: TestEnv;
  let url: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let window: { earliest_start: string; deadline_calendar: { depends_on_computed_days: boolean; computed_days: string[] } };
  let dataset: string;

  beforeAll(async () => {
    [env, browser] = await Promise.all([startEnv('pglite'), launchBrowser()]);
    env.clock.advance(NOW.getTime() - env.clock.now().getTime());
    url = await env.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await env.adminAuth();
    window = (await env.app.inject({ method: 'GET', url: '/api/v1/service-suspensions/earliest-start', headers: { authorization: admin } })).json();
    dataset = (await env.app.inject({ method: 'GET', url: '/api/v1/datasets?status=published&limit=1', headers: { authorization: admin } })).json().items[0]
      .code;

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    ({ page, problems } = await openPage(context));
    // The API session used the clock's current step; each step is single-use, so move to the next one.
    await signInThroughForm(page, url, { username: 'admin', password: ADMIN_PASSWORD }, () => {
      env.clock.advance(31_000);
      return totpCode(ADMIN_TOTP, env.clock.now());
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('R-15.3: the planned-start window and the refusal of an earlier start show the computed days off they rest on', async () => {
    // The server's answer, which the page must show: 27/4 and 30/4–1/5 are computed, not announced.
    expect(window.deadline_calendar.depends_on_computed_days).toBe(true);
    expect(window.deadline_calendar.computed_days).toEqual(expect.arrayContaining(['2026-04-27', '2026-04-30', '2026-05-01']));
    const days = window.deadline_calendar.computed_days.map(ddmmyyyy);

    await page.getByRole('link', { name: 'Tạm ngừng, chấm dứt' }).click();
    await page.getByRole('heading', { name: 'Tạm ngừng, chấm dứt kết nối' }).waitFor(WAIT);
    const hint = page.getByTestId('earliest-start');
    await expect.poll(() => hint.textContent(), WAIT).toContain(`sớm nhất được tạm ngừng từ ngày ${ddmmyyyy(window.earliest_start)}`);
    const warning = hint.getByTestId('deadline-calendar');
    await warning.waitFor(WAIT);
    expect(await warning.textContent()).toContain('Thời hạn tính theo ngày nghỉ chưa được công bố');
    for (const d of days) expect(await warning.textContent()).toContain(d);
    expect(await warning.getAttribute('title')).toContain('R-15.3');

    // A start the day before the earliest: refused, and the refusal carries the same warning.
    await page.locator('#planned-dataset').click();
    await page.locator('#planned-dataset').fill(dataset);
    await page.locator('#planned-dataset').press('Enter');
    await pickDateTime(page, 'planned-start', `${ddmmyyyy(dayBefore(window.earliest_start))} 08:00`);
    await pickDateTime(page, 'planned-restore', `${ddmmyyyy(window.earliest_start)} 17:00`);
    await page.getByLabel('Lý do').first().fill('Nâng cấp máy chủ cơ sở dữ liệu');
    await page.getByRole('button', { name: 'Thông báo tạm ngừng' }).click();
    const error = page.getByTestId('lifecycle-error');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('R-15.3');
    const refusalWarning = error.getByTestId('deadline-calendar');
    await refusalWarning.waitFor(WAIT);
    for (const d of days) expect(await refusalWarning.textContent()).toContain(d);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lifecycle-computed-days');

    // In English too.
    await page.getByText('English', { exact: true }).click();
    await expect.poll(() => warning.textContent(), WAIT).toContain('Deadline counted on days off not yet announced');
    expect(problems).toEqual([]);
  }, 90_000);
});
