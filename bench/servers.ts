/**
 * Servers under test run as child processes: the load generator stays in the
 * parent, so it never shares an event loop with the server it measures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `node <flags> bin/lienthong.mjs serve` as `npm start` runs it: the flags are read from
 * package.json's "start" script, so the server measured is the server shipped.
 */
export function serveArgs(): string[] {
  return [...serveNodeFlags(), path.join(ROOT, 'bin', 'lienthong.mjs'), 'serve'];
}

/** The Node flags of package.json's `start` script (for processes that stand in for `serve`). */
export function serveNodeFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /^node((?:\s+--\S+)*)\s+bin\/lienthong\.mjs\s+serve$/.exec(start.trim());
  if (!m) throw new Error(`package.json "start" is not "node [--flags] bin/lienthong.mjs serve": ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

export interface RunningServer {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:39123 */
  url: string;
  /** Everything the child printed so far (stdout and stderr), for reports and errors. */
  output(): string;
  /** SIGTERM, then SIGKILL if the child has not exited within a few seconds. Safe to call twice. */
  stop(): Promise<void>;
  /** The child process itself (the fault suite kills it with SIGKILL and watches its exit). */
  child: ChildProcess;
}

export interface ServerSpec {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Matched against the child's stdout; group 1 is the port it listens on. */
  readyPattern: RegExp;
  startTimeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 5000;

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const child = spawn(process.execPath, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Always drain both pipes: a full pipe would block the child mid-benchmark.
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const server: RunningServer = { name: spec.name, url: '', output: () => out, stop: () => stopChild(child), child };
  try {
    const port = await waitForPort(child, spec, () => out);
    server.url = `http://127.0.0.1:${port}`;
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

function waitForPort(child: ChildProcess, spec: ServerSpec, output: () => string): Promise<number> {
  const timeoutMs = spec.startTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`${spec.name} did not start: ${why}\n--- its output ---\n${output()}`));
    };
    const onData = (): void => {
      const m = spec.readyPattern.exec(output());
      if (m) {
        cleanup();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited early (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`no "ready" line within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    // Registered after `keep` in startServer, so output() already holds this chunk.
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
