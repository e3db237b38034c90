import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.ts';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/ledger/log/merkle.ts';
import { verifyNote } from '../../src/ledger/log/note.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const entry = (n: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  requested_at: new Date(Date.UTC(2026, 2, 2, 3, 0, n)).toISOString(),
  responded_at: new Date(Date.UTC(2026, 2, 2, 3, 0, n, 120)).toISOString(),
  form: 'api',
  requester: { agency: 'VPCP', system: 'VPCP-QLCB', account: 'ltc_test' },
  request: { method: 'GET', resource: `/data/v1/can-bo-dang-vien/records/dv-${n}`, query: {}, purpose: 'to-chuc-can-bo', fields: ['full_name'] },
  dataset: 'can-bo-dang-vien',
  record_keys: [`dv-${n}`],
  response: { status: 200, content_sha256: 'ab'.repeat(32), content_kept: false },
  agreement_ids: [],
  policy_version: 'g1',
  trace_id: `trace-${n}`,
  gateway_instance: 'test',
  ...over,
});
const b = (s: string) => Buffer.from(s, 'base64');
const run = promisify(execFile);

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17: the sharing log`, () => {
    let env: TestEnv;
    let custodian: string;
    let requester: string;
    let other: string;
    const receipts: { id: string; leaf_hash: string }[] = [];

    beforeAll(async () => {
      env = await startEnv(driver);
      custodian = await env.userAuth('cq.btctw', 'BTCTW', ['custodian_admin']);
      requester = await env.userAuth('kt.vpcp', 'VPCP', ['consumer_admin']);
      other = await env.userAuth('kt.tu01', 'TU01', ['consumer_admin']);
    });
    afterAll(() => env.close());

    const get = (url: string, authorization = custodian) => env.app.inject({ method: 'GET', url, headers: { authorization } });

    it('R-17.1: concurrent appenders and integrators give a contiguous tree: no gaps, no duplicates', async () => {
      const appends = Array.from({ length: 40 }, (_, n) => env.platform.db.transaction((tx) => env.platform.ledger.append(tx, 'BTCTW', entry(n))));
      const integrating = Promise.all([env.platform.ledger.integrate('BTCTW'), env.platform.ledger.integrate('BTCTW')]);
      receipts.push(...(await Promise.all(appends)));
      await integrating;
      await env.platform.ledger.integrateAll();
      env.clock.advance(10_000); // a time-based checkpoint covers the last batch
      await env.platform.ledger.integrateAll();
      custodian = await env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
      expect(await env.platform.ledger.treeSize('BTCTW')).toBe(40);
      const rows = await env.platform.db.query<{ leaf_index: number }>(
        "SELECT leaf_index FROM ledger_entries WHERE custodian_code = 'BTCTW' ORDER BY leaf_index",
      );
      expect(rows.rows.map((r) => Number(r.leaf_index))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    });

    it('publishes a signed checkpoint: JSON and a C2SP signed note that verifies with the log key', async () => {
      const res = await get('/api/v1/ledger/BTCTW/checkpoint');
      expect(res.statusCode).toBe(200);
      const cp = res.json();
      expect(cp).toMatchObject({ tree_size: 40, origin: 'lienthong/btctw' });
      const verified = verifyNote(cp.note, [cp.verifier_key], { origin: 'lienthong/btctw' });
      expect(verified.checkpoint.size).toBe(40);
      expect(Buffer.from(verified.checkpoint.rootHash).toString('base64')).toBe(cp.root_hash);
      const text = await env.app.inject({ method: 'GET', url: '/api/v1/ledger/BTCTW/checkpoint', headers: { authorization: custodian, accept: 'text/plain' } });
      expect(text.body).toBe(cp.note);
      expect(text.body).toMatch(/^lienthong\/btctw\n40\n[A-Za-z0-9+/=]{44}\n\n\u2014 lienthong\/btctw /);
    });

    it('every receipt is provable: its inclusion proof verifies against the checkpoint it names', async () => {
      for (const r of receipts) {
        const rec = (await get(`/api/v1/ledger/receipts/${r.id}`, requester)).json();
        expect(rec.leaf_index).not.toBeNull();
        expect(rec.entry).toMatchObject({ v: 1, log: 'BTCTW', dataset: 'can-bo-dang-vien' });
        const ok = verifyInclusion(b(rec.leaf_hash), rec.leaf_index, rec.checkpoint.tree_size, rec.inclusion_proof.map(b), b(rec.checkpoint.root_hash));
        expect(ok).toBe(true);
      }
      const leaf = Buffer.from(JSON.stringify({}));
      expect(verifyInclusion(leafHash(leaf), 0, 40, [], b((await get('/api/v1/ledger/BTCTW/checkpoint')).json().root_hash))).toBe(false);
    });

    it('RFC 9162 proofs over HTTP: inclusion and consistency between checkpoints', async () => {
      const first = (await get('/api/v1/ledger/BTCTW/checkpoint')).json();
      for (let n = 40; n < 300; n++) await env.platform.db.transaction((tx) => env.platform.ledger.append(tx, 'BTCTW', entry(n)));
      await env.platform.ledger.integrateAll();
      env.clock.advance(10_000);
      await env.platform.ledger.integrateAll(); // a time-based checkpoint of the last batch
      custodian = await env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
      const second = (await get('/api/v1/ledger/BTCTW/checkpoint')).json();
      expect(second.tree_size).toBe(300);
      const proof = (await get(`/api/v1/ledger/BTCTW/proof/consistency?from=${first.tree_size}&to=300`)).json();
      expect(verifyConsistency(first.tree_size, 300, proof.hashes.map(b), b(first.root_hash), b(second.root_hash))).toBe(true);
      const leaf = await env.platform.db.query<{ leaf_hash: Uint8Array }>(
        "SELECT q.leaf_hash FROM ledger_queue q JOIN ledger_entries e ON e.queue_id = q.id WHERE e.custodian_code = 'BTCTW' AND e.leaf_index = 257",
      );
      const inc = (await get('/api/v1/ledger/BTCTW/proof/inclusion?index=257&size=300')).json();
      expect(verifyInclusion(leaf.rows[0]!.leaf_hash, 257, 300, inc.hashes.map(b), b(second.root_hash))).toBe(true);
      expect((await get('/api/v1/ledger/BTCTW/proof/inclusion?index=300&size=300')).statusCode).toBe(400);
      // Sizes that are not batch ends or checkpoints work too (their tiles are prefixes of wider ones).
      const mid = (await get('/api/v1/ledger/BTCTW/proof/consistency?from=7&to=123')).json();
      expect(mid.hashes.length).toBeGreaterThan(0);
      const incMid = await get('/api/v1/ledger/BTCTW/proof/inclusion?index=5&size=123');
      expect(incMid.statusCode).toBe(200);
      expect((await get('/api/v1/ledger/BTCTW/proof/consistency?from=0&to=300')).statusCode).toBe(400);
    });

    it('R-4.5: custodians search their own log, requesters read their receipts; other agencies see only the public checkpoints and proofs', async () => {
      requester = await env.login('kt.vpcp', 'mat-khau-kt.vpcp-2025');
      other = await env.login('kt.tu01', 'mat-khau-kt.tu01-2025');
      // Checkpoints and proofs are public (anyone may check the log); who read what is not.
      expect((await get('/api/v1/ledger/BTCTW/checkpoint', other)).statusCode).toBe(200);
      expect((await get('/api/v1/ledger/BTCTW/proof/inclusion?index=0&size=1', other)).statusCode).toBe(200);
      expect((await get('/api/v1/ledger/BTCTW/entries?limit=1', other)).statusCode).toBe(404);
      expect((await get('/api/v1/ledger/BTCTW/entries?limit=1', requester)).statusCode).toBe(404);
      expect((await get(`/api/v1/ledger/receipts/${receipts[0]!.id}`, other)).statusCode).toBe(404);
      expect((await get(`/api/v1/ledger/receipts/${receipts[0]!.id}`, requester)).statusCode).toBe(200);
    });

    it('R-4.5: the log answers "who received record X of dataset D, when"', async () => {
      const res = await get('/api/v1/ledger/BTCTW/entries?dataset=can-bo-dang-vien&record_key=dv-7&requester=VPCP');
      expect(res.statusCode).toBe(200);
      const { items } = res.json();
      expect(items).toHaveLength(1);
      expect(items[0].entry).toMatchObject({ record_keys: ['dv-7'], requester: { agency: 'VPCP' }, requested_at: entry(7).requested_at });
      const page = (await get('/api/v1/ledger/BTCTW/entries?limit=100&after=99')).json();
      expect(page.items[0].leaf_index).toBe(100);
      expect((await get('/api/v1/ledger/BTCTW/entries', other)).statusCode).toBe(404);
    });

    it('export → offline verify passes; a one-byte change anywhere in the bundle fails it', async () => {
      const bundle = await env.platform.ledger.exportBundle('BTCTW');
      const { verifyBundle } = await import('../../src/ledger/bundle.ts');
      expect(verifyBundle(bundle)).toMatchObject({ ok: true, log: 'BTCTW', entries: 300 });
      for (const at of [200, Math.floor(bundle.length / 2), bundle.length - 30]) {
        const bad = Buffer.from(bundle);
        bad[at] = bad[at]! ^ 0x01;
        expect(verifyBundle(bad).ok, `byte ${at}`).toBe(false);
      }
    });

    it('lienthong ledger verify --bundle needs nothing but the file (no database, no server)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bundle-'));
      const file = path.join(dir, 'btctw.bundle.json');
      fs.writeFileSync(file, await env.platform.ledger.exportBundle('BTCTW'));
      const cli = (f: string) =>
        run(process.execPath, [path.resolve(import.meta.dirname, '../../bin/lienthong.mjs'), 'ledger', 'verify', '--bundle', f], {
          env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LIENTHONG_DATA_DIR: path.join(dir, 'no-data') },
        });
      expect((await cli(file)).stdout).toMatch(/BTCTW: OK — 300/);
      const bad = fs.readFileSync(file);
      bad[bad.length - 40] = bad[bad.length - 40]! ^ 0x02;
      fs.writeFileSync(file, bad);
      await expect(cli(file)).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/DIVERGENCE/) });
      expect(fs.existsSync(path.join(dir, 'no-data'))).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('R-17.1: archiving entries younger than 2 years is refused', async () => {
      await expect(env.platform.ledger.archive('BTCTW', '2025-01-01', 'test')).rejects.toMatchObject({ options: { rule: 'R-17.1' } });
      const ok = await env.platform.ledger.archive('BTCTW', '2024-01-01', 'test'); // the test clock is in 2026
      expect(ok.up_to_index).toBe(0); // every entry is from 2026: nothing old enough yet
    });

    it('R-17.1: after 2 years entries are archived to a signed bundle; proofs and verification still work', async () => {
      const { verifyBundle } = await import('../../src/ledger/bundle.ts');
      await expect(env.platform.db.query("UPDATE ledger_queue SET leaf = '\\x'::bytea WHERE custodian_code = 'BTCTW'")).rejects.toThrow(/refused/);
      env.clock.advance(3 * 366 * 24 * 3600_000);
      const archived = await env.platform.ledger.archive('BTCTW', '2027-01-01', 'test');
      expect(archived.up_to_index).toBe(300);
      expect(verifyBundle(archived.bundle)).toMatchObject({ ok: true, entries: 300 });
      expect((await env.platform.ledger.verify('BTCTW'))[0]).toMatchObject({ ok: true, entries: 300 });
      expect(verifyBundle(await env.platform.ledger.exportBundle('BTCTW'))).toMatchObject({ ok: true, entries: 300 });
      custodian = await env.login('cq.btctw', 'mat-khau-cq.btctw-2025');
      const rec = (await get(`/api/v1/ledger/receipts/${receipts[3]!.id}`)).json();
      expect(rec.entry).toBeNull();
      expect(verifyInclusion(b(rec.leaf_hash), rec.leaf_index, rec.checkpoint.tree_size, rec.inclusion_proof.map(b), b(rec.checkpoint.root_hash))).toBe(true);
    });

    it('R-17.1: the database refuses to edit or delete history', async () => {
      await expect(env.platform.db.query("UPDATE ledger_queue SET queued_at = now() WHERE custodian_code = 'BTCTW'")).rejects.toThrow(/refused/);
      await expect(env.platform.db.query("DELETE FROM ledger_entries WHERE custodian_code = 'BTCTW'")).rejects.toThrow(/refused/);
      await expect(env.platform.db.query('TRUNCATE ledger_checkpoints CASCADE')).rejects.toThrow(/refused/);
      await expect(env.platform.db.query("UPDATE ledger_tiles SET hashes = hashes WHERE custodian_code = 'BTCTW'")).rejects.toThrow(/refused/);
    });
  });
}
