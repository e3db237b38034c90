import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileKeyWrapper } from '../../src/core/kek-file.ts';
import { memoryKeyWrapper } from '../../src/core/sealing.ts';
import { createSync } from '../../src/sync/index.ts';
import { createFeed } from '../../src/sync/feed.ts';
import { contentHash } from '../../src/sync/records.ts';
import { loadConfig } from '../../src/core/config.ts';
import { openPlatform } from '../../src/platform.ts';
import { type World, caseRecord, member, startWorld } from '../gateway/world.ts';
import { DRIVERS } from '../helpers/platform.ts';

const run = promisify(execFile);
/** Every field value of the secret records written below: none may be found in the database. */
const PLAINTEXT = [1, 2, 3].flatMap((n) => Object.values(caseRecord(n))).concat(['Trần Thị Mật']);
const pgDump = ['/usr/bin/pg_dump', '/usr/local/bin/pg_dump'].find((p) => fs.existsSync(p));

for (const driver of DRIVERS) {
  describe(`[${driver}] secret hosted data sealed at rest (R-4.7, R-11)`, () => {
    let w: World;
    const raw = (sql: string, params: unknown[] = []) => w.env.platform.db.query<Record<string, unknown>>(sql, params);
    const dump = async () =>
      JSON.stringify(
        (await raw("SELECT * FROM record_versions WHERE dataset_code = 'vu-an'")).rows.concat(
          (await raw("SELECT * FROM records WHERE dataset_code = 'vu-an'")).rows,
        ),
        (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v),
      );
    const custodian = (url: string) => w.call('GET', `/api/v1/datasets/vu-an${url}`, w.auth.bnctw);

    beforeAll(async () => {
      w = await startWorld(driver);
      const writer = w.client('BNCTW-CSDL', { baseUrl: w.tslcd });
      await writer.writeBatch(
        'vu-an',
        [1, 2, 3].map((n) => ({ key: `va-${n}`, data: caseRecord(n) })),
      );
      await writer.putRecord('vu-an', 'va-3', { ...caseRecord(3), defendants: 'Trần Thị Mật' });
    });
    afterAll(() => w.env.close());

    it("R-4.7, R-11: a dump of the secret dataset's tables (raw SELECT, and pg_dump on PostgreSQL) holds no plaintext field value", async () => {
      const rows = (await raw("SELECT data, sealed, content_hash FROM record_versions WHERE dataset_code = 'vu-an'")).rows;
      expect(rows).toHaveLength(4);
      for (const r of rows) expect([r.data, r.sealed instanceof Uint8Array, r.content_hash]).toEqual([null, true, 'sealed']);
      const text = await dump();
      for (const value of PLAINTEXT) expect(text).not.toContain(value);
      // (the test's own check can see plaintext: a normal dataset's records are stored in clear)
      await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-9', {
        member_number: '01.000009',
        full_name: 'Lê Văn Thường',
        date_of_birth: '1985-01-09',
        gender: '1',
        admission_date: '2010-05-19',
        party_organisation_code: 'DB-01',
      });
      expect(JSON.stringify((await raw("SELECT data FROM records WHERE dataset_code = 'can-bo-dang-vien'")).rows)).toContain('Lê Văn Thường');
      if (driver === 'postgres' && pgDump) {
        const { stdout } = await run(
          pgDump,
          ['--data-only', '--table=record_versions', '--table=records', '--table=dataset_keys', w.env.platform.config.databaseUrl!],
          { maxBuffer: 64 * 2 ** 20 },
        );
        expect(stdout).toContain('Lê Văn Thường');
        for (const value of PLAINTEXT) expect(stdout).not.toContain(value);
      }
    });

    it('R-4.7, R-11: the gateway still serves secret records (a JWE to the consumer), filters them, and logs each exchange', async () => {
      const mat = w.clients['VPCP-MAT'];
      const one = await mat.getRecord('vu-an', 'va-2');
      expect(one.data.data).toEqual({ case_code: 'VA-2', case_name: 'Vụ án số 2' });
      const list = await mat.listRecords('vu-an', { filters: { case_code: 'VA-3' } });
      expect(list.data.items.map((i) => [i.key, i.data])).toEqual([['va-3', { case_code: 'VA-3', case_name: 'Vụ án số 3' }]]);
      const all = await mat.listRecords('vu-an', { limit: 2 });
      expect(all.data.items.map((i) => i.key)).toEqual(['va-1', 'va-2']);
      await w.env.platform.ledger.integrateAll();
      const entry = (await w.call('GET', `/api/v1/ledger/receipts/${one.receipt!.id}`, w.auth.admin)).json().entry;
      expect(entry).toMatchObject({ dataset: 'vu-an', record_keys: ['va-2'], response: { status: 200 } });
    });

    it('R-4.7, R-11: the custodian reads its secret records, their history with content hashes, and quality figures from the sealed content', async () => {
      expect((await custodian('/records/va-1')).json()).toMatchObject({ version: 1, data: caseRecord(1) });
      const versions = (await custodian('/records/va-3/versions')).json();
      expect(versions.map((v: { data: { defendants: string } }) => v.data.defendants)).toEqual(['Bị can A', 'Trần Thị Mật']);
      expect(versions[1].content_hash).toBe(contentHash({ ...caseRecord(3), defendants: 'Trần Thị Mật' }));
      const quality = (await custodian('/quality')).json();
      expect(quality).toMatchObject({ records: { live: 3 }, validity: { checked: 3, invalid_records: 0 } });
      expect(quality.completeness.ratio).toBeGreaterThan(0);
    });

    it('R-4.7, R-11: the feed keeps no sealed content opened in memory: every read of a secret change is read and opened again', async () => {
      let queries = 0;
      const db = w.env.platform.db;
      const counting = new Proxy(db, {
        get: (target, prop) =>
          prop === 'query'
            ? (sql: string, params?: unknown[]) => {
                queries++;
                return target.query(sql, params);
              }
            : Reflect.get(target, prop, target),
      }) as typeof db;
      const feed = createFeed(counting, w.env.platform.sync.sealing);
      const head = await feed.head('vu-an');
      const first = await feed.changes('vu-an', 0, 100, head);
      expect(first.map((c) => c.key)).toContain('va-1');
      expect(first.find((c) => c.key === 'va-1')!.data).toMatchObject({ case_code: 'VA-1' });
      queries = 0;
      const again = await feed.changes('vu-an', 0, 100, head);
      expect(queries).toBe(1); // kept, it would cost none
      expect(again).toEqual(first);
    });

    it('R-4.7, R-11: a sealed record moved to another row does not open, and a sealed version cannot be replaced', async () => {
      await raw(
        "UPDATE records SET sealed = (SELECT sealed FROM records WHERE dataset_code = 'vu-an' AND record_key = 'va-2') WHERE dataset_code = 'vu-an' AND record_key = 'va-1'",
      );
      const rows = await w.env.platform.sync.records.readLiveMany([
        { dataset: 'vu-an', key: 'va-1' },
        { dataset: 'vu-an', key: 'va-2' },
      ]);
      const byKey = new Map(rows.map((r) => [r.key, r]));
      expect(String(byKey.get('va-1')!.error)).toMatch(/cannot be opened/);
      expect([byKey.get('va-1')!.data, byKey.get('va-2')!.data?.case_code]).toEqual([null, 'VA-2']);
      // Through the gateway, read together: the moved record fails alone, the other is served.
      const mat = w.clients['VPCP-MAT'];
      const [moved, other] = await Promise.allSettled([mat.getRecord('vu-an', 'va-1'), mat.getRecord('vu-an', 'va-2')]);
      expect(moved.status === 'rejected' && (moved.reason as { status: number }).status).toBe(500);
      expect(other.status === 'fulfilled' && other.value.data.data.case_code).toBe('VA-2');
      const res = await custodian('/records/va-1');
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('VA-2');
      // Put back from the immutable history (the same version: its ciphertext is bound to that row).
      await raw(
        "UPDATE records SET sealed = (SELECT sealed FROM record_versions WHERE dataset_code = 'vu-an' AND record_key = 'va-1' AND version = 1) WHERE dataset_code = 'vu-an' AND record_key = 'va-1'",
      );
      expect((await custodian('/records/va-1')).json().data).toEqual(caseRecord(1));
      await expect(raw("UPDATE record_versions SET sealed = '\\x00'::bytea WHERE dataset_code = 'vu-an' AND record_key = 'va-1'")).rejects.toThrow(/refused/);
      await expect(raw("UPDATE record_versions SET sealed = NULL, data = '{}' WHERE dataset_code = 'vu-an' AND record_key = 'va-1'")).rejects.toThrow(
        /refused/,
      );
    });

    it('R-11: KEK rotation re-wraps the data keys only — every record keeps its ciphertext — and reads go on, in this server and the next', async () => {
      const p = w.env.platform;
      const before = (await raw("SELECT kek_id, wrapped FROM dataset_keys WHERE dataset_code = 'vu-an'")).rows[0]!;
      const sealedBefore = await dump();
      const r = await p.sync.sealing.rotateKek();
      expect(r).toMatchObject({ from: before.kek_id, rewrapped: 1 });
      const after = (await raw("SELECT kek_id, wrapped FROM dataset_keys WHERE dataset_code = 'vu-an'")).rows[0]!;
      expect(after.kek_id).toBe(r.to);
      expect(Buffer.from(after.wrapped as Uint8Array).equals(Buffer.from(before.wrapped as Uint8Array))).toBe(false);
      expect(await dump()).toBe(sealedBefore);
      expect(fs.existsSync(`${p.config.kekFile}.${r.from}.retired`)).toBe(true);
      expect(fs.statSync(p.config.kekFile).mode & 0o777).toBe(0o600);
      expect((await w.clients['VPCP-MAT'].getRecord('vu-an', 'va-1')).data.data.case_code).toBe('VA-1');
      // A server started now holds the new KEK only through the file: its reads work too.
      const next = createSync(p.db, p.clock, p, fileKeyWrapper(p.config.kekFile));
      expect((await next.sealing.start()).kekId).toBe(r.to);
      expect((await next.records.readLiveMany([{ dataset: 'vu-an', key: 'va-3' }]))[0]!.data).toMatchObject({ defendants: 'Trần Thị Mật' });
    });

    it('R-11: a missing or wrong KEK stops the start with a clear message, and no secret record is written in clear', async () => {
      const p = w.env.platform;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-kek-'));
      const missing = createSync(p.db, p.clock, p, fileKeyWrapper(path.join(dir, 'kek.key')));
      await expect(missing.sealing.start()).rejects.toThrow(
        /KEK\) [0-9a-f]+ is missing: secret data cannot be opened; restore the key file \(LIENTHONG_KEK_FILE\)/,
      );
      expect(fs.existsSync(path.join(dir, 'kek.key'))).toBe(false); // not replaced by a new one
      fs.writeFileSync(path.join(dir, 'kek.key'), crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
      const wrong = createSync(p.db, p.clock, p, fileKeyWrapper(path.join(dir, 'kek.key')));
      await expect(wrong.sealing.start()).rejects.toThrow(/is not the KEK [0-9a-f]+ this database uses/);
      const count = async () => (await raw("SELECT count(*)::int AS n FROM record_versions WHERE dataset_code = 'vu-an'")).rows[0]!.n;
      const n = await count();
      await expect(wrong.records.writeAs('system:BNCTW-CSDL', 'vu-an', [{ key: 'va-9', data: caseRecord(9) }])).rejects.toThrow(/KEK/);
      expect(await count()).toBe(n);
      fs.chmodSync(path.join(dir, 'kek.key'), 0o644);
      await expect(createSync(p.db, p.clock, p, fileKeyWrapper(path.join(dir, 'kek.key'))).sealing.start()).rejects.toThrow(/readable by other users/);
    });

    it('R-4.7, R-11: the upgrade step seals secret records stored in clear before sealing existed, and they read the same', async () => {
      const p = w.env.platform;
      const data = { ...caseRecord(7), defendants: 'Phạm Văn Cũ' };
      // What the upgrade step finds: a secret record in clear, hashed in clear.
      await raw(
        `INSERT INTO record_versions (dataset_code, record_key, version, data, deleted, content_hash, written_by, producer_agency_code, written_at, position) VALUES ('vu-an', 'va-7', 1, $1, false, $2, 'cq.bnctw', 'BNCTW', now(), 900001)`,
        [JSON.stringify(data), contentHash(data)],
      );
      await raw(
        `INSERT INTO records (dataset_code, record_key, version, data, deleted, written_at, position) VALUES ('vu-an', 'va-7', 1, $1, false, now(), 900001)`,
        [JSON.stringify(data)],
      );
      expect(await dump()).toContain('Phạm Văn Cũ');
      // The next start seals them (and, embedded, rewrites the tables so the clear row images go).
      const restarted = createSync(p.db, p.clock, p, fileKeyWrapper(p.config.kekFile));
      expect((await restarted.sealing.start()).sealed).toBe(1);
      expect(await dump()).not.toContain('Phạm Văn Cũ');
      expect((await custodian('/records/va-7')).json().data).toEqual(data);
      expect((await custodian('/records/va-7/versions')).json()[0].content_hash).toBe(contentHash(data));
      expect(await p.sync.sealing.sealClear()).toBe(0);
    });
  });
}

