/**
 * Console page "Kho dữ liệu dùng chung": an analyst sees the schema its agency is granted
 * (a personal field marked masked), runs SQL and gets the answer as a table and a chart, logged in
 * the custodian's sharing log. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 30_000 };
const DATASET = 'can-bo-dang-vien';
const member = (n: number) => ({
  member_number: `01.00000${n}`,
  full_name: `Nguyễn Văn ${n}`,
  citizen_id: `00108500000${n}`,
  date_of_birth: `1985-01-0${n}`,
  gender: n % 2 ? '1' : '2',
  admission_date: '2010-05-19',
  party_organisation_code: `DB-0${n % 3}`,
});

describe.skipIf(skipBrowser())('console: shared data warehouse (SQL page, R-7.3)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let analyst: User;
  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  beforeAll(async () => {
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    const custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    analyst = await user(admin, 'pt.vpcp', 'VPCP', ['analyst']);
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
    await approveSecurityLevel(admin, 'VPCP-QLCB');
    const agreement = await ok(
      call('POST', '/api/v1/agreements', consumer.auth, {
        dataset_code: DATASET,
        system_code: 'VPCP-QLCB',
        purpose_code: 'to-chuc-can-bo',
        requested_fields: ['member_number', 'full_name', 'gender'],
        purpose_text: 'Phục vụ công tác tổ chức cán bộ',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: vietnamDate(new Date()),
        valid_to: vietnamDate(new Date(Date.now() + 200 * 86_400_000)),
      }),
      201,
    );
    await ok(call('POST', `/api/v1/agreements/${agreement.id}/approve`, custodian.auth, {}));
    await ok(call('POST', `/api/v1/datasets/${DATASET}/records`, custodian.auth, { records: [1, 2, 3, 4].map((n) => ({ key: `dv-${n}`, data: member(n) })) }));
    // The server's own job feeds the warehouse every 5 s.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await call('POST', '/api/v1/warehouse/query', analyst.auth, { sql: 'SELECT count(*) FROM can_bo_dang_vien' });
      if (r.status === 200 && r.json.rows[0][0] === 4) break;
      if (Date.now() > deadline) throw new Error(`the warehouse was not fed within 60 s: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an analyst sees the granted schema with the mask marked, runs SQL and gets a table and a chart, logged for the custodian, and a forecast with its interval (R-7.3)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    await signInThroughForm(page, server.url, analyst, () => nextCode(analyst.secret));
    await page.getByRole('link', { name: 'Kho dữ liệu dùng chung' }).click();
    await page.getByRole('heading', { name: 'Kho dữ liệu dùng chung', level: 1 }).waitFor(WAIT);
    const schema = page.getByTestId('warehouse-schema');
    await schema.waitFor(WAIT);
    const text = (await schema.textContent()) ?? '';
    expect(text).toContain('can_bo_dang_vien');
    expect(text).toContain('citizen_id');
    expect(text).toContain('che');
    expect(text).not.toContain('admission_date');

    await page.getByLabel('Câu truy vấn SQL').fill('SELECT gender, count(*) AS so_luong FROM can_bo_dang_vien GROUP BY gender ORDER BY gender');
    await page.getByRole('button', { name: 'Chạy truy vấn' }).click();
    const result = page.getByTestId('warehouse-result');
    await result.waitFor(WAIT);
    expect(await result.locator('table').textContent()).toContain('so_luong');
    expect(await result.textContent()).toContain('Đã ghi nhật ký chia sẻ: BTCTW');
    expect(await result.locator('svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'warehouse');

    // a forecast of a (period, value) series, drawn with its interval and given as figures.
    const series = `${Array.from({ length: 12 }, (_, i) => `SELECT ${2014 + i} AS period, ${10 + 2 * i + (i % 2)} AS value`).join(' UNION ALL ')} ORDER BY period`;
    await page.getByLabel('Câu truy vấn SQL').fill(series);
    await page.getByRole('button', { name: 'Dự báo 6 kỳ' }).click();
    const forecast = page.getByTestId('warehouse-forecast');
    await forecast.waitFor(WAIT);
    const figures = (await forecast.locator('table').textContent()) ?? '';
    for (const year of ['2026', '2031']) expect(figures).toContain(year);
    expect(figures).toContain('Cận dưới');
    expect(await forecast.locator('svg').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
