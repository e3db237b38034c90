import crypto from 'node:crypto';
import nodeJose from 'node-jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LienThongClient } from 'lienthong/client';
import { createExportStore, createGateway } from '../../src/gateway/index.ts';
import { toProblem } from '../../src/http/problems.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type SystemCode, type World, caseRecord, member, refused, startWorld } from './world.ts';

/** The grants the world's agreements give: the oracle the matrix checks the gateway against. */
const GRANTS: Record<string, { dataset: string; purpose: string; fields: string[] }> = {
  'VPCP-QLCB': { dataset: 'can-bo-dang-vien', purpose: 'to-chuc-can-bo', fields: ['member_number', 'full_name', 'date_of_birth', 'province_code'] },
  'VPCP-TK': { dataset: 'can-bo-dang-vien', purpose: 'bao-cao-thong-ke', fields: ['member_number', 'gender'] },
  'VPCP-MAT': { dataset: 'vu-an', purpose: 'kiem-tra-giam-sat', fields: ['case_code', 'case_name'] },
};
const DATASETS: Record<
  string,
  { key: string; fields: string[]; secret: boolean; masked: Record<string, (v: string) => string>; distinctive: Record<string, string> }
> = {
  'can-bo-dang-vien': {
    key: 'dv-1',
    secret: false,
    fields: [
      'member_number',
      'full_name',
      'citizen_id',
      'date_of_birth',
      'gender',
      'ethnic_group',
      'province_code',
      'admission_date',
      'party_organisation_code',
    ],
    masked: { citizen_id: (v) => `********${v.slice(-4)}` },
    // Values that appear nowhere else: if one is in a body, that field leaked.
    distinctive: {
      citizen_id: '001085000001',
      admission_date: '2010-05-19',
      party_organisation_code: 'DB-01',
      ethnic_group: '"54"',
      full_name: 'Nguyễn Văn 1',
      date_of_birth: '1985-01-01',
    },
  },
  'vu-an': {
    key: 'va-1',
    secret: true,
    fields: ['case_code', 'case_name', 'charges', 'defendants', 'monitoring_level', 'procedural_stage'],
    masked: {},
    distinctive: { charges: 'Tham ô tài sản', defendants: 'Bị can A', case_name: 'Vụ án số 1', procedural_stage: 'Điều tra' },
  },
};
const PURPOSES = ['to-chuc-can-bo', 'bao-cao-thong-ke', 'kiem-tra-giam-sat', undefined];
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

