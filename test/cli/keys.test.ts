import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, freshDatabase } from '../helpers/platform.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/lienthong.mjs');

for (const driver of DRIVERS) {
  describe(`[${driver}] lienthong keys rotate-kek and the KEK at start (R-11)`, () => {
    let env: NodeJS.ProcessEnv;
    let dataDir: string;
    let cleanup: () => Promise<void>;
    const lt = (...args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 120_000 });
    const kekFile = () => path.join(dataDir, 'keys', 'sealing', 'kek.key');

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-cli-keys-'));
      env = { ...process.env, LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: '', LIENTHONG_LOG_LEVEL: 'warn', PORT: '0' };
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

    it('R-11: the first start creates the KEK (0600) outside the database; rotate-kek replaces it and keeps the old one retired', async () => {
      const r = JSON.parse((await lt('keys', 'rotate-kek', '--json')).stdout);
      expect(r).toMatchObject({
        from: expect.stringMatching(/^[0-9a-f]{32}$/),
        to: expect.stringMatching(/^[0-9a-f]{32}$/),
        rewrapped: 0,
        kek_file: kekFile(),
      });
      expect(r.to).not.toBe(r.from);
      expect(fs.statSync(kekFile()).mode & 0o777).toBe(0o600);
      expect(fs.existsSync(`${kekFile()}.${r.from}.retired`)).toBe(true);
      const again = await lt('keys', 'rotate-kek');
      expect(again.stdout).toMatch(new RegExp(`KEK ${r.to} → [0-9a-f]{32}: 0 khoá dữ liệu đã bọc lại / data keys re-wrapped`));
    });

    it('R-11: without its KEK the server does not start — a clear vi/en message, no stack, no new KEK made', async () => {
      fs.rmSync(path.dirname(kekFile()), { recursive: true });
      for (const cmd of [['serve'], ['keys', 'rotate-kek']]) {
        const err = await lt(...cmd).then(
          () => null,
          (e: { code: number; stderr: string }) => e,
        );
        expect(err?.code).toBe(1);
        expect(err?.stderr).toMatch(/Thiếu khoá mã hoá khoá \(KEK\) [0-9a-f]+.*the key-encryption key \(KEK\) [0-9a-f]+ is missing/);
        expect(err?.stderr).not.toMatch(/\n\s+at /);
      }
      expect(fs.existsSync(kekFile())).toBe(false);
    });
  });
}
