import crypto from 'node:crypto';
import { expect } from 'vitest';
import { LienThongClient, LienThongError } from 'lienthong/client';
import type { Response } from 'light-my-request';
import type { DriverName } from '../../src/db/database.ts';
import { listenAll } from '../../src/http/server.ts';
import { freePort } from '../accounts/fixtures.ts';
import { type TestEnv, startEnv } from '../helpers/platform.ts';

/** A member of the cadres dataset (can-bo-dang-vien, BTCTW) that passes validation. */
export const member = (n: number, extra: object = {}) => ({
  member_number: `01.00000${n}`,
  full_name: `Nguyễn Văn ${n}`,
  citizen_id: `00108500000${n}`,
  date_of_birth: `1985-01-0${n}`,
  gender: n % 2 ? '1' : '2',
  admission_date: '2010-05-19',
  party_organisation_code: `DB-0${n % 3}`,
  ...extra,
});

export const caseRecord = (n: number) => ({
  case_code: `VA-${n}`,
  case_name: `Vụ án số ${n}`,
  charges: 'Tham ô tài sản',
  defendants: 'Bị can A',
  monitoring_level: 'BCĐ TW',
  procedural_stage: 'Điều tra',
});

export type SystemCode = 'BTCTW-CSDL' | 'BNCTW-CSDL' | 'VPCP-QLCB' | 'VPCP-TK' | 'VPCP-MAT';

export interface World {
  env: TestEnv;
  internet: string;
  tslcd: string;
  /** Connection-account clients, by system code. */
  clients: Record<SystemCode, LienThongClient>;
  accounts: Record<SystemCode, { client_id: string; client_secret: string }>;
  /** VPCP-MAT's key pair: the public half is registered on the system. */
  matKey: crypto.KeyPairKeyObjectResult;
  auth: { admin: string; consumer: string; custodian: string; bnctw: string; bnctwApprover: string };
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, authorization: string, payload?: unknown, headers?: Record<string, string>): Promise<Response>;
  client(system: SystemCode, over?: Partial<ConstructorParameters<typeof LienThongClient>[0]>): LienThongClient;
}

/**
 * The platform listening for real on two addresses — internet and tslcd — with
 * custodian systems of BTCTW and BNCTW, consumer systems of VPCP, approved agreements and
 * connection accounts for each.
 */
export const TSLCD_EGRESS = '127.0.0.2';

