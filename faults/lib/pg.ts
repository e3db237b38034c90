/**
 * The suite's own PostgreSQL instance: a temporary cluster (initdb) on its own port and socket
 * directory, started, stopped and restarted by the suite. The shared server on 5432 is never
 * touched. initdb and postgres refuse to run as root: as root (CI) they run as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Suite } from './context.ts';

const run = promisify(execFile);

export interface OwnPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/<db> */
  url(db: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast` (waits until the server is gone). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start -w`: returns once the server accepts connections. */
  start(): Promise<void>;
  isUp(): Promise<boolean>;
  logTail(): string;
}

function binDir(): string {
  if (process.env.FAULTS_PG_BIN) return process.env.FAULTS_PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin (set FAULTS_PG_BIN)');
  return path.join(base, versions[0], 'bin');
}

/** A TCP port nobody listens on, from `from` upwards (fixed ports of the suite stay above 56000). */
export async function freePort(from = 56000 + Math.floor(Math.random() * 4000)): Promise<number> {
  for (let port = from; port < 65000; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

export async function startOwnPostgres(suite: Suite): Promise<OwnPostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new Error('running as root and there is no "postgres" user to run initdb/postgres as');
    });
    uid = Number(stdout.trim());
    gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lienthong-faults-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (asRoot) fs.chownSync(dir, uid, gid);
  suite.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));

  const exec = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort(56432);
  // Its own socket directory: nothing is shared with the machine's cluster.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=64MB`;
  const startPg = async () => void (await exec('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', logFile, '-o', opts]));
  const stopPg = async (mode: 'fast' | 'immediate' = 'fast') => void (await exec('pg_ctl', ['stop', '-w', '-t', '60', '-D', data, '-m', mode]));
  await startPg();
  suite.cleanups.push(() => stopPg('immediate').catch(() => undefined));
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  suite.log(`own PostgreSQL (${path.basename(path.dirname(bin))}) on port ${port}, data ${data}`);

  return {
    port,
    url,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    stop: stopPg,
    start: startPg,
    async isUp() {
      try {
        await exec('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return true;
      } catch {
        return false;
      }
    },
    logTail() {
      try {
        const t = fs.readFileSync(logFile, 'utf8');
        return t.slice(-2000);
      } catch {
        return '';
      }
    },
  };
}
