/**
 * Console page "Đăng ký nhận dữ liệu" (push subscriptions, docs/push.md): the custodian's official
 * sees the subscriptions of its datasets with their delivery status — here one disabled by its
 * receiver's 410 Gone, with the reason. Against a real `lienthong serve`, in Chromium, with axe-core.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { LienThongClient } from 'lienthong/client';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, openPage, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

const WAIT = { timeout: 20_000 };
const DATASET = 'can-bo-dang-vien';

describe.skipIf(skipBrowser())('console: push subscriptions and their delivery status', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let custodian: User;
  let receiver: http.Server;
  let subscription: string;
  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);

  beforeAll(async () => {
    receiver = http.createServer((_req, res) => res.writeHead(410).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
    const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
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
    await ok(call('POST', `/api/v1/agreements/${agreement.id}/approve`, custodian.auth, {}));
    const account = async (who: string, code: string) => {
      const r = await ok(call('POST', '/api/v1/accounts', who, { system_code: code, name: `Tài khoản ${code}`, auth_method: 'client_secret' }), 201);
      return { clientId: r.account.client_id as string, clientSecret: r.client_secret as string };
    };
    const writer = new LienThongClient({ baseUrl: server.url, ...(await account(custodian.auth, 'BTCTW-CSDL')) });
    const reader = new LienThongClient({ baseUrl: server.url, purpose: 'to-chuc-can-bo', ...(await account(consumer.auth, 'VPCP-QLCB')) });
    const created = await fetch(`${server.url}/data/v1/${DATASET}/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await reader.accessToken()}`, 'lienthong-purpose': 'to-chuc-can-bo', 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    subscription = ((await created.json()) as { id: string }).id;
    await writer.putRecord(DATASET, 'dv-1', {
      member_number: '01.000001',
      full_name: 'Nguyễn Văn 1',
      citizen_id: '001085000001',
      date_of_birth: '1985-01-01',
      gender: '1',
      admission_date: '2010-05-19',
      party_organisation_code: 'DB-01',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const s = await ok(call('GET', `/api/v1/subscriptions/${subscription}`, custodian.auth));
      if (s.state === 'disabled') break;
      if (Date.now() > deadline) throw new Error(`the subscription was not disabled within 30 s: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it("the custodian's official sees the subscription, its state and why; the page has no serious accessibility violation", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'UTC' });
    const { page } = await openPage(context);
    await signInThroughForm(page, server.url, { username: custodian.username, password: custodian.password }, () => nextCode(custodian.secret));
    await page.getByRole('link', { name: 'Đăng ký nhận dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Đăng ký nhận dữ liệu', level: 1 }).waitFor(WAIT);
    const state = page.getByTestId(`push-state-${subscription}`);
    await state.waitFor(WAIT);
    expect(await state.textContent()).toBe('Bị vô hiệu');
    const row = page.getByRole('row', { name: /VPCP-QLCB/ });
    expect(await row.textContent()).toContain('410');
    expect(await row.textContent()).toContain(DATASET);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});
