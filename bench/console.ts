/**
 * `npm run bench:console`: the console's weight and speed in Debian's Chromium, against a real
 * `lienthong serve` on a temporary embedded database (as the browser tests start it).
 *
 * 1. JavaScript the sign-in page loads, gzip. src/console/static.ts serves web/dist without
 *    compression, so the bytes on the wire are not gzip: each script the page loaded (Performance
 *    API resource entries) is fetched again and gzip-compressed here (zlib level 9, as a
 *    compressing proxy would). Both the gzip and the transferred sizes are written. Goal ≤ 300 KB.
 * 2. Dashboard interactive after sign-in: from the submit of the sign-in form (the one that carries
 *    the TOTP code) to the dashboard's figures rendered (a MutationObserver in the page marks the
 *    first `[data-testid="figure-datasets"] .ant-statistic-content-value`). Goal ≤ 1.5 s.
 *    Each round is a fresh browser context and a fresh official (a TOTP code is single-use).
 * Baseline in the same rounds: the public /notices page loaded from a fresh context (navigation
 * start to its heading rendered). Median of BENCH_CONSOLE_ROUNDS (default 5).
 * Writes its section of docs/BENCHMARKS.md between <!-- console:begin --> and <!-- console:end -->.
 */
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../src/registry/credentials.ts';
import { launchBrowser, startServer } from '../test/console/browser.ts';
import { writeSection } from './report.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 5);
const ADMIN_PASSWORD = 'mat-khau-quan-tri-bench-2026';
const ADMIN_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const WAIT = { timeout: 60_000 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (n: number) => (n / 1024).toFixed(1);

interface Official {
  username: string;
  password: string;
  secret: string;
}

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** One official per round, enrolled through the API with a code of the previous TOTP step. */
async function officials(base: string, n: number): Promise<Official[]> {
  const login = await json(`${base}/api/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP, new Date()) }),
  });
  const auth = { authorization: `Bearer ${login.token}` };
  const out: Official[] = [];
  for (let i = 1; i <= n; i++) {
    const username = `bench.${i}`;
    const invited = await json(`${base}/api/v1/users`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ username, full_name: `Cán bộ đo ${i}`, agency_code: 'VPCP', roles: ['consumer_admin'] }),
    });
    const token = new URL(invited.enrolment.url).pathname.replace(/^\/enrol\//, '');
    const view = await json(`${base}/api/v1/enrolments/${token}`);
    const password = `mat-khau-${username}-2026`;
    await json(`${base}/api/v1/enrolments/${token}`, {
      method: 'POST',
      body: JSON.stringify({ password, totp: totpCode(view.totp_secret, new Date(Date.now() - 30_000)) }),
    });
    out.push({ username, password, secret: view.totp_secret });
  }
  return out;
}

/** Scripts the page loaded: transferred bytes (encodedBodySize) and their gzip size. */
async function scriptWeight(page: Page): Promise<{ files: number; transferred: number; raw: number; gzip: number }> {
  const entries = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => e.initiatorType === 'script' || /\.m?js(\?|$)/.test(e.name))
      .map((e) => ({ url: e.name, encoded: e.encodedBodySize })),
  );
  let transferred = 0,
    raw = 0,
    gzip = 0;
  for (const e of entries) {
    const body = Buffer.from(await (await fetch(e.url)).arrayBuffer());
    transferred += e.encoded;
    raw += body.length;
    gzip += zlib.gzipSync(body, { level: 9 }).length;
  }
  return { files: entries.length, transferred, raw, gzip };
}

async function signInToDashboard(browser: Browser, base: string, who: Official): Promise<{ ms: number; weight?: Awaited<ReturnType<typeof scriptWeight>> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/signin`, { waitUntil: 'load' });
    await page.getByLabel('Tên đăng nhập').waitFor(WAIT);
    const weight = await scriptWeight(page);
    await page.getByLabel('Tên đăng nhập').fill(who.username);
    await page.getByLabel('Mật khẩu').fill(who.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const totp = page.getByLabel('Mã xác thực (6 số)');
    await totp.waitFor(WAIT);
    await totp.fill(totpCode(who.secret, new Date()));
    // Marks in the page itself: the submit, then the first figure's value in the DOM.
    // (A string, not a function: the TypeScript loader would wrap named functions in a helper the page lacks.)
    await page.evaluate(`
      window.__figures = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid="figure-datasets"] .ant-statistic-content-value')) {
            performance.mark('figures');
            observer.disconnect();
            resolve(performance.measure('dashboard', 'submit', 'figures').duration);
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
      document.querySelector('form').addEventListener('submit', () => performance.mark('submit'), { capture: true, once: true });
    `);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const ms = await page.evaluate(() => (window as unknown as { __figures: Promise<number> }).__figures);
    return { ms, weight };
  } finally {
    await context.close();
  }
}

async function noticesBaseline(browser: Browser, base: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/notices`, { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'Bảng thông báo công khai' }).waitFor(WAIT);
    return await page.evaluate(() => performance.now());
  } finally {
    await context.close();
  }
}

async function main() {
  const [server, browser] = await Promise.all([
    startServer({ LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD, LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP }),
    launchBrowser(),
  ]);
  try {
    const people = await officials(server.url, ROUNDS);
    // One unmeasured warm-up of each page (the server's first use of each route compiles it).
    await noticesBaseline(browser, server.url);
    const dash: number[] = [],
      base: number[] = [];
    let weight: Awaited<ReturnType<typeof scriptWeight>> | undefined;
    for (const who of people) {
      base.push(await noticesBaseline(browser, server.url));
      const r = await signInToDashboard(browser, server.url, who);
      dash.push(r.ms);
      weight ??= r.weight;
      console.log(`round: notices ${base.at(-1)!.toFixed(0)} ms, dashboard after sign-in ${r.ms.toFixed(0)} ms`);
    }
    const d = median(dash),
      b = median(base);
    const w = weight!;
    const load = os.loadavg()[0]!.toFixed(2);
    const section = [
      '<!-- console:begin -->',
      '## Console',
      '',
      `\`npm run bench:console\` (bench/console.ts), ${new Date().toISOString().slice(0, 16)} UTC, ${os.cpus().length} cores, load average ${load} at the end; Debian's Chromium headless against \`lienthong serve\` on a temporary embedded database; median of ${ROUNDS} rounds, each in a fresh browser context. Ratios are against the public /notices page loaded in a fresh context (navigation to its heading rendered) in the same rounds.`,
      '',
      '| what | measured | × /notices | goal |',
      '|---|--:|--:|---|',
      `| JavaScript of the sign-in page, gzip (${w.files} files) | ${kb(w.gzip)} KB | | ≤ 300 KB: ${w.gzip <= 300 * 1024 ? 'met' : '**not met**'} |`,
      `| the same, as the server transferred it (Performance API) / uncompressed | ${kb(w.transferred)} KB / ${kb(w.raw)} KB | | |`,
      `| dashboard interactive after sign-in (submit → figures rendered) | ${d.toFixed(0)} ms | ${(d / b).toFixed(1)}× | ≤ 1500 ms: ${d <= 1500 ? 'met' : '**not met**'} |`,
      `| baseline: /notices page, fresh context | ${b.toFixed(0)} ms | 1.0× | |`,
      '',
      'The server sends each script as the gzip copy the build made (level 9; src/console/static.ts, web/vite.config.ts), so',
      'what was transferred is the gzip figure; the gzip column is also recomputed from each script the page loaded',
      '(Performance API resource entries), fetched again and compressed. Rounds (dashboard ms): ' + dash.map((x) => x.toFixed(0)).join(', ') + '.',
      '<!-- console:end -->',
    ].join('\n');
    console.log(section);
    writeSection(path.join(ROOT, 'docs/BENCHMARKS.md'), 'console', section);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
