import http from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_LARGE, callUpstream } from '../../src/gateway/upstream-call.ts';

describe('callUpstream', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/large') return void res.end(Buffer.alloc(70_000, 'x'));
      if (req.url === '/echo') {
        const parts: Buffer[] = [];
        req
          .on('data', (c: Buffer) => parts.push(c))
          .on('end', () =>
            res.writeHead(201, { 'content-type': 'text/plain' }).end(`${req.method} ${req.headers['x-who']} ${Buffer.concat(parts).toString()}`),
          );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"a":1}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const opts = { method: 'GET', headers: {}, timeoutMs: 2000, maxBytes: 65_536 };

  it('returns the status, content type and whole body', async () => {
    expect(await callUpstream(new URL(`${base}/r?q=1`), opts)).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: Buffer.from('{"a":1}'),
    });
  });

  it('streams a request body through, with the given headers', async () => {
    const answer = await callUpstream(new URL(`${base}/echo`), {
      ...opts,
      method: 'POST',
      headers: { 'x-who': 'me' },
      body: Readable.from([Buffer.from('he'), Buffer.from('llo')]),
    });
    expect([answer.status, answer.contentType, answer.body.toString()]).toEqual([201, 'text/plain', 'POST me hello']);
  });

  it('refuses an answer larger than maxBytes', async () => {
    await expect(callUpstream(new URL(`${base}/large`), opts)).rejects.toMatchObject({ code: TOO_LARGE });
  });

  it('ends a call that takes longer than timeoutMs with a TimeoutError', async () => {
    const started = Date.now();
    await expect(callUpstream(new URL(`${base}/slow`), { ...opts, timeoutMs: 150 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('rejects when the service cannot be reached', async () => {
    await expect(callUpstream(new URL('http://127.0.0.1:1/x'), opts)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
