import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/lienthong.mjs');

function modes(dir: string): { path: string; mode: number }[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => ({ path: p, mode: fs.statSync(path.join(dir, p)).mode & 0o777 }));
}

/** Two processes on one PGlite directory lose data (each keeps its own view of the files): the second is refused. */
describe('[pglite] the embedded data directory beside a running server', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess;
  const lt = (...args: string[]) =>
    run(process.execPath, [BIN, ...args], { env, timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  function startServer(): Promise<string> {
    server = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: '0', LIENTHONG_ADMIN_PASSWORD: 'mat-khau-lan-dau-2025' } });
    let out = '';
    const child = server;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 90_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Console: +(http:\/\/\S+?)\/\s/.exec(out);
        if (m && out.includes('/api/v1/auth/login')) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
  }
  const stopped = (signal: NodeJS.Signals) => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill(signal);
    return exited;
  };

  beforeAll(async () => {
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lt-lock-')), 'data');
    env = { ...process.env, LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: '', LIENTHONG_LOG_LEVEL: 'warn' };
    await startServer();
  });
  afterAll(() => {
    server.kill('SIGKILL');
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('is private to the service user: the directory is 0700', () => {
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('a CLI command while the server holds it is refused at once (exit 75, vi/en message) and touches nothing', async () => {
    const before = fs.readdirSync(dataDir, { recursive: true }).length;
    for (const args of [
      ['status'],
      ['admin', 'create-user', '--username', 'hai', '--full-name', 'Người Thứ Hai', '--agency', 'BTCTW', '--role', 'custodian_admin'],
    ]) {
      const r = await lt(...args);
      expect(r.code, r.stderr).toBe(75);
      expect(r.stderr).toMatch(/đang được tiến trình \d+ sử dụng/);
      expect(r.stderr).toMatch(/is held by process \d+/);
    }
    expect(fs.readdirSync(dataDir, { recursive: true }).length).toBe(before);
    expect(server.exitCode).toBeNull(); // the server is still there
  });

  it('after the server stops, the CLI works, and every file is owner-only (0600)', async () => {
    await stopped('SIGTERM');
    const r = await lt('admin', 'create-user', '--username', 'hai', '--full-name', 'Người Thứ Hai', '--agency', 'BTCTW', '--role', 'custodian_admin');
    expect(r.code, r.stderr).toBe(0);
    const loose = modes(dataDir).filter((f) => (f.mode & 0o077) !== 0);
    expect(loose).toEqual([]);
  });

  it('a lock left by a server killed with SIGKILL is taken over (its process is gone)', async () => {
    await startServer();
    await stopped('SIGKILL');
    expect(fs.existsSync(path.join(dataDir, 'lienthong.lock'))).toBe(true);
    const r = await lt('status', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).counts.users).toBe(2);
  });
});