for (const driver of DRIVERS) {
  describe(`[${driver}] gateway security: zero leaks, signatures, encryption, zones, log-before-release (R-4.2, R-4.7, R-5.3, R-8.2, R-11, R-12.2, R-17.1)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
      await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-1', member(1, { ethnic_group: '54', province_code: '01' }));
      await w.clients['BNCTW-CSDL'].putRecord('vu-an', 'va-1', caseRecord(1));
    });
    afterAll(() => w.env.close());

    it('authorisation matrix — consumers × datasets × fields × purposes × zones: allowed exactly as granted, and no field outside the grant ever in a body', async () => {
      const clients: Record<string, LienThongClient> = {};
      for (const s of Object.keys(GRANTS) as SystemCode[]) {
        for (const zone of ['internet', 'tslcd'] as const)
          clients[`${s}@${zone}`] = w.client(s, { baseUrl: zone === 'tslcd' ? w.tslcd : w.internet, decryptionKey: w.matKey.privateKey });
      }
      let served = 0;
      let refused = 0;
      for (const [name, c] of Object.entries(clients)) {
        const [system, zone] = name.split('@') as [string, string];
        const grant = GRANTS[system]!;
        for (const [dataset, d] of Object.entries(DATASETS)) {
          for (const purpose of PURPOSES) {
            for (const field of [undefined, ...d.fields]) {
              const expectAllowed =
                grant.dataset === dataset &&
                grant.purpose === purpose &&
                (field === undefined || grant.fields.includes(field)) &&
                (!d.secret || zone === 'tslcd');
              const raw = await rawGet(c, dataset, d.key, purpose, field);
              const text = raw.text;
              for (const [f, value] of Object.entries(d.distinctive)) {
                const visible = expectAllowed && grant.fields.includes(f) && (field === undefined || field === f);
                if (!visible) expect(text.includes(value), `${name} ${dataset} ${purpose} ${field}: ${f} leaked`).toBe(false);
              }
              if (!expectAllowed) {
                expect([401, 403], `${name} ${dataset} ${purpose} ${field} → ${raw.status} ${text}`).toContain(raw.status);
                refused++;
                continue;
              }
              expect(raw.status, `${name} ${dataset} ${purpose} ${field}: ${text}`).toBe(200);
              const record = d.secret ? JSON.parse(await decrypt(text, w.matKey.privateKey)) : JSON.parse(text);
              const visibleFields = field ? [field] : grant.fields;
              for (const [k, v] of Object.entries(record.data as Record<string, string>)) {
                if (visibleFields.includes(k)) continue;
                const mask = d.masked[k];
                expect(mask, `${k} is neither granted nor masked`).toBeDefined();
                expect(v).toBe(mask!(String(d.distinctive[k])));
              }
              served++;
            }
          }
        }
      }
      expect(served).toBeGreaterThan(10);
      expect(refused).toBeGreaterThan(300);
    });

    async function rawCall(c: LienThongClient, method: string, path: string, purpose: string | undefined) {
      const base = (c as unknown as { base: string }).base;
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${await c.accessToken().catch(() => 'none')}`, ...(purpose && { 'lienthong-purpose': purpose }) },
      });
      return { status: res.status, text: await res.text(), headers: res.headers };
    }

    async function rawGet(c: LienThongClient, dataset: string, key: string, purpose: string | undefined, field: string | undefined) {
      const base = (c as unknown as { base: string }).base;
      const url = `${base}/data/v1/${dataset}/records/${key}${field ? `?fields=${field}` : ''}`;
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${await c.accessToken().catch(() => 'none')}`, ...(purpose && { 'lienthong-purpose': purpose }) },
      });
      return { status: res.status, text: await res.text(), headers: res.headers };
    }

    async function decrypt(jwe: string, key: crypto.KeyObject): Promise<string> {
      // Same kid as the registered key: the wrong key is then really tried, not just not found.
      const store = await nodeJose.JWK.asKeyStore({ keys: [{ ...key.export({ format: 'jwk' }), kid: 'vpcp-mat-enc-1' }] });
      return (await nodeJose.JWE.createDecrypt(store).decrypt(jwe)).plaintext.toString('utf8');
    }

    /**
     * RFC 7515 verification written here on node:crypto alone — independent of `jose`, which the
     * platform and the SDK use: the signing input is BASE64URL(header) "." BASE64URL(body bytes).
     */
    async function verifyIndependently(jws: string, body: Buffer): Promise<boolean> {
      const [h, empty, s] = jws.split('.');
      expect(empty).toBe('');
      const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
      const jwks = (await (await fetch(`${w.internet}/.well-known/jwks.json`)).json()) as { keys: (crypto.JsonWebKey & { kid: string })[] };
      const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
      expect(header.alg).toBe('EdDSA');
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
      const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
      return crypto.verify(null, Buffer.from(`${h}.${b64u(body)}`), key, Buffer.from(s!, 'base64url'));
    }

    it('R-5.3: every body is signed (detached JWS over the exact bytes, EdDSA), verified with the published JWKS by an independent RFC 7515 implementation; one changed byte fails', async () => {
      const token = await w.clients['VPCP-QLCB'].accessToken();
      for (const [url, purpose] of [
        ['/data/v1/can-bo-dang-vien/records/dv-1', 'to-chuc-can-bo'],
        ['/data/v1/can-bo-dang-vien/records/dv-1', 'sai-muc-dich'],
      ]) {
        const res = await fetch(w.internet + url!, { headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': purpose! } });
        const body = Buffer.from(await res.arrayBuffer());
        const jws = res.headers.get('x-jws-signature')!;
        expect(await verifyIndependently(jws, body)).toBe(true);
        const tampered = Buffer.from(body);
        tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 1, tampered.length - 2);
        expect(await verifyIndependently(jws, tampered)).toBe(false);
      }
    });

    it("R-4.7, R-11, R-12.2: secret data is a JWE only the consumer system's key opens, served only on the tslcd listener", async () => {
      const mat = w.clients['VPCP-MAT'];
      const res = await mat.getRecord('vu-an', 'va-1');
      expect(res.data.data).toEqual({ case_code: 'VA-1', case_name: 'Vụ án số 1' });
      const token = await mat.accessToken();
      const raw = await fetch(`${w.tslcd}/data/v1/vu-an/records/va-1`, {
        headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': 'kiem-tra-giam-sat' },
      });
      expect(raw.headers.get('content-type')).toBe('application/jose');
      const jwe = await raw.text();
      expect(jwe.split('.')).toHaveLength(5);
      expect(JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString())).toMatchObject({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        kid: 'vpcp-mat-enc-1',
      });
      expect(JSON.parse(await decrypt(jwe, w.matKey.privateKey)).data.case_code).toBe('VA-1');
      const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expect(decrypt(jwe, other.privateKey)).rejects.toThrow();
      const internet = await fetch(`${w.internet}/data/v1/vu-an/records/va-1`, {
        headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': 'kiem-tra-giam-sat' },
      });
      expect(internet.status).toBe(403);
      expect((await internet.json()).rule).toBe('R-12.2');
      // The custodian writes secret data on the dedicated network only, too.
      const writer = w.client('BNCTW-CSDL');
      const err = await refused(writer.putRecord('vu-an', 'va-2', caseRecord(2)));
      expect([err.status, err.problem.rule]).toEqual([403, 'R-12.2']);
    });

    it('R-17.1: every served and refused request has its sharing-log entry, with the R-17.2 fields and the digest of the bytes sent', async () => {
      const c = w.clients['VPCP-QLCB'];
      const before = c.receipts.length;
      await c.getRecord('can-bo-dang-vien', 'dv-1');
      await c.getRecord('can-bo-dang-vien', 'dv-1', { purpose: 'bao-cao-thong-ke' }).catch(() => undefined);
      const [served, refused] = c.receipts.slice(before);
      await w.env.platform.ledger.integrateAll();
      const admin = w.auth.admin;
      const a = (await w.call('GET', `/api/v1/ledger/receipts/${served!.id}`, admin)).json();
      expect(a.log).toBe('BTCTW');
      expect(a.leaf_index).toBeGreaterThanOrEqual(0);
      expect(a.inclusion_proof).toBeInstanceOf(Array);
      expect(a.entry).toMatchObject({
        form: 'api',
        dataset: 'can-bo-dang-vien',
        record_keys: ['dv-1'],
        requester: { agency: 'VPCP', system: 'VPCP-QLCB', account: w.accounts['VPCP-QLCB'].client_id },
        request: {
          method: 'GET',
          resource: '/data/v1/can-bo-dang-vien/records/dv-1',
          purpose: 'to-chuc-can-bo',
          fields: ['member_number', 'full_name', 'date_of_birth', 'province_code'],
        },
        response: { status: 200, content_sha256: served!.content_sha256 },
      });
      expect(a.entry.agreement_ids).toHaveLength(1);
      const b = (await w.call('GET', `/api/v1/ledger/receipts/${refused!.id}`, admin)).json();
      expect(b.entry).toMatchObject({ response: { status: 403, content_sha256: refused!.content_sha256 }, request: { purpose: 'bao-cao-thong-ke' } });
      // R-4.5: "who received record dv-1 of this dataset, when" — answered from the log.
      const who = (await w.call('GET', '/api/v1/ledger/BTCTW/entries?dataset=can-bo-dang-vien&record_key=dv-1&limit=500', admin)).json();
      expect(who.items.some((i: { receipt_id: string }) => i.receipt_id === served!.id)).toBe(true);
    });

    it('R-17.1: when the log cannot take the entry, the consumer gets 503 and no data; a write is not stored', async () => {
      const db = w.env.platform.db;
      await db.query(`CREATE FUNCTION lt_test_log_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'log storage down'; END $$`);
      await db.query('CREATE TRIGGER lt_test_log_down BEFORE INSERT ON ledger_queue FOR EACH ROW EXECUTE FUNCTION lt_test_log_down()');
      try {
        const token = await w.clients['VPCP-QLCB'].accessToken();
        const res = await fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-1`, {
          headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': 'to-chuc-can-bo' },
        });
        const text = await res.text();
        expect(res.status).toBe(503);
        expect(res.headers.get('lienthong-receipt')).toBeNull();
        expect(text).not.toContain('01.000001');
        expect(JSON.parse(text).rule).toBe('R-17.1');
        const write = await refused(w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-7', member(7)));
        expect(write.status).toBe(503);
      } finally {
        await db.query('DROP TRIGGER lt_test_log_down ON ledger_queue');
        await db.query('DROP FUNCTION lt_test_log_down()');
      }
      const notStored = await w.call('GET', '/api/v1/datasets/can-bo-dang-vien/records/dv-7', w.auth.custodian);
      expect(notStored.statusCode).toBe(404);
      expect((await w.clients['VPCP-QLCB'].getRecord('can-bo-dang-vien', 'dv-1')).status).toBe(200);
    });

    it('rate limit: an account over its rate gets 429 with Retry-After, logged; other accounts are not affected', async () => {
      const p = w.env.platform;
      const slow = createGateway(
        p.clock,
        {
          catalog: p.catalog,
          sync: p.sync,
          agreements: p.agreements,
          accounts: p.accounts,
          registry: p.registry,
          ledger: p.ledger,
          upstreams: p.upstreams,
          signer: p.gateway.signer,
          append: (l, e, c) => p.ledger.appendDurable(l, e, c),
          serviceBlock: p.lifecycle.serviceBlock,
          problemOf: toProblem,
          exports: createExportStore(p.db),
        },
        { ratePerSecond: 2, unidentifiedPerSecond: 2, coordinatorLog: 'VPTW', maxResponseBytes: 1 << 20, issuer: w.internet },
      );
      const req = async (system: SystemCode) => ({
        requestId: crypto.randomUUID(),
        method: 'GET',
        path: '/data/v1/can-bo-dang-vien/records/dv-1',
        query: {},
        authorization: `Bearer ${await w.clients[system].accessToken()}`,
        purpose: GRANTS[system]!.purpose,
        traceId: 't',
        zone: 'internet' as const,
        ip: '127.0.0.1',
      });
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await slow.readRecord(await req('VPCP-QLCB'), 'can-bo-dang-vien', 'dv-1')).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]); // burst = 2 × rate
      expect(statuses.at(-1)).toBe(429);
      const limited = await slow.readRecord(await req('VPCP-QLCB'), 'can-bo-dang-vien', 'dv-1');
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      expect(limited.headers['lienthong-receipt']).toBeTruthy();
      expect(JSON.parse(limited.body.toString())).toMatchObject({ status: 429, title_en: 'Too many requests' });
      expect((await slow.readRecord(await req('VPCP-TK'), 'can-bo-dang-vien', 'dv-1')).status).toBe(200);
      await slow.close();
    });

    it('R-4.3, R-6.1c, R-8.2: authorisation matrix on the change feed, the snapshot and exports — allowed exactly as granted, nothing ungranted in any body', async () => {
      let served = 0;
      for (const s of Object.keys(GRANTS) as SystemCode[]) {
        for (const zone of ['internet', 'tslcd'] as const) {
          const c = w.client(s, { baseUrl: zone === 'tslcd' ? w.tslcd : w.internet });
          const grant = GRANTS[s]!;
          for (const [dataset, d] of Object.entries(DATASETS)) {
            for (const purpose of PURPOSES) {
              // Every granted field, and one the grant does not cover.
              for (const field of [undefined, d.fields.find((f) => !grant.fields.includes(f))!, ...grant.fields.filter((f) => d.fields.includes(f))]) {
                const allowed =
                  grant.dataset === dataset &&
                  grant.purpose === purpose &&
                  (field === undefined || grant.fields.includes(field)) &&
                  (!d.secret || zone === 'tslcd');
                for (const [method, path] of [
                  ['GET', 'changes'],
                  ['GET', 'snapshot'],
                  ['POST', 'exports'],
                ] as const) {
                  const raw = await rawCall(c, method, `/data/v1/${dataset}/${path}${field ? `?fields=${field}` : ''}`, purpose);
                  const text = d.secret && raw.status === 200 ? await decrypt(raw.text, w.matKey.privateKey) : raw.text;
                  for (const [f, value] of Object.entries(d.distinctive)) {
                    const visible = allowed && grant.fields.includes(f) && (field === undefined || field === f);
                    if (!visible) expect(text.includes(value), `${s}@${zone} ${path} ${dataset} ${purpose} ${field}: ${f} leaked`).toBe(false);
                  }
                  expect(raw.headers.get('lienthong-receipt'), `${path}: every answer is logged`).toBeTruthy();
                  // Secret data is never exported as a file (R-11), even when granted.
                  const expected = allowed && !(path === 'exports' && d.secret);
                  if (!expected) {
                    expect([401, 403], `${s}@${zone} ${path} ${dataset} ${purpose} ${field} → ${raw.status} ${text}`).toContain(raw.status);
                    continue;
                  }
                  expect([200, 201], `${s}@${zone} ${path} ${dataset} ${purpose} ${field}: ${text}`).toContain(raw.status);
                  served++;
                  if (path !== 'exports') continue;
                  const body = await rawCall(c, 'GET', JSON.parse(text).content_url, purpose);
                  expect(body.status).toBe(200);
                  for (const [f, value] of Object.entries(d.distinctive)) {
                    const visible = grant.fields.includes(f) && (field === undefined || field === f);
                    if (!visible) expect(body.text.includes(value), `${s} export ${dataset} ${field}: ${f} leaked`).toBe(false);
                  }
                }
              }
            }
          }
        }
      }
      expect(served).toBeGreaterThan(10);
    });
  });
}
