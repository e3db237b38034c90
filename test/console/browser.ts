/**
 * Browser tests of the console: playwright-core driving Debian's Chromium (/usr/bin/chromium,
 * `apt-get install -y chromium`; never a browser downloaded by Playwright), against a real
 * `lienthong serve` child process on a temporary embedded database, which serves web/dist.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { afterEach, expect } from 'vitest';
import { freePort } from '../accounts/fixtures.ts';
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';

const CHROMIUM = process.env.LIENTHONG_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL_HINT = 'install Chromium: apt-get install -y chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/lienthong.mjs');
const SCREENSHOTS = path.join(ROOT, 'docs/console');

/**
 * Whether the browser tests are skipped: only when Chromium is missing and
 * LIENTHONG_SKIP_BROWSER=1 says so (the reason is printed). Missing without it, they fail.
 */
export function skipBrowser(): boolean {
  if (fs.existsSync(CHROMIUM)) return false;
  if (process.env.LIENTHONG_SKIP_BROWSER === '1') {
    console.warn(`console browser tests skipped (LIENTHONG_SKIP_BROWSER=1): ${CHROMIUM} is missing — ${INSTALL_HINT}`);
    return true;
  }
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing — ${INSTALL_HINT} (or set LIENTHONG_SKIP_BROWSER=1 to skip the browser tests)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
}

export interface ConsoleServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `lienthong serve` on a fresh embedded database in a temporary folder, on a free port. */
export async function startServer(env: Record<string, string>): Promise<ConsoleServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-console-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      LIENTHONG_LISTEN: '',
      HOST: '127.0.0.1',
      PORT: '0',
      LIENTHONG_DATA_DIR: dataDir,
      LIENTHONG_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server printed no URL in 90 s:\n${out}`)), 90_000);
      child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
      child.stdout!.on('data', () => {
        const m = /Console: +(http:\/\/\S+?)\/\s/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    // The console is served by the platform itself (src/console/): its page, not the API's landing page.
    const page = await fetch(`${url}/signin`, { headers: { accept: 'text/html' } }).then(
      (r) => r.text(),
      () => '',
    );
    if (!page.includes('id="root"')) {
      throw new Error(`${url}/signin is not the console: the server must serve web/dist (src/console/) — is web/dist built (npm run build:web)?`);
    }
    return { url, output: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A page that records what the CSP refused and the page's uncaught errors. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}

/**
 * When a test fails, prints what each open page showed: its address, its open dialogs and its
 * alerts. CI keeps no screenshots, and a timeout alone does not say why a form did not go on.
 * Registered here, on import, so that every browser test file has it.
 */
const openPages = new Set<Page>();
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const p of openPages) {
    if (p.isClosed()) continue;
    const texts = async (selector: string) =>
      (
        await p
          .locator(selector)
          .allTextContents()
          .catch(() => [])
      ).map((t) => t.slice(0, 500));
    console.error(
      `page at failure: ${p.url()}\n dialogs: ${JSON.stringify(await texts('.ant-modal'))}\n alerts: ${JSON.stringify(await texts('[role="alert"], .ant-form-item-explain'))}`,
    );
  }
});

/** axe-core's serious and critical violations (WCAG 2 A/AA), one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Contrast is judged on what is drawn: a dialog fading out (opacity < 1) would fail it mid-way.
  // Wait until no CSS animation or transition runs (on a loaded machine they take longer).
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), undefined, { timeout: 20_000 }).catch(() => undefined);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

/** A full-page screenshot in docs/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

const PICKER_WAIT = { timeout: 30_000 };

/**
 * Types a date (and time) into the antd picker whose input has `id` and confirms with Enter; a held
 * value is cleared first with the picker's clear button. Tried again (three times at most) when the
 * picker did not take the value, as happens on a loaded machine.
 */
export async function pickDateTime(page: Page, id: string, value: string): Promise<void> {
  const input = page.locator(`#${id}`);
  const picker = page.locator('.ant-picker', { has: input });
  for (let attempt = 1; ; attempt++) {
    if (await input.inputValue()) {
      await picker.hover();
      await picker.locator('.ant-picker-clear').click();
      await expect.poll(() => input.inputValue(), PICKER_WAIT).toBe('');
    }
    await input.click();
    await page.locator('.ant-picker-dropdown:not(.ant-picker-dropdown-hidden)').first().waitFor(PICKER_WAIT);
    await input.fill(value);
    await input.press('Enter');
    try {
      await expect.poll(() => input.inputValue(), { timeout: 5_000 }).toBe(value);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/**
 * Opens an antd select by its label and picks the option that shows `option`, among the options
 * visible now: the list of another select, still closing, holds an option of the same text. Under
 * load a list can close before the click lands; it is then opened again. `within.scope` narrows
 * where the label is looked for; `within.search` is typed into the select first.
 */
export async function chooseOption(page: Page, label: string, option: string, within: { scope?: Page | Locator; search?: string } = {}): Promise<void> {
  const select = (within.scope ?? page).getByLabel(label, { exact: true });
  await expect
    .poll(
      async () => {
        if (!(await page.locator('.ant-select-item-option:visible', { hasText: option }).count())) {
          await select.click();
          if (within.search) await select.fill(within.search);
        }
        await page
          .locator('.ant-select-item-option:visible', { hasText: option })
          .first()
          .click({ timeout: 5_000 })
          .catch(() => undefined);
        return (await select.locator('xpath=ancestor::div[contains(@class, "ant-select")][1]').textContent()) ?? '';
      },
      { timeout: 60_000, interval: 500 },
    )
    .toContain(option);
}

/**
 * Signs in through the form as an official does: name and password, then the TOTP code that
 * `code` gives once the form asks for it (a step not yet used: each code is single-use), and
 * waits for the overview.
 */
export async function signInThroughForm(
  page: Page,
  url: string,
  who: { username: string; password: string },
  code: () => string | Promise<string>,
): Promise<void> {
  const wait = { timeout: 30_000 };
  await page.goto(`${url}/signin`);
  await page.getByLabel('Tên đăng nhập').fill(who.username);
  await page.getByLabel('Mật khẩu').fill(who.password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  const totp = page.getByLabel('Mã xác thực (6 số)');
  await totp.waitFor(wait);
  await totp.fill(await code());
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { name: 'Tổng quan', level: 1 }).waitFor(wait);
}

/**
 * A server on a free port whose public URL is that address (links in the inbox and enrolment
 * point at it), and the browser, started together.
 */
export async function startServerAndBrowser(env: Record<string, string>): Promise<[ConsoleServer, Browser]> {
  const port = await freePort();
  const [server, browser] = await Promise.allSettled([
    startServer({ ...env, PORT: String(port), LIENTHONG_PUBLIC_URL: `http://127.0.0.1:${port}` }),
    launchBrowser(),
  ]);
  if (server.status === 'fulfilled' && browser.status === 'fulfilled') return [server.value, browser.value];
  // One of the two failed: the other must not outlive the test file (a server left running holds a port and a core).
  if (server.status === 'fulfilled') await server.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw server.status === 'rejected' ? server.reason : (browser as PromiseRejectedResult).reason;
}
