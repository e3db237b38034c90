import { type ChildProcess, execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/platform.ts';
import { DRIVERS, freshDatabase } from '../helpers/platform.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/lienthong.mjs');

for (const driver of DRIVERS) {
  describe(`[${driver}] lienthong CLI`, () => {
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    const lt = (...args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });

    beforeAll(async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-cli-'));
      env = { ...process.env, LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: '', LIENTHONG_LOG_LEVEL: 'warn' };
      let drop = async () => undefined as void;
      if (driver === 'postgres') {
        const fresh = await freshDatabase('postgres');
        await fresh.db.close();
        env.DATABASE_URL = fresh.url;
        drop = fresh.drop;
      }
      cleanup = async () => {
        await drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      };
    });
    afterAll(() => cleanup());

    it('every command has --help', async () => {
      for (const cmd of [
        [],
        ['serve'],
        ['migrate'],
        ['status'],
        ['admin'],
        ['admin', 'create-user'],
        ['codelist'],
        ['codelist', 'import'],
        ['ledger'],
        ['ledger', 'verify'],
        ['report'],
        ['report', 'verify'],
        ['calendar'],
        ['calendar', 'add'],
        ['keys'],
        ['keys', 'rotate-kek'],
        ['warehouse'],
        ['warehouse', 'export-parquet'],
      ]) {
        const { stdout } = await lt(...cmd, '--help');
        expect(stdout).toMatch(/Usage: lienthong/);
      }
    });

    it('status reports pending migrations before migrate; migrate is safe to run twice', async () => {
      await expect(lt('status')).rejects.toMatchObject({ code: 2 });
      const first = await lt('migrate');
      expect(first.stdout).toContain(`applied: ${MIGRATIONS.map((m) => m.id).join(', ')}`);
      const second = await lt('migrate');
      expect(second.stdout).toMatch(/up to date/);
      const status = JSON.parse((await lt('status', '--json')).stdout);
      expect(status).toMatchObject({ driver, migrations: { applied: MIGRATIONS.map((m) => m.id), pending: [] }, counts: { datasets: 61 } });
      expect(status.counts.agencies).toBeGreaterThanOrEqual(34 + 16);
      expect(JSON.parse((await lt('ledger', 'verify', '--json')).stdout)).toEqual([]); // no exchanges yet: nothing to verify, exit 0
    });

    it('R-7.3: warehouse export-parquet catches up with the feed and writes the tables with their manifest into a new directory, never secret data', async () => {
      const out = path.join(env.LIENTHONG_DATA_DIR!, 'parquet-export');
      const r = JSON.parse((await lt('warehouse', 'export-parquet', '--out', out, '--json')).stdout) as {
        directory: string;
        manifest_sha256: string;
        manifest: { datasets: { code: string; classification: string; rows: number }[]; files: unknown[] };
      };
      expect(r.directory).toBe(out);
      expect(
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(out, 'manifest.json')))
          .digest('hex'),
      ).toBe(r.manifest_sha256);
      // Nothing is hosted yet: every table that enters the warehouse is listed, with no row and no file.
      expect(r.manifest.datasets.length).toBeGreaterThan(0);
      expect(new Set(r.manifest.datasets.map((d) => d.classification))).toEqual(new Set(['normal', 'sensitive']));
      expect(r.manifest.files).toEqual([]);
      await expect(lt('warehouse', 'export-parquet', '--out', out)).rejects.toMatchObject({ code: 1 });
    });

    it('calendar add | working-days: Civil Code deadlines over the working-day calendar, Tết 2026 included (R-15.3)', async () => {
      // Tue 10/2/2026 + 4 working days: 11, 12, 13/2, then Tết (14–22/2) → Mon 23/2.
      const add = await lt('calendar', 'add', '2026-02-10', '4', '--json');
      expect(JSON.parse(add.stdout)).toMatchObject({ deadline: '2026-02-23' });
      const human = await lt('calendar', 'add', '2026-02-10', '4');
      expect(human.stdout).toContain('23/02/2026');
      const days = JSON.parse((await lt('calendar', 'working-days', '2026-02-12', '3', '--json')).stdout);
      expect(JSON.stringify(days)).toContain('2026-02-13');
      expect(JSON.stringify(days)).toContain('2026-02-24');
      await expect(lt('calendar', 'add', '2026-02-30', '4')).rejects.toMatchObject({ code: 1 });
    });

    it('admin create-user prints generated secrets once and refuses bad input with a vi/en message', async () => {
      const { stdout } = await lt(
        'admin',
        'create-user',
        '--username',
        'pd.ubkt',
        '--full-name',
        'Nguyễn Văn Duyệt',
        '--agency',
        'UBKTTW',
        '--role',
        'approver',
        '--role',
        'custodian_admin',
      );
      expect(stdout).toMatch(/created: pd\.ubkt \(UBKTTW; approver, custodian_admin\)/);
      expect(stdout).toMatch(/password: +\S{24}/);
      expect(stdout).toMatch(/otpauth:\/\/totp\//);
      const dup = lt('admin', 'create-user', '--username', 'pd.ubkt', '--full-name', 'X', '--agency', 'UBKTTW', '--role', 'custodian_admin');
      await expect(dup).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Lỗi: Xung đột dữ liệu[\s\S]*Error: Conflict/) });
      const badRole = lt('admin', 'create-user', '--username', 'x.y', '--full-name', 'X', '--agency', 'UBKTTW', '--role', 'king');
      await expect(badRole).rejects.toMatchObject({ code: 1 });
    });

    it('codelist export | diff | import: the diff first, publication only with confirmation', async () => {
      const file = path.join(env.LIENTHONG_DATA_DIR!, 'dan-toc.csv');
      await lt('codelist', 'export', 'dan-toc', '--out', file);
      const csv = fs.readFileSync(file, 'utf8');
      expect(csv.split('\n')[1]).toMatch(/^01,Kinh,/);
      fs.writeFileSync(file, csv.replace('\n01,Kinh,', '\n01,Kinh (Việt),'));
      expect((await lt('codelist', 'diff', 'dan-toc', '--file', file)).stdout).toMatch(/renamed: 1[\s\S]*01 +Kinh → Kinh \(Việt\)/);
      await expect(lt('codelist', 'import', 'dan-toc', '--file', file, '--effective-from', '2030-01-01')).rejects.toMatchObject({ code: 3 });
      const published = await lt('codelist', 'import', 'dan-toc', '--file', file, '--effective-from', '2030-01-01', '--legal-basis', 'Thử nghiệm', '--yes');
      expect(published.stdout).toMatch(/published dan-toc v2/);
      expect((await lt('codelist', 'export', 'dan-toc', '--on', '2030-01-01')).stdout).toMatch(/\n01,Kinh \(Việt\),/);
      expect((await lt('codelist', 'export', 'dan-toc', '--on', '2029-12-31')).stdout).toMatch(/\n01,Kinh,/);
    });

    let child: ChildProcess | undefined;
    afterAll(() => void child?.kill('SIGKILL')); // never leave a server behind if the test fails

    it('serve prints the URL and first-login instructions, serves, and stops cleanly on SIGTERM', async () => {
      child = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: '0', LIENTHONG_ADMIN_PASSWORD: 'mat-khau-lan-dau-2025' } });
      let out = '';
      const server = child;
      server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 50_000);
        server.stdout!.on('data', () => {
          const m = /Console: +(http:\/\/\S+?)\/\s/.exec(out);
          if (m && out.includes('/api/v1/auth/login')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      // A user already exists (created above), so no admin is created; first-login text says so.
      expect(out).toMatch(/sign in with an existing account/);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
}

for (const driver of DRIVERS) {
  describe(`[${driver}] lienthong serve on a fresh database`, () => {
    it('creates the first admin and prints the generated password, TOTP secret and otpauth URI once', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-first-'));
      const fresh = driver === 'postgres' ? await freshDatabase('postgres') : null;
      await fresh?.db.close();
      const env = {
        ...process.env,
        LIENTHONG_DATA_DIR: dataDir,
        DATABASE_URL: fresh?.url ?? '',
        LIENTHONG_LOG_LEVEL: 'warn',
        PORT: '0',
        LIENTHONG_ADMIN_PASSWORD: '',
        LIENTHONG_ADMIN_TOTP_SECRET: '',
      };
      const child = spawn(process.execPath, [BIN, 'serve'], { env });
      try {
        let out = '';
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no first-login text: ${out}`)), 50_000);
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('/api/v1/auth/login')) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        expect(out).toMatch(/username: admin \(coordinator, VPTW\)/);
        expect(out).toMatch(/password: +\S{24} +\(chỉ hiện một lần/);
        expect(out).toMatch(/TOTP secret: [A-Z2-7]{32}/);
        expect(out).toMatch(/otpauth:\/\/totp\/Lien%20Thong:admin\?/);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.on('exit', r));
        await fresh?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
