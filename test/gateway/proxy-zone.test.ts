/**
 * on the platform's own calls to a custodian's service: a call fetching secret data leaves
 * from the platform's address on the dedicated network, and is not made at all without one.
 * A real HTTP service on loopback; the source address is what its socket saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCryptoProvider } from '../../src/core/crypto.ts';
import { Problem } from '../../src/core/errors.ts';
import { createProxy } from '../../src/gateway/proxy.ts';
import type { ProxyService } from '../../src/gateway/upstreams.ts';

describe('calls to custodian services on the dedicated network (R-12.2)', () => {
  const peers: string[] = [];
  let server: http.Server;
  let svc: ProxyService;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      peers.push(req.socket.remoteAddress ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const at = new Date();
    svc = {
      dataset_code: 'vu-an',
      base_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      auth: 'none',
      timeout_ms: 5000,
      version: 1,
      created_at: at,
      updated_at: at,
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const proxy = (tslcdEgress: string | null) =>
    createProxy({ crypto: memoryCryptoProvider('EdDSA'), issuer: 'http://platform', maxResponseBytes: 1 << 20, now: () => new Date(), tslcdEgress });
  const call = (secret: boolean) => ({ method: 'GET', path: '/records', query: {}, consumerSystem: null, purpose: undefined, traceId: 't', secret });

  it("R-12.2: secret data is fetched from the platform's dedicated-network address; other data from the default one", async () => {
    const p = proxy('127.0.0.2');
    try {
      peers.length = 0;
      expect((await p.forward(svc, call(true))).status).toBe(200);
      expect((await p.forward(svc, call(false))).status).toBe(200);
      expect(peers).toEqual(['127.0.0.2', '127.0.0.1']);
    } finally {
      p.close();
    }
  });

  it('R-12.2: without an address on the dedicated network, no call fetching secret data is made', async () => {
    const p = proxy(null);
    try {
      peers.length = 0;
      const err = await p.forward(svc, call(true)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Problem);
      expect(err).toMatchObject({ status: 403, options: { rule: 'R-12.2' } });
      expect(peers).toEqual([]);
      expect((await p.forward(svc, call(false))).status).toBe(200);
      expect(peers).toEqual(['127.0.0.1']);
    } finally {
      p.close();
    }
  });
});
