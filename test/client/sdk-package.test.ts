import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * What an SDK user writes: a plain `.mjs` file in a project of its own, `lienthong` installed in its
 * node_modules (here a link to this repository, as `npm install <path>` makes), run by `node` with
 * no TypeScript tooling at all. It prints what it received as JSON.
 */
const CONSUMER = `
import { LienThongClient } from 'lienthong/client';
const o = JSON.parse(process.env.SDK_OPTIONS);
const out = {};
for (const [name, auth] of Object.entries(o.auths)) {
  const client = new LienThongClient({ baseUrl: o.baseUrl, clientId: auth.clientId, clientSecret: auth.clientSecret, privateKey: auth.privateKey, purpose: o.purpose, clockSkewSeconds: o.skew });
  const first = await client.accessToken();
  const { status, data, receipt } = await client.getRecord(o.dataset, o.key);
  out[name] = { status, fields: Object.keys(data.data).sort(), receipt, sameToken: first === (await client.accessToken()) };
}
console.log(JSON.stringify(out));
`;

/** Later, once the log has sequenced it: the consumer proves its exchange is in the custodian's signed log. */
const VERIFIER = `
import { LienThongClient } from 'lienthong/client';
const o = JSON.parse(process.env.SDK_OPTIONS);
const client = new LienThongClient({ baseUrl: o.baseUrl, clientId: o.clientId, clientSecret: o.clientSecret });
const verified = await client.verifyReceipt(o.receipt);
const tampered = await client.verifyReceipt({ ...o.receipt, content_sha256: '0'.repeat(64) }).then(() => 'accepted', (e) => e.name + ': ' + e.message);
console.log(JSON.stringify({ verified, tampered }));
`;

for (const driver of DRIVERS) {
  describe(`[${driver}] the SDK as a package, from plain Node`, () => {
    let w: World;
    let project: string;
    beforeAll(async () => {
      w = await startWorld(driver);
      await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-1', member(1));
      project = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-sdk-user-'));
      fs.mkdirSync(path.join(project, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'lienthong'), 'dir');
      fs.writeFileSync(path.join(project, 'consumer.mjs'), CONSUMER);
      fs.writeFileSync(path.join(project, 'verifier.mjs'), VERIFIER);
    });
    afterAll(async () => {
      await w.env.close();
      fs.rmSync(project, { recursive: true, force: true });
    });

    /** A private_key_jwt account of VPCP-QLCB with `key`'s public half registered. */
    async function keyAccount(key: crypto.KeyPairKeyObjectResult, kid: string): Promise<{ clientId: string; privateKey: crypto.JsonWebKey }> {
      const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid, use: 'sig' };
      const res = await w.call('POST', '/api/v1/accounts', w.auth.consumer, {
        system_code: 'VPCP-QLCB',
        name: `Khoá ${kid}`,
        auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
      });
      expect(res.statusCode, res.body).toBe(201);
      return { clientId: res.json().account.client_id, privateKey: key.privateKey.export({ format: 'jwk' }) };
    }

    it('imports lienthong/client with no TypeScript tooling, reads with client_secret, private_key_jwt ES256 and EdDSA, and verifies a receipt against the signed log (R-17.1)', async () => {
      const auths = {
        secret: { clientId: w.accounts['VPCP-QLCB'].client_id, clientSecret: w.accounts['VPCP-QLCB'].client_secret },
        es256: await keyAccount(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'es'),
        eddsa: await keyAccount(crypto.generateKeyPairSync('ed25519'), 'ed'),
      };
      // (the platform here runs on the test's manual clock, months from this machine's)
      const skew = Math.round((w.env.clock.now().getTime() - Date.now()) / 1000);
      const options = { baseUrl: w.internet, purpose: 'to-chuc-can-bo', dataset: 'can-bo-dang-vien', key: 'dv-1', auths, skew };
      // NODE_OPTIONS cleared: the child must not inherit a TypeScript loader from the test runner.
      const child = (script: string, opts: object) =>
        run(process.execPath, [script], {
          cwd: project,
          env: { PATH: process.env.PATH, SDK_OPTIONS: JSON.stringify(opts), NODE_OPTIONS: '' },
          timeout: 60_000,
        });
      const out = JSON.parse((await child('consumer.mjs', options)).stdout) as Record<
        'secret' | 'es256' | 'eddsa',
        { status: number; fields: string[]; receipt: { id: string }; sameToken: boolean }
      >;
      // The log sequences the exchange and signs a newer checkpoint (as `serve`'s background work does; the test clock moves on).
      w.env.clock.advance(5_000);
      await w.env.platform.ledger.integrateAll();
      const auth = w.accounts['VPCP-QLCB'];
      const checked = JSON.parse(
        (await child('verifier.mjs', { baseUrl: w.internet, clientId: auth.client_id, clientSecret: auth.client_secret, receipt: out.secret.receipt })).stdout,
      ) as {
        verified: { leaf_index: number; tree_size: number };
        tampered: string;
      };
      // the consumer proves its exchange is in the custodian's log, with the published key alone.
      expect(checked.verified.leaf_index).toBeGreaterThanOrEqual(0);
      expect(checked.verified.tree_size).toBeGreaterThan(checked.verified.leaf_index);
      expect(checked.tampered).toBe('ReceiptError: the log records other content than was received');
      for (const name of ['secret', 'es256', 'eddsa'] as const) {
        expect(out[name], name).toMatchObject({ status: 200, fields: ['citizen_id', 'date_of_birth', 'full_name', 'member_number'], sameToken: true });
        expect(out[name].receipt.id).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('ships type declarations beside the JavaScript (package.json exports)', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
      const entry = pkg.exports['./client']!;
      expect(fs.existsSync(path.join(ROOT, entry.default))).toBe(true);
      expect(fs.readFileSync(path.join(ROOT, entry.types), 'utf8')).toMatch(/export declare class LienThongClient/);
    });
  });
}
