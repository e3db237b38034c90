/**
 * Console page "Báo cáo, kiểm tra" (reports and oversight, R-18.2): the figures counted from the
 * sharing log as charts, and a compliance finding that the coordinator finds with
 * "Kiểm tra ngay" and acknowledges. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LienThongClient } from 'lienthong/client';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 20_000 };
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

describe.skipIf(skipBrowser())('console: reports and oversight (figures from the log, compliance findings, R-18.2)', () => {
  let server: ConsoleServer;
  let browser: Browser;
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
    const custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    coordinator = await user(admin, 'dieu.phoi', 'VPTW', ['coordinator']);
    for (const [who, code, agency] of [
      [custodian.auth, 'BTCTW-CSDL', 'BTCTW'],
      [consumer.auth, 'VPCP-QLCB', 'VPCP'],
    ] as const) {
      await ok(
        call('POST', '/api/v1/systems', who, { code, agency_code: agency, name_vi: `Hệ thống ${code}`, name_en: code, security_level: 3, zone: 'internet' }),
        201,
      );
      await approveSecurityLevel(admin, code);
    }
    const agreement = await ok(
      call('POST', '/api/v1/agreements', consumer.auth, {
        dataset_code: DATASET,
        system_code: 'VPCP-QLCB',
        purpose_code: 'to-chuc-can-bo',
        requested_fields: ['member_number', 'full_name', 'date_of_birth'],
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
    const account = async (who: string, code: string) => {
      const r = await ok(call('POST', '/api/v1/accounts', who, { system_code: code, name: `Tài khoản ${code}`, auth_method: 'client_secret' }), 201);
      return { clientId: r.account.client_id as string, clientSecret: r.client_secret as string };
    };
    const writer = new LienThongClient({ baseUrl: server.url, ...(await account(custodian.auth, 'BTCTW-CSDL')) });
    const reader = new LienThongClient({ baseUrl: server.url, purpose: 'to-chuc-can-bo', ...(await account(consumer.auth, 'VPCP-QLCB')) });
    for (const n of [1, 2, 3]) await writer.putRecord(DATASET, `dv-${n}`, member(n));
    for (const key of ['dv-1', 'dv-2', 'dv-3', 'dv-1']) await reader.getRecord(DATASET, key);
    await reader.getRecord(DATASET, 'dv-1', { purpose: 'bao-cao-thong-ke' }).catch(() => undefined); // refused under
    // Counted by the server's own job once a signed checkpoint covers them (≤ 5 s, then ≤ 2 s).
    const deadline = Date.now() + 40_000;
    for (;;) {
      const figures = await ok(call('GET', '/api/v1/reports/figures?custodian=BTCTW', coordinator.auth));
      if ((figures.rows[0]?.exchanges ?? 0) >= 8) break;
      if (Date.now() > deadline) throw new Error(`the exchanges were not counted within 40 s: ${JSON.stringify(figures)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // the consumer's system lowered below level 3 while its grant is in force.
    await ok(call('PATCH', '/api/v1/systems/VPCP-QLCB', consumer.auth, { security_level: 2 }));
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the coordinator sees the figures as charts, runs the checks, sees the R-13.3 finding and acknowledges it', async () => {
    const page = await signIn(coordinator);
    await page.getByRole('link', { name: 'Báo cáo, kiểm tra' }).click();
    await page.getByRole('heading', { name: 'Báo cáo, kiểm tra', level: 1 }).waitFor(WAIT);
    await page.getByTestId('rep-by-day').waitFor(WAIT);
    expect(await page.getByTestId('rep-by-day').locator('svg').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('rep-by-dataset').locator('table').textContent()).toContain(DATASET);
    expect(await page.getByTestId('rep-by-consumer').locator('table').textContent()).toContain('VPCP');
    expect(await page.getByTestId('rep-by-rule').locator('table').textContent()).toContain('R-5.2');
    expect(await page.getByTestId('rep-as-of').textContent()).toMatch(/Tính đến điểm kiểm tra \d+ của nhật ký BTCTW/);

    await page.getByRole('button', { name: 'Kiểm tra ngay' }).click();
    const row = page.getByTestId('rep-findings').getByRole('row', { name: /R-13\.3/ });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('VPCP-QLCB');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'reports');

    await page.getByRole('button', { name: 'Ghi nhận phát hiện R-13.3 về VPCP-QLCB' }).click();
    await page.getByText('Đã ghi nhận phát hiện.').waitFor(WAIT);
    const findings = await ok(call('GET', '/api/v1/reports/findings?rule=R-13.3', coordinator.auth));
    expect(findings.items[0]).toMatchObject({ subject_id: 'VPCP-QLCB', status: 'acknowledged', acknowledged_by: 'dieu.phoi' });
    await page.context().close();
  }, 90_000);
});