export async function startWorld(driver: DriverName, env: Record<string, string> = {}): Promise<World> {
  const [port, tslcdPort] = [await freePort(), await freePort()];
  const internet = `http://127.0.0.1:${port}`;
  // The platform's own address on the dedicated network, which its calls fetching secret data leave from.
  const e = await startEnv(driver, { LIENTHONG_PUBLIC_URL: internet, LIENTHONG_TSLCD_EGRESS: TSLCD_EGRESS, ...env });
  const bound = await listenAll(e.app, [
    { zone: 'internet', host: '127.0.0.1', port },
    { zone: 'tslcd', host: '127.0.0.1', port: tslcdPort },
  ]);
  const tslcd = bound[1]!.url;
  const auth = {
    admin: await e.adminAuth(),
    consumer: await e.userAuth('kt.vpcp', 'VPCP', ['consumer_admin']),
    custodian: await e.userAuth('cq.btctw', 'BTCTW', ['custodian_admin', 'consumer_admin']),
    bnctw: await e.userAuth('cq.bnctw', 'BNCTW', ['custodian_admin', 'consumer_admin']),
    bnctwApprover: await e.userAuth('pd.bnctw', 'BNCTW', ['approver']),
  };
  const call: World['call'] = (method, url, authorization, payload, headers = {}) =>
    e.app.inject({ method, url, headers: { authorization, ...headers }, ...(payload !== undefined && { payload: payload as object }) });
  const ok = async (res: Response, status = 200) => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };

  const matKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const matPublic = { ...matKey.publicKey.export({ format: 'jwk' }), use: 'enc', kid: 'vpcp-mat-enc-1' };
  const system = (who: string, code: string, agency: string, level: number, zone: string, extra: object = {}) =>
    call('POST', '/api/v1/systems', who, { code, agency_code: agency, name_vi: `Hệ thống ${code}`, name_en: code, security_level: level, zone, ...extra })
      .then((r) => ok(r, 201))
      .then(() => e.approveSecurityLevel(code, level)); // the coordinator's decision makes the level count
  await system(auth.custodian, 'BTCTW-CSDL', 'BTCTW', 3, 'internet');
  await system(auth.bnctw, 'BNCTW-CSDL', 'BNCTW', 4, 'tslcd');
  await system(auth.consumer, 'VPCP-QLCB', 'VPCP', 3, 'internet');
  await system(auth.consumer, 'VPCP-TK', 'VPCP', 3, 'internet');
  await system(auth.consumer, 'VPCP-MAT', 'VPCP', 4, 'tslcd', { encryption_key: matPublic });

  // khen-thuong is served by BTCTW's own service (R-6.1b).
  const kt = await call('GET', '/api/v1/datasets/khen-thuong', auth.custodian);
  await ok(await call('PATCH', '/api/v1/datasets/khen-thuong', auth.custodian, { mode: 'proxy' }, { 'if-match': String(kt.headers.etag) }));

  const agree = async (who: string, body: object, approvers: string[], fields?: string[]) => {
    const a = await ok(
      await call('POST', '/api/v1/agreements', who, {
        purpose_text: 'Phục vụ công tác tổ chức cán bộ',
        legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: '2026-03-02',
        valid_to: '2026-12-31',
        ...body,
      }),
      201,
    );
    for (const approver of approvers) await ok(await call('POST', `/api/v1/agreements/${a.id}/approve`, approver, fields ? { granted_fields: fields } : {}));
  };
  await agree(
    auth.consumer,
    {
      dataset_code: 'can-bo-dang-vien',
      system_code: 'VPCP-QLCB',
      purpose_code: 'to-chuc-can-bo',
      requested_fields: ['member_number', 'full_name', 'date_of_birth', 'province_code'],
    },
    [auth.custodian],
  );
  await agree(
    auth.consumer,
    { dataset_code: 'can-bo-dang-vien', system_code: 'VPCP-TK', purpose_code: 'bao-cao-thong-ke', requested_fields: ['member_number', 'gender'] },
    [auth.custodian],
  );
  await agree(
    auth.consumer,
    { dataset_code: 'khen-thuong', system_code: 'VPCP-QLCB', purpose_code: 'to-chuc-can-bo', requested_fields: ['award_id', 'recipient_name', 'award_form'] },
    [auth.custodian],
  );
  await agree(
    auth.consumer,
    { dataset_code: 'vu-an', system_code: 'VPCP-MAT', purpose_code: 'kiem-tra-giam-sat', requested_fields: ['case_code', 'case_name'] },
    [auth.bnctw, auth.bnctwApprover],
  );

  const accounts = {} as World['accounts'];
  for (const [code, who] of [
    ['BTCTW-CSDL', auth.custodian],
    ['BNCTW-CSDL', auth.bnctw],
    ['VPCP-QLCB', auth.consumer],
    ['VPCP-TK', auth.consumer],
    ['VPCP-MAT', auth.consumer],
  ] as const) {
    const created = await ok(await call('POST', '/api/v1/accounts', who, { system_code: code, name: `Tài khoản ${code}`, auth_method: 'client_secret' }), 201);
    accounts[code] = { client_id: created.account.client_id, client_secret: created.client_secret };
  }
  const client: World['client'] = (code, over = {}) =>
    new LienThongClient({ baseUrl: internet, clientId: accounts[code].client_id, clientSecret: accounts[code].client_secret, ...over });
  const clients = {
    'BTCTW-CSDL': client('BTCTW-CSDL'),
    'BNCTW-CSDL': client('BNCTW-CSDL', { baseUrl: tslcd }),
    'VPCP-QLCB': client('VPCP-QLCB', { purpose: 'to-chuc-can-bo' }),
    'VPCP-TK': client('VPCP-TK', { purpose: 'bao-cao-thong-ke' }),
    'VPCP-MAT': client('VPCP-MAT', { baseUrl: tslcd, purpose: 'kiem-tra-giam-sat', decryptionKey: matKey.privateKey }),
  };
  return { env: e, internet, tslcd, clients, accounts, matKey, auth, call, client };
}

/** The refusal a call ends with (a LienThongError: signed, logged, with its receipt); fails if it was served. */
export async function refused(call: Promise<unknown>): Promise<LienThongError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof LienThongError) return err;
    throw err;
  }
  throw new Error('expected a refusal, the call was served');
}
