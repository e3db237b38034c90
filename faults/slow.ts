/**
 * (e) Slow clients. 500 connections: 400 trickle their request headers one byte a second, 100 send
 * headers with `Content-Length: 100000` and trickle the body one byte a second; a connection the
 * server cuts is reopened (an attacker keeps its count). Meanwhile a probe sends `GET /healthz`
 * every 20 ms on its own keep-alive connection and times each answer. Wanted: probe p99 ≤ 50 ms.
 * Also recorded: how long the server lets a slow connection live, and what it answers it.
 */
import net from 'node:net';
import { Client } from 'undici';
import { type Suite, fmt, percentile, sleep, tail } from './lib/context.ts';
import { countBy, summary } from './lib/load.ts';
import type { OwnPostgres } from './lib/pg.ts';
import { alive, platformEnv, startPlatform } from './lib/platform.ts';

const S = 'slow clients';
const P99_GOAL_MS = 50;

interface Probe {
  latencies: number[];
  errors: string[];
  connected: number[];
}

async function probe(origin: string, ms: number, connected: () => number): Promise<Probe> {
  const client = new Client(origin, { headersTimeout: 5000, bodyTimeout: 5000 });
  const out: Probe = { latencies: [], errors: [], connected: [] };
  const end = Date.now() + ms;
  let next = Date.now();
  while (Date.now() < end) {
    const t0 = performance.now();
    try {
      const res = await client.request({ method: 'GET', path: '/healthz' });
      await res.body.text();
      if (res.statusCode !== 200) out.errors.push(`status ${res.statusCode}`);
      else out.latencies.push(performance.now() - t0);
    } catch (err) {
      out.errors.push((err as { code?: string }).code ?? String(err));
    }
    out.connected.push(connected());
    next += 20;
    await sleep(Math.max(0, next - Date.now()));
  }
  await client.close().catch(() => undefined);
  return out;
}

export async function slowScenario(suite: Suite, own: OwnPostgres): Promise<void> {
  const total = 500;
  const bodies = 100;
  const durationMs = suite.mode === 'full' ? 30_000 : 10_000;
  const dbUrl = await own.createDatabase('faults_slow');
  const server = await startPlatform(suite, 'platform (slow clients)', platformEnv(suite, dbUrl));
  const u = new URL(server.url);
  const baseline = await probe(server.url, 3000, () => 0);

  let running = true;
  let open = 0;
  const lifetimes: number[] = [];
  const answers: string[] = [];
  const sockets = new Set<net.Socket>();
  const connect = (withBody: boolean): void => {
    if (!running) return;
    const opened = Date.now();
    const sock = net.connect(Number(u.port), u.hostname);
    sockets.add(sock);
    let timer: NodeJS.Timeout | undefined;
    let gotAnswer = false;
    sock.on('connect', () => {
      open++;
      sock.write(
        withBody
          ? `POST /api/v1/auth/login HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`
          : `GET /healthz HTTP/1.1\r\nHost: ${u.host}\r\nX-Slow: `,
      );
      const tick = () => {
        if (!sock.destroyed) sock.write(withBody ? ' ' : 'a');
        timer = setTimeout(tick, 1000);
      };
      timer = setTimeout(tick, Math.random() * 1000);
    });
    sock.on('data', (d: Buffer) => {
      if (!gotAnswer) answers.push(/^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 'other');
      gotAnswer = true;
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      sockets.delete(sock);
      if (open > 0 && running) lifetimes.push(Date.now() - opened);
      open = Math.max(0, open - 1);
      // An attacker reconnects at once.
      if (running) setTimeout(() => connect(withBody), 100);
    });
  };
  for (let i = 0; i < total; i++) {
    connect(i < bodies);
    if (i % 50 === 49) await sleep(50);
  }
  await sleep(1500);
  const during = await probe(server.url, durationMs, () => open);
  running = false;
  for (const s of sockets) s.destroy();

  const p = (xs: number[], q: number) => fmt(percentile(xs, q));
  suite.check(
    S,
    'slow connections held open (min / median during the probe)',
    `${fmt(Math.min(...during.connected))} / ${p(during.connected, 50)}`,
    `${total}`,
    null,
  );
  suite.check(
    S,
    'health probe before, p50 / p99 / max',
    `${p(baseline.latencies, 50)} / ${p(baseline.latencies, 99)} / ${fmt(Math.max(...baseline.latencies))} ms`,
    '',
    null,
  );
  const p99 = percentile(during.latencies, 99);
  suite.check(
    S,
    `health probe with ${total} slow clients, p50 / p99 / max`,
    `${p(during.latencies, 50)} / ${fmt(p99)} / ${fmt(Math.max(...during.latencies))} ms (${fmt(during.latencies.length)} probes)`,
    `p99 ≤ ${P99_GOAL_MS} ms`,
    p99 <= P99_GOAL_MS,
  );
  suite.check(
    S,
    'health probe failures',
    `${during.errors.length}${during.errors.length ? ` (${summary(countBy(during.errors, (e) => e))})` : ''}`,
    '0',
    during.errors.length === 0,
  );
  suite.check(
    S,
    'slow connections cut by the server',
    lifetimes.length
      ? `${fmt(lifetimes.length)}, after p50 ${fmt(percentile(lifetimes, 50) / 1000)} s / max ${fmt(Math.max(...lifetimes) / 1000)} s; answers ${summary(countBy(answers, (a) => a))}`
      : `none within ${fmt(durationMs / 1000 + 1.5)} s`,
    '',
    null,
  );
  suite.check(
    S,
    'server still running',
    alive(server) ? 'yes' : `no (code ${server.child.exitCode})`,
    'yes',
    alive(server),
    alive(server) ? undefined : tail(server.output()),
  );
  await server.stop();
}
