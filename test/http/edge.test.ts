import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from the first byte sent to the answer's end */
  ms: number;
}

/**
 * One request on a raw socket (the edge cases no HTTP client will send): `chunks` are written in
 * order, and the answer is read until the server closes or its Content-Length is complete.
 * `from` picks the loopback source address, so the per-address bounds of one case do not spend
 * those of another.
 */
function raw(port: number, chunks: (string | Buffer)[], opts: { from?: string; keepOpenMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: opts.from ?? '127.0.0.1' });
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 30 s: ${data.toString('latin1').slice(0, 200)}`));
    }, 30_000);
    const done = () => {
      const text = data.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return false;
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = data.subarray(Buffer.byteLength(text.slice(0, split + 4)));
      if (headers['content-length'] !== undefined && body.length < Number(headers['content-length'])) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8'), ms: performance.now() - started });
      return true;
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      done();
    });
    socket.on('error', () => undefined); // (the server may close while we still write: the answer is what counts)
    socket.on('close', () => {
      if (!done()) {
        clearTimeout(timer);
        reject(new Error(`closed without an answer: ${data.toString('latin1').slice(0, 200)}`));
      }
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
  });
}

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const portOf = (url: string) => Number(new URL(url).port);

function expectProblem(res: RawResponse, status: number): Record<string, unknown> {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toBe(PROBLEM_TYPE);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, title: expect.any(String), title_en: expect.any(String) });
  return body;
}

/** Data-gateway refusals carry a signature and a receipt (they are in the sharing log). */
function expectSignedAndLogged(res: RawResponse): void {
  expect(res.headers['x-jws-signature']).toMatch(/^[\w-]+\.\.[\w-]+$/);
  expect(res.headers['lienthong-receipt']).toMatch(/^[0-9a-f-]{36}$/);
}

for (const driver of DRIVERS) {
  describe(`[${driver}] the edge: refusals before any body, bounded floods, parser errors as problems, valid text`, () => {
    let w: World;
    let port: number;
    let custodianToken: string;
    let consumerToken: string;
    beforeAll(async () => {
      w = await startWorld(driver, { LIENTHONG_HEADERS_TIMEOUT_SECONDS: '2', LIENTHONG_REQUEST_TIMEOUT_SECONDS: '3' });
      port = portOf(w.internet);
      custodianToken = await w.clients['BTCTW-CSDL'].accessToken();
      consumerToken = await w.clients['VPCP-QLCB'].accessToken();
    });
    afterAll(() => w.env.close());

    const batchHead = (auth: string | null, length: number, from = '') =>
      `POST /data/v1/can-bo-dang-vien/records:batch HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${auth ? `authorization: ${auth}\r\n` : ''}${from}\r\n`;
    const SIXTY_MB = 60 * 1024 * 1024;

    it('R-14.1: an unauthenticated 60 MB batch is refused on its headers (401, signed, logged); its body is never awaited', async () => {
      const res = await raw(port, [batchHead(null, SIXTY_MB), '{"records":['], { from: '127.0.0.11' });
      const body = expectProblem(res, 401);
      expect(body.rule).toBe('R-14.1');
      expectSignedAndLogged(res);
      expect(res.headers.connection).toBe('close');
    });

    it('R-4.1: a consumer system (not the custodian) is refused its 60 MB batch on the headers (403)', async () => {
      const res = await raw(port, [batchHead(`Bearer ${consumerToken}`, SIXTY_MB), '{"records":['], { from: '127.0.0.12' });
      expect(expectProblem(res, 403).rule).toBe('R-4.1');
      expectSignedAndLogged(res);
    });

    it('R-4.1: the admin API refuses an anonymous or non-custodian batch write before its body', async () => {
      const head = (auth: string) =>
        `POST /api/v1/datasets/can-bo-dang-vien/records HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${SIXTY_MB}\r\n${auth}\r\n`;
      expectProblem(await raw(port, [head(''), '{"records":['], { from: '127.0.0.13' }), 401);
      const consumer = await raw(port, [head(`authorization: ${w.auth.consumer}\r\n`), '{"records":['], { from: '127.0.0.13' });
      expect(expectProblem(consumer, 403).rule).toBe('R-4.1');
    });

    it('the custodian system writes as before once admitted (same route, body read)', async () => {
      const payload = JSON.stringify({ records: [{ key: 'dv-edge', data: member(7) }] });
      const res = await raw(port, [batchHead(`Bearer ${custodianToken}`, Buffer.byteLength(payload)), payload], { from: '127.0.0.14' });
      expect(res.status, res.body).toBe(200);
      expectSignedAndLogged(res);
    });

    it('a batch over LIENTHONG_BULK_BODY_LIMIT_BYTES (64 MiB) is 413 problem+json, refused from its Content-Length', async () => {
      const res = await raw(port, [batchHead(`Bearer ${custodianToken}`, 65 * 1024 * 1024)], { from: '127.0.0.14' });
      expectProblem(res, 413);
    });

    it('parser and router refusals on /data/v1 are problems, signed and logged: bad percent-encoding, 414, unrouted path, no Host, 431', async () => {
      const from = '127.0.0.15';
      const get = (target: string, extra = 'Host: x\r\n') => raw(port, [`GET ${target} HTTP/1.1\r\n${extra}\r\n`], { from });
      for (const [target, status] of [
        ['/data/v1/can-bo-dang-vien/records/%E0%A4%A', 400],
        [`/data/v1/can-bo-dang-vien/records/${'k'.repeat(300)}`, 414],
        ['/data/v1/can-bo-dang-vien/nothing/here', 404],
        ['/data/v1/can-bo-dang-vien/records/dv-1', 400], // (with no Host header, below)
      ] as const) {
        const res = status === 400 && !target.includes('%') ? await get(target, '') : await get(target);
        expectProblem(res, status);
        expectSignedAndLogged(res);
      }
      const big = await raw(port, [`GET /data/v1/can-bo-dang-vien/records/dv-1 HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`], { from });
      expect(expectProblem(big, 431).title_en).toBe('Request header fields too large');
      expectSignedAndLogged(big);
    });

    it('the same refusals outside /data/v1 are problems too (not signed: not exchanges)', async () => {
      const from = '127.0.0.16';
      expectProblem(await raw(port, ['GET /api/v1/datasets HTTP/1.1\r\n\r\n'], { from }), 400);
      expectProblem(await raw(port, [`GET /api/v1/datasets HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`], { from }), 431);
      expectProblem(await raw(port, [`GET /api/v1/datasets/${'d'.repeat(300)} HTTP/1.1\r\nHost: x\r\n\r\n`], { from }), 414);
      expectProblem(await raw(port, ['GARBAGE\r\n\r\n'], { from }), 400);
    });

    it('slow clients are cut: headers not complete in LIENTHONG_HEADERS_TIMEOUT_SECONDS, a body not complete in LIENTHONG_REQUEST_TIMEOUT_SECONDS → 408 problem', async () => {
      const slowHeaders = await raw(port, ['GET /api/v1/datasets HTTP/1.1\r\nHost: x\r\n'], { from: '127.0.0.17' });
      expectProblem(slowHeaders, 408);
      expect(slowHeaders.ms).toBeLessThan(15_000); // 2 s limit, checked every second (Node's default would be 60 s + 30 s)
      const slowBody = await raw(port, [batchHead(`Bearer ${custodianToken}`, 1000), '{"records":['], { from: '127.0.0.17' });
      expect(slowBody.status).toBe(408);
      expect(slowBody.ms).toBeLessThan(15_000);
    });

    it('a lone surrogate ("\\ud800") or bytes that are not UTF-8 in a body are refused with 400, and nothing is stored', async () => {
      const from = '127.0.0.18';
      const put = (body: Buffer) =>
        raw(
          port,
          [
            `PUT /data/v1/can-bo-dang-vien/records/dv-lone HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${custodianToken}\r\ncontent-length: ${body.length}\r\n\r\n`,
            body,
          ],
          { from },
        );
      const lone = JSON.stringify(member(8)).replace('"Nguyễn Văn 8"', '"Nguyễn \\ud800 8"');
      expect(lone).toContain('\\ud800');
      const refused = await put(Buffer.from(lone));
      expect(expectProblem(refused, 400)).toMatchObject({ title_en: 'Text is not valid Unicode', errors: [{ path: '/body/full_name' }] });
      expectSignedAndLogged(refused);
      expectProblem(await put(Buffer.concat([Buffer.from('{"full_name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), 400);
      const admin = await w.call('POST', '/api/v1/agencies', w.auth.admin, undefined, {});
      expect(admin.statusCode).toBe(400); // (no body at all: a plain validation problem, for contrast)
      const agency = await w.env.app.inject({
        method: 'POST',
        url: '/api/v1/agencies',
        headers: { authorization: w.auth.admin, 'content-type': 'application/json' },
        payload: '{"code":"X-LONE","name_vi":"\\udc00","name_en":"x","kind":"central"}',
      });
      expect(agency.statusCode).toBe(400);
      expect(agency.json()).toMatchObject({ type: expect.stringContaining('invalid-text'), errors: [{ path: '/body/name_vi' }] });
      expect((await w.call('GET', '/api/v1/datasets/can-bo-dang-vien/records/dv-lone', w.auth.custodian)).statusCode).toBe(404);
      expect((await w.call('GET', '/api/v1/agencies/X-LONE', w.auth.admin)).statusCode).toBe(404);
      // A surrogate pair (an emoji) is valid text and is kept as sent.
      const pair = await put(Buffer.from(JSON.stringify(member(9)).replace('"Nguyễn Văn 9"', '"Nguyễn \\ud83d\\ude00 9"')));
      expect(pair.status, pair.body).toBe(200);
    });

    it('R-17.2: a flood of requests without a valid identity is bounded per address (429 + Retry-After); the log grows by a bounded number of entries and records the rest in a summary', async () => {
      const db = w.env.platform.db;
      const count = async () =>
        Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_queue WHERE custodian_code = 'BTCTW'")).rows[0]!.n);
      await w.env.platform.gateway.flushSummaries();
      const before = await count();
      const statuses: Record<number, number> = {};
      let retryAfter: string | undefined;
      for (let i = 0; i < 200; i++) {
        const res = await raw(
          port,
          [`GET /data/v1/can-bo-dang-vien/records/dv-1 HTTP/1.1\r\nHost: x\r\nauthorization: Bearer x\r\nconnection: close\r\n\r\n`],
          { from: '127.0.0.19' },
        );
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 429) {
          retryAfter = res.headers['retry-after'];
          expect(res.headers['x-jws-signature']).toBeTruthy(); // signed, but counted rather than logged alone
          expect(res.headers['lienthong-receipt']).toBeUndefined();
        }
      }
      expect(statuses[401]).toBeGreaterThanOrEqual(10); // the burst, logged one by one
      expect(statuses[401]).toBeLessThan(60);
      expect(statuses[429]).toBe(200 - statuses[401]!);
      expect(retryAfter).toMatch(/^\d+$/);
      await w.env.platform.gateway.flushSummaries();
      // (the gateway's own 10-second flush may have written a part of the count already: summaries are summed)
      const rows = await db.query<{ leaf: Buffer }>("SELECT leaf FROM ledger_queue WHERE custodian_code = 'BTCTW' ORDER BY id DESC LIMIT 200");
      const summaries = rows.rows
        .map((r) => (JSON.parse(Buffer.from(r.leaf).toString('utf8')) as { request: { query: Record<string, string> } }).request.query)
        .filter((q) => q.summary === 'unidentified-refusals' && q.client_address === '127.0.0.19');
      expect(summaries.length).toBeGreaterThanOrEqual(1);
      expect(summaries.length).toBeLessThanOrEqual(2);
      expect(summaries.reduce((n, q) => n + Number(q.refusals), 0)).toBe(statuses[429]);
      expect(summaries.every((q) => /^401:\d+$/.test(q.statuses!))).toBe(true);
      expect((await count()) - before).toBe(statuses[401]! + summaries.length);
      // Another address is not affected by the first one's flood.
      expectProblem(
        await raw(port, ['GET /data/v1/can-bo-dang-vien/records/dv-1 HTTP/1.1\r\nHost: x\r\nauthorization: Bearer x\r\n\r\n'], { from: '127.0.0.20' }),
        401,
      );
    });

    it('the token endpoint: failed requests from one address are bounded (429 + Retry-After, before any credential is checked)', async () => {
      const token = (secret: string) =>
        raw(
          port,
          [
            `POST /oauth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-www-form-urlencoded\r\nconnection: close\r\ncontent-length: ${`grant_type=client_credentials&client_id=${w.accounts['VPCP-TK'].client_id}&client_secret=${secret}`.length}\r\n\r\ngrant_type=client_credentials&client_id=${w.accounts['VPCP-TK'].client_id}&client_secret=${secret}`,
          ],
          { from: '127.0.0.21' },
        );
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await token('sai')).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(20);
      const blocked = await token(w.accounts['VPCP-TK'].client_secret); // the right secret, while over the bound
      expect(expectProblem(blocked, 429).title_en).toBe('Too many requests');
      expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
    });
  });
}