describe("R-4.7, R-11: a copy of the embedded database's files (a stolen backup) holds no plaintext field value of secret data", () => {
  it('scans every file of the data directory for the values written', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-sealed-data-'));
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-sealed-keys-'));
    const p = await openPlatform(loadConfig({ LIENTHONG_DATA_DIR: dataDir, LIENTHONG_KEY_DIR: keyDir }));
    try {
      await p.sync.records.writeAs(
        'system:BNCTW-CSDL',
        'vu-an',
        [1, 2, 3].map((n) => ({ key: `va-${n}`, data: caseRecord(n) })),
      );
      await p.sync.records.writeAs('cq.btctw', 'can-bo-dang-vien', [{ key: 'dv-1', data: { ...member(1), full_name: 'Lê Văn Thường' } }]);
    } finally {
      await p.close();
    }
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const all = Buffer.concat(files(dataDir).map((f) => fs.readFileSync(f)));
    expect(all.includes(Buffer.from('Lê Văn Thường'))).toBe(true); // (normal data is in clear: the scan sees plaintext)
    for (const value of Object.values(caseRecord(2))) expect(all.includes(Buffer.from(value)), value).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(keyDir, { recursive: true, force: true });
  });
});

describe('R-11: the key wrapper is an interface an approved cryptographic product can implement', () => {
  it('a wrapped data key is bound to its context and to its KEK', async () => {
    const a = memoryKeyWrapper();
    const { kekId } = await a.createFirst();
    const dataKey = crypto.randomBytes(32);
    const wrapped = await a.wrap(kekId, dataKey, 'dataset-a');
    expect(Buffer.from(await a.unwrap(kekId, wrapped, 'dataset-a')).equals(dataKey)).toBe(true);
    await expect(a.unwrap(kekId, wrapped, 'dataset-b')).rejects.toThrow(/cannot be opened/);
    const b = memoryKeyWrapper();
    await b.createFirst();
    await expect(b.unwrap(kekId, wrapped, 'dataset-a')).rejects.toThrow(/not held/);
  });
});
