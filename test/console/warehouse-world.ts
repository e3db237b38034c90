/**
 * What the warehouse's browser tests start from: a real `lienthong serve` and Chromium; BTCTW's
 * custodian, VPCP's consumer administrator and analyst; a level-3 VPCP system approved
 * with an approved agreement on can-bo-dang-vien for `fields`; `members` hosted records, waited
 * for until the server's own job has fed them to the warehouse.
 */
import type { Browser } from 'playwright-core';
import { vietnamDate } from '../../src/core/time.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, startServerAndBrowser } from './browser.ts';

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

export interface WarehouseWorld {
  server: ConsoleServer;
  browser: Browser;
  analyst: User;
  api: ReturnType<typeof consoleApi>;
}

export async function startWarehouseWorld(fields: string[], members: number): Promise<WarehouseWorld> {
  const [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
  const api = consoleApi(() => server.url);
  const { call, ok, login, user, approveSecurityLevel } = api;
  const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
  const custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin']);
  const consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
  const analyst = await user(admin, 'pt.vpcp', 'VPCP', ['analyst']);
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
      requested_fields: fields,
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
  const records = Array.from({ length: members }, (_, i) => ({ key: `dv-${i + 1}`, data: member(i + 1) }));
  await ok(call('POST', `/api/v1/datasets/${DATASET}/records`, custodian.auth, { records }));
  // The server's own job feeds the warehouse every 5 s.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await call('POST', '/api/v1/warehouse/query', analyst.auth, { sql: 'SELECT count(*) FROM can_bo_dang_vien' });
    if (r.status === 200 && r.json.rows[0][0] === members) break;
    if (Date.now() > deadline) throw new Error(`the warehouse was not fed within 90 s: ${r.text}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { server, browser, analyst, api };
}
