import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL, freshDatabase } from '../helpers/platform.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/lienthong.mjs');

/**
 * A TCP relay between `serve` and the PostgreSQL server: closed, the database is "down"
 * (connections refused); `cut()` ends every connection it carries, as a restart does. The shared
 * server itself is never stopped.
 */
function relay(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async reserve(): Promise<void> {
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
      port = (probe.address() as net.AddressInfo).port;
      await new Promise((r) => probe.close(r));
    },
    async open(): Promise<void> {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      if (server) await new Promise((r) => server!.close(r));
      server = null;
    },
  };
}

async function probe(url: string): Promise<{ status: number; type: string | null; retryAfter: string | null; body: string } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: await res.text() };
  } catch {
    return null; // (the listener is being handed over, or the process is gone: see `alive`)
  }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!TEST_PG_URL)('[postgres] serve while its database goes away', () => {
  const db = relay({
    host: new URL(TEST_PG_URL ?? 'postgres://x@127.0.0.1:5432').hostname,
    port: Number(new URL(TEST_PG_URL ?? 'postgres://x@127.0.0.1:5432').port || 5432),
  });
  let child: ChildProcess;
  let stderr = '';
  let stdout = '';
  let exitCode: number | null | undefined;
  let base = '';
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabase('postgres');
    await fresh.db.close();
    await db.reserve();
    const url = new URL(fresh.url!);
    url.hostname = '127.0.0.1';
    url.port = String(db.port);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-dbloss-'));
    child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL: url.toString(),
        LIENTHONG_DATA_DIR: dataDir,
        LIENTHONG_LOG_LEVEL: 'warn',
        PORT: '0',
        LIENTHONG_ADMIN_PASSWORD: 'mat-khau-lan-dau-2025',
      },
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => (exitCode = code));
    cleanup = async () => {
      child.kill('SIGKILL');
      await db.close();
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  });
  afterAll(() => cleanup());

  it('started with the database down: stays up, /healthz 200, /readyz and the API 503 problem+json with Retry-After', async () => {
    base = await until('the waiting message', async () => /(http:\/\/127\.0\.0\.1:\d+) trả lời 503/.exec(stdout)?.[1]);
    expect((await probe(`${base}/healthz`))?.status).toBe(200);
    for (const p of ['/readyz', '/api/v1/datasets', '/data/v1/to-chuc-dang/records/x']) {
      const res = await probe(`${base}${p}`);
      expect(res).toMatchObject({ status: 503, type: 'application/problem+json; charset=utf-8', retryAfter: '5' });
      expect(JSON.parse(res!.body)).toMatchObject({ title: 'Dịch vụ tạm thời không sẵn sàng', title_en: 'Service unavailable' });
    }
    expect(exitCode).toBeUndefined();
  });

  it('the database comes up: the same address becomes ready', async () => {
    await db.open();
    await until('/readyz 200', async () => (await probe(`${base}/readyz`))?.status === 200);
  });

  it('the database goes away again: 503 with Retry-After, no crash; back: ready again', async () => {
    await db.close(); // every connection cut, new ones refused
    const during = await until('a 503 while the database is away', async () => {
      const res = await probe(`${base}/readyz`);
      return res?.status === 503 && res;
    });
    expect(during.retryAfter).not.toBeNull();
    expect(during.type).toBe('application/problem+json; charset=utf-8');
    await new Promise((r) => setTimeout(r, 1_000)); // background jobs fail and back off meanwhile
    await db.open();
    await until('/readyz 200 after the return', async () => (await probe(`${base}/readyz`))?.status === 200, 30_000);
    expect(exitCode).toBeUndefined();
    expect(stderr).not.toMatch(/Unhandled|uncaught/i);
  });
});
