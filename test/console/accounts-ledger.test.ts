/**
 * Console pages "Tài khoản kết nối" (connection accounts, delegations) and "Nhật ký chia sẻ" (the
 * sharing log with receipts verified in the browser), against a real `lienthong serve`; plus the
 * browser verification module (web/src/ledger/verify.ts) run directly under Node's WebCrypto on a
 * real receipt, and tampered.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LienThongClient } from 'lienthong/client';
import { vietnamDate } from '../../src/core/time.ts';
import { nextCode } from './totp.ts';
import { ADMIN_PASSWORD, ADMIN_TOTP } from '../helpers/platform.ts';
import {
  fromBase64,
  leafHash,
  parseNote,
  sha256,
  toBase64,
  verifyConsistency,
  verifyInclusion,
  verifyReceipt,
  type ReceiptInput,
} from '../../web/src/ledger/verify.ts';
import { type User, consoleApi } from './api.ts';
import { type ConsoleServer, chooseOption, openPage, screenshot, seriousViolations, skipBrowser, signInThroughForm, startServerAndBrowser } from './browser.ts';

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

/** RFC 9162 §2.1.1 and §2.1.4.1 computed the plain way, as the reference for verify.ts. */
async function mth(leaves: Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = 2 ** Math.floor(Math.log2(leaves.length - 1));
  return sha256(new Uint8Array([1]), await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}
async function subproof(m: number, leaves: Uint8Array[], b: boolean): Promise<Uint8Array[]> {
  const n = leaves.length;
  if (m === n) return b ? [] : [await mth(leaves)];
  const k = 2 ** Math.floor(Math.log2(n - 1));
  if (m <= k) return [...(await subproof(m, leaves.slice(0, k), b)), await mth(leaves.slice(k))];
  return [...(await subproof(m - k, leaves.slice(k), false)), await mth(leaves.slice(0, k))];
}
async function inclusionPath(index: number, leaves: Uint8Array[]): Promise<Uint8Array[]> {
  if (leaves.length === 1) return [];
  const k = 2 ** Math.floor(Math.log2(leaves.length - 1));
  return index < k
    ? [...(await inclusionPath(index, leaves.slice(0, k))), await mth(leaves.slice(k))]
    : [...(await inclusionPath(index - k, leaves.slice(k))), await mth(leaves.slice(0, k))];
}

describe('web/src/ledger/verify.ts against the RFC 9162 definitions (Node WebCrypto)', () => {
  it('verifies every inclusion and consistency proof of trees up to 12 leaves, and refuses each one tampered', async () => {
    const leaves = Array.from({ length: 12 }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
    for (let n = 1; n <= leaves.length; n++) {
      const tree = leaves.slice(0, n);
      const root = await mth(tree);
      for (let i = 0; i < n; i++) {
        const path = await inclusionPath(i, tree);
        expect(await verifyInclusion(i, n, await leafHash(tree[i]!), path, root), `inclusion ${i}/${n}`).toBe(true);
        expect(await verifyInclusion(i, n, await leafHash(leaves[(i + 1) % 12]!), path, root)).toBe(false);
        if (path.length > 0) {
          const bad = path.map((p) => p.slice());
          bad[bad.length - 1]![5]! ^= 0x80;
          expect(await verifyInclusion(i, n, await leafHash(tree[i]!), bad, root)).toBe(false);
        }
      }
      for (let m = 1; m < n; m++) {
        const old = await mth(leaves.slice(0, m));
        const proof = await subproof(m, tree, true);
        expect(await verifyConsistency(m, n, proof, old, root), `consistency ${m}→${n}`).toBe(true);
        expect(await verifyConsistency(m, n, proof, root, old)).toBe(false);
        const bad = proof.map((p) => p.slice());
        bad[0]![0]! ^= 0x01;
        expect(await verifyConsistency(m, n, bad, old, root)).toBe(false);
      }
    }
  });
});

describe.skipIf(skipBrowser())('console: connection accounts and the sharing log (verified in the browser)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let custodian: User;
  let auditor: User;
  let consumer: User;
  let reader: LienThongClient;
  let ttdtClientId = '';
  let firstSecret = '';

  const { call, ok, login, user, approveSecurityLevel } = consoleApi(() => server.url);
  /** A receipt of the BTCTW log once sequenced and covered by a checkpoint. */
  async function settledReceipt(auth: string): Promise<any> {
    let receipt: any;
    await expect
      .poll(
        async () => {
          const entries = await ok(call('GET', `/api/v1/ledger/BTCTW/entries?dataset=${DATASET}&limit=5`, auth));
          if (!entries.items[0]) return false;
          receipt = await ok(call('GET', `/api/v1/ledger/receipts/${entries.items[0].receipt_id}`, auth));
          return receipt.leaf_index !== null && receipt.checkpoint !== null;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    return receipt;
  }

  beforeAll(async () => {
    [server, browser] = await startServerAndBrowser({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP });
    // The world, through the HTTP API: a custodian (BTCTW) with a writer system, a consumer (VPCP)
    // with a reader system under an approved agreement, and a few exchanges on the gateway.
    const admin = await login('admin', ADMIN_PASSWORD, ADMIN_TOTP);
    custodian = await user(admin, 'cq.btctw', 'BTCTW', ['custodian_admin', 'consumer_admin']);
    consumer = await user(admin, 'kt.vpcp', 'VPCP', ['consumer_admin']);
    auditor = await user(admin, 'kiem.tra', 'VPTW', ['auditor']);
    const system = async (who: string, code: string, agency: string) => {
      await ok(
        call('POST', '/api/v1/systems', who, { code, agency_code: agency, name_vi: `Hệ thống ${code}`, name_en: code, security_level: 3, zone: 'internet' }),
        201,
      );
      await approveSecurityLevel(admin, code);
    };
    await system(custodian.auth, 'BTCTW-CSDL', 'BTCTW');
    await system(custodian.auth, 'BTCTW-TTDT', 'BTCTW');
    await system(consumer.auth, 'VPCP-QLCB', 'VPCP');
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
    reader = new LienThongClient({ baseUrl: server.url, purpose: 'to-chuc-can-bo', ...(await account(consumer.auth, 'VPCP-QLCB')) });
    await writer.putRecord(DATASET, 'dv-1', member(1));
    await writer.putRecord(DATASET, 'dv-2', member(2));
    for (const key of ['dv-1', 'dv-2', 'dv-1']) expect((await reader.getRecord(DATASET, key)).status).toBe(200);

    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    ({ page, problems } = await openPage(context));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a custodian admin issues a connection account for its own system: the secret is shown once, never again', async () => {
    await signInThroughForm(page, server.url, { username: custodian.username, password: custodian.password }, () => nextCode(custodian.secret));

    await page.getByRole('link', { name: 'Tài khoản kết nối' }).click();
    await page.getByRole('heading', { name: 'Tài khoản kết nối', level: 1 }).waitFor(WAIT);
    await expect.poll(() => page.locator('[data-testid="accounts-table"] tbody tr.ant-table-row').count(), WAIT).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Cấp tài khoản mới' }).click();
    const dialog = page.getByRole('dialog');
    await chooseOption(page, 'Hệ thống thông tin', 'BTCTW-TTDT', { scope: dialog });
    await dialog.getByLabel('Tên tài khoản').fill('Cổng thông tin điện tử');
    await dialog.getByRole('button', { name: 'Cấp tài khoản' }).click();
    const shown = page.getByTestId('client-secret');
    await shown.waitFor(WAIT);
    const secret = (await shown.locator('code').textContent())!.trim();
    expect(secret).toMatch(/^ltcs_/);
    await expect.poll(() => page.getByRole('dialog').count(), WAIT).toBe(0);
    expect(await page.getByTestId('secret-once').textContent()).toContain('chỉ hiển thị một lần');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'accounts-secret');

    // The API never returns it again: not in the list, not in the account.
    const list = await call('GET', '/api/v1/accounts?system=BTCTW-TTDT', custodian.auth);
    expect(list.json.items).toHaveLength(1);
    expect(list.text).not.toContain(secret);
    const one = await call('GET', `/api/v1/accounts/${list.json.items[0].client_id}`, custodian.auth);
    expect(one.status).toBe(200);
    expect(one.text).not.toContain(secret);

    // Away and back: the page no longer has it.
    await page.getByRole('link', { name: 'Tổng quan' }).click();
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Tài khoản kết nối' }).click();
    await page.getByText(list.json.items[0].client_id).waitFor(WAIT);
    expect(await page.getByTestId('secret-once').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'accounts');
    expect(problems).toEqual([]);
    ttdtClientId = list.json.items[0].client_id;
    firstSecret = secret;
  });

  it('rotates a secret (the new one shown once), issues a private_key_jwt account from a JWKS, and delegates issuance', async () => {
    const secret = firstSecret;
    // Rotation: a new secret, shown once too.
    const row = page.locator('[data-testid="accounts-table"] tbody tr', { hasText: ttdtClientId });
    await row.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await page.getByRole('dialog').getByLabel('Lý do (ghi vào lịch sử thay đổi)').fill('Đổi định kỳ theo quy chế');
    await page.getByRole('dialog').getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await page.getByTestId('client-secret').waitFor(WAIT);
    const rotated = (await page.getByTestId('client-secret').locator('code').textContent())!.trim();
    expect(rotated).toMatch(/^ltcs_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('button', { name: 'Tôi đã lưu, ẩn mật khẩu' }).click();
    await expect.poll(() => page.getByTestId('secret-once').count(), WAIT).toBe(0);

    // A private_key_jwt account with a JWKS: no secret at all; a private key in the JWKS is refused with the API's reasons.
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = (k: crypto.KeyObject) => ({ ...k.export({ format: 'jwk' }), kid: 'ttdt-1', use: 'sig', alg: 'ES256' });
    await page.getByRole('button', { name: 'Cấp tài khoản mới' }).click();
    const dialog2 = page.getByRole('dialog');
    await chooseOption(page, 'Hệ thống thông tin', 'BTCTW-TTDT', { scope: dialog2 });
    await dialog2.getByLabel('Tên tài khoản').fill('Ký bằng khoá riêng');
    await dialog2.getByText('Khoá riêng ký (private_key_jwt)').click();
    await dialog2.getByLabel('Bộ khoá công khai (JWKS)').fill(JSON.stringify({ keys: [jwk(privateKey)] }));
    await dialog2.getByRole('button', { name: 'Cấp tài khoản' }).click();
    await page.getByTestId('account-error').waitFor(WAIT);
    await dialog2.getByLabel('Bộ khoá công khai (JWKS)').fill(JSON.stringify({ keys: [jwk(publicKey)] }));
    await dialog2.getByRole('button', { name: 'Cấp tài khoản' }).click();
    await expect.poll(() => page.getByRole('dialog').count(), WAIT).toBe(0);
    await page.getByText('Ký bằng khoá riêng').waitFor(WAIT);
    expect(await page.getByTestId('secret-once').count()).toBe(0);

    // Delegations tab.
    await page.getByRole('tab', { name: 'Ủy quyền cấp tài khoản' }).click();
    await page.getByRole('button', { name: 'Ủy quyền mới' }).click();
    await page.getByRole('dialog').getByLabel('Đơn vị trung gian được ủy quyền').fill('VPCP');
    await page.getByRole('dialog').getByLabel('Lý do (ghi vào lịch sử thay đổi)').fill('Văn phòng Chính phủ cấp tài khoản cho các hệ thống của mình');
    await page.getByRole('dialog').getByRole('button', { name: 'Ủy quyền mới' }).click();
    await expect.poll(() => page.locator('[data-testid="delegations-table"] tbody tr.ant-table-row').count(), WAIT).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'accounts-delegations');
    expect(problems).toEqual([]);
  });

  it('the intermediary operator (VPCP) issues an account under the delegation: restricted to the custodian', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    try {
      const { page: p, problems: errors } = await openPage(other);
      await p.goto(`${server.url}/accounts`);
      await p.getByLabel('Tên đăng nhập').fill(consumer.username);
      await p.getByLabel('Mật khẩu').fill(consumer.password);
      await p.getByRole('button', { name: 'Đăng nhập' }).click();
      await p.getByLabel('Mã xác thực (6 số)').waitFor(WAIT);
      await p.getByLabel('Mã xác thực (6 số)').fill(await nextCode(consumer.secret));
      await p.getByRole('button', { name: 'Đăng nhập' }).click();
      await p.getByRole('heading', { name: 'Tài khoản kết nối', level: 1 }).waitFor(WAIT);
      expect(await p.getByRole('link', { name: 'Nhật ký chia sẻ' }).count()).toBe(0);
      await p.getByRole('button', { name: 'Cấp tài khoản mới' }).click();
      const dialog = p.getByRole('dialog');
      await chooseOption(p, 'Cấp theo ủy quyền (đơn vị trung gian)', 'Ủy quyền của BTCTW', { scope: dialog });
      await chooseOption(p, 'Hệ thống thông tin', 'VPCP-QLCB', { scope: dialog });
      await dialog.getByLabel('Tên tài khoản').fill('Theo ủy quyền của Ban Tổ chức');
      await dialog.getByRole('button', { name: 'Cấp tài khoản' }).click();
      await p.getByTestId('client-secret').waitFor(WAIT);
      const listed = await ok(call('GET', '/api/v1/accounts?system=VPCP-QLCB', consumer.auth));
      expect(listed.items.find((a: { name: string }) => a.name === 'Theo ủy quyền của Ban Tổ chức')).toMatchObject({
        custodian_code: 'BTCTW',
        issued_by_agency: 'VPCP',
      });
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('finds an exchange in the sharing log and verifies its proof and signature in the browser', async () => {
    await page.getByRole('link', { name: 'Nhật ký chia sẻ' }).click();
    await page.getByRole('heading', { name: 'Nhật ký chia sẻ dữ liệu' }).waitFor(WAIT);
    await page.getByLabel('Cơ quan yêu cầu (mã)').fill('VPCP');
    await page.getByLabel('Bộ dữ liệu (mã)').fill(DATASET);
    await page.getByLabel('Khoá bản ghi').fill('dv-2');
    // Entries are searchable once sequenced (every 250 ms): search again until the row is there.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Tìm kiếm' }).click();
          await page
            .locator('[data-testid="ledger-table"] .ant-spin-spinning')
            .waitFor({ state: 'detached', timeout: 10_000 })
            .catch(() => undefined);
          return page.locator('[data-testid="ledger-table"] tbody tr.ant-table-row').count();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(1);
    expect(await page.locator('[data-testid="ledger-table"] tbody tr.ant-table-row').textContent()).toContain('VPCP / VPCP-QLCB');
    await page.getByRole('button', { name: /Xem và kiểm tra biên nhận số/ }).click();
    // The page polls until the entry is covered by a checkpoint, then verifies it with WebCrypto.
    await page.locator('[data-testid="verdict"][data-verified="true"]').waitFor(WAIT);
    for (const step of ['key', 'leaf', 'inclusion', 'checkpoint', 'signature']) {
      expect(await page.getByTestId(`step-${step}`).getAttribute('data-ok'), step).toBe('true');
    }
    await page.locator('[data-testid="consistency"][data-ok="true"]').waitFor(WAIT);
    expect(await page.getByTestId('verdict').textContent()).toContain('Đã xác minh');
    expect(await seriousViolations(page)).toEqual([]);

    // The log grows; checked again, the newest checkpoint is consistent with the receipt's.
    const before = (await page.getByTestId('consistency').textContent())!;
    const size = Number(/từ kích thước (\d+)/.exec(before)![1]);
    for (const key of ['dv-1', 'dv-2']) expect((await reader.getRecord(DATASET, key)).status).toBe(200);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Kiểm tra lại với điểm kiểm tra mới nhất' }).click();
          await page.locator('[data-testid="consistency"]').waitFor(WAIT);
          const text = (await page.getByTestId('consistency').textContent())!;
          const to = Number(/đến (\d+)/.exec(text)?.[1] ?? 0);
          return to > size && (await page.getByTestId('consistency').getAttribute('data-ok')) === 'true';
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    await screenshot(page, 'ledger-receipt');

    // English: the same page, the same verdict.
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Data sharing log' }).waitFor(WAIT);
    await page.locator('[data-testid="verdict"][data-verified="true"]').waitFor(WAIT);
    expect(await page.getByTestId('verdict').textContent()).toContain('Verified');
    await page.getByText('Tiếng Việt', { exact: true }).click();
    await page.getByRole('heading', { name: 'Nhật ký chia sẻ dữ liệu' }).waitFor(WAIT);
    expect(problems).toEqual([]);
  });

  it('an auditor sees every log: chooses one, reads its entries and verifies a receipt; no menu for accounts', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'UTC' });
    try {
      const { page: p, problems: errors } = await openPage(other);
      await p.goto(`${server.url}/signin`);
      await p.getByLabel('Tên đăng nhập').fill(auditor.username);
      await p.getByLabel('Mật khẩu').fill(auditor.password);
      await p.getByRole('button', { name: 'Đăng nhập' }).click();
      await p.getByLabel('Mã xác thực (6 số)').waitFor(WAIT);
      await p.getByLabel('Mã xác thực (6 số)').fill(await nextCode(auditor.secret));
      await p.getByRole('button', { name: 'Đăng nhập' }).click();
      await p.getByRole('heading', { name: 'Tổng quan' }).waitFor(WAIT);
      expect(await p.getByRole('link', { name: 'Tài khoản kết nối' }).count()).toBe(0);
      await p.getByRole('link', { name: 'Nhật ký chia sẻ' }).click();
      await p.getByRole('heading', { name: 'Nhật ký chia sẻ dữ liệu' }).waitFor(WAIT);
      // The log list comes from the published keys; the first log is chosen, and can be changed.
      await chooseOption(p, 'Nhật ký của cơ quan', 'BTCTW');
      await expect.poll(() => p.locator('[data-testid="ledger-table"] tbody tr.ant-table-row').count(), WAIT).toBeGreaterThan(2);
      await p
        .getByRole('button', { name: /Xem và kiểm tra biên nhận số/ })
        .first()
        .click();
      await p.locator('[data-testid="verdict"][data-verified="true"]').waitFor(WAIT);
      expect(await seriousViolations(p)).toEqual([]);
      await screenshot(p, 'ledger');
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('verify.ts (WebCrypto under Node): a real receipt verifies; a flipped byte anywhere does not', async () => {
    const receipt: ReceiptInput & { checkpoint: { tree_size: number; root_hash: string; note: string } } = await settledReceipt(custodian.auth);
    const keys = await ok(call('GET', '/api/v1/ledger/keys'));
    const vkey = keys.keys.find((k: { log: string }) => k.log === 'BTCTW').verifier_key as string;
    const good = await verifyReceipt(receipt, vkey, 'lienthong/btctw');
    expect(
      good.steps.every((s) => s.ok),
      JSON.stringify(good.steps),
    ).toBe(true);
    expect(good.verified).toBe(true);

    const flip = (b64: string, at = 0) => {
      const b = fromBase64(b64);
      b[at]! ^= 0x01;
      return toBase64(b);
    };
    const failed = async (r: ReceiptInput, origin = 'lienthong/btctw') => {
      const v = await verifyReceipt(r, vkey, origin);
      expect(v.verified).toBe(false);
      return v.steps.filter((s) => !s.ok).map((s) => s.id);
    };
    // The leaf's bytes: the leaf hash no longer matches (and so nothing above it).
    expect(await failed({ ...receipt, leaf: flip(receipt.leaf!, 10) })).toContain('leaf');
    // The recorded leaf hash and the proof: the root is not reached.
    expect(await failed({ ...receipt, leaf_hash: flip(receipt.leaf_hash) })).toContain('leaf');
    if (receipt.inclusion_proof!.length > 0) {
      expect(await failed({ ...receipt, inclusion_proof: [flip(receipt.inclusion_proof![0]!), ...receipt.inclusion_proof!.slice(1)] })).toEqual(['inclusion']);
    }
    expect(await failed({ ...receipt, leaf_index: receipt.leaf_index! + 1 })).toContain('inclusion');
    // The checkpoint's signature (one byte of the signature line).
    const lines = receipt.checkpoint.note.split('\n');
    const sigLine = lines.findIndex((l) => l.startsWith('\u2014 '));
    const [dash, name, sig] = lines[sigLine]!.split(' ');
    lines[sigLine] = `${dash} ${name} ${flip(sig!, 20)}`;
    expect(await failed({ ...receipt, checkpoint: { ...receipt.checkpoint, note: lines.join('\n') } })).toEqual(['signature']);
    // The signed text (the size): the signature and the checkpoint check both fail.
    const note = receipt.checkpoint.note.replace(`\n${receipt.checkpoint.tree_size}\n`, `\n${receipt.checkpoint.tree_size + 1}\n`);
    expect(await failed({ ...receipt, checkpoint: { ...receipt.checkpoint, note } })).toEqual(expect.arrayContaining(['checkpoint', 'signature']));
    // Another log's origin: the pinned key is not that log's.
    expect(await failed(receipt, 'lienthong/vpcp')).toContain('key');

    // Step 7: consistency from the receipt's checkpoint to a newer one (another exchange first).
    const old = receipt.checkpoint;
    expect(parseNote(old.note)?.size).toBe(old.tree_size);
    for (const key of ['dv-2', 'dv-1', 'dv-2']) expect((await reader.getRecord(DATASET, key)).status).toBe(200);
    let latest: { tree_size: number; root_hash: string } = old;
    await expect
      .poll(async () => (latest = await ok(call('GET', '/api/v1/ledger/BTCTW/checkpoint'))).tree_size, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(old.tree_size);
    const proof = (await ok(call('GET', `/api/v1/ledger/BTCTW/proof/consistency?from=${old.tree_size}&to=${latest.tree_size}`))).hashes.map(fromBase64);
    expect(await verifyConsistency(old.tree_size, latest.tree_size, proof, fromBase64(old.root_hash), fromBase64(latest.root_hash))).toBe(true);
    expect(await verifyConsistency(old.tree_size, latest.tree_size, proof, fromBase64(flip(old.root_hash)), fromBase64(latest.root_hash))).toBe(false);
    proof[0]![0] ^= 1;
    expect(await verifyConsistency(old.tree_size, latest.tree_size, proof, fromBase64(old.root_hash), fromBase64(latest.root_hash))).toBe(false);
    expect(await verifyConsistency(old.tree_size, old.tree_size, [], fromBase64(old.root_hash), fromBase64(old.root_hash))).toBe(true);
    expect(await verifyConsistency(old.tree_size, old.tree_size, [], fromBase64(old.root_hash), fromBase64(flip(old.root_hash)))).toBe(false);
  });
});
