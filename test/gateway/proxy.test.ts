import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamUrl } from '../../src/gateway/proxy.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, refused, startWorld } from './world.ts';

const award = (n: number) => ({
  award_id: `KT-${n}`,
  recipient_type: 'individual',
  recipient_name: `Trần Thị ${n}`,
  member_number: `01.10000${n}`,
  award_form: 'Huy hiệu 30 năm tuổi Đảng',
  decision_number: `${n}-QĐ/TW`,
  decision_date: '2026-02-03',
  issuing_body: 'Ban Bí thư',
  internal_note: 'không chia sẻ',
});

/** The custodian's own service (R-6.1b), a real HTTP server that checks the platform's JWT. */
function startUpstream(jwksUrl: () => string, now: () => Date) {
  const seen: { path: string; claims?: jose.JWTPayload; purpose?: string; body?: string }[] = [];
  let broken = false;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const entry: (typeof seen)[number] = { path: url.pathname + url.search, purpose: String(req.headers['lienthong-purpose']) };
    seen.push(entry);
    try {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      entry.claims = (
        await jose.jwtVerify(token ?? '', jose.createRemoteJWKSet(new URL(jwksUrl())), {
          audience: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          typ: 'lienthong-upstream+jwt',
          currentDate: now(),
        })
      ).payload;
    } catch {
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    entry.body = Buffer.concat(chunks).toString();
    const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (broken || url.pathname === '/broken') return json(500, { error: 'database down', award: award(9) });
    if (url.pathname === '/slow') return setTimeout(() => json(200, award(1)), 1500);
    if (url.pathname === '/records/KT-1') return json(200, award(1));
    if (url.pathname === '/records/KT-404') return json(404, { error: 'no such award', award: award(4) });
    if (url.pathname === '/records') return json(200, { items: [award(1), award(2)], next_cursor: 'abc', total_secret: 42 });
    if (url.pathname === '/search') return json(200, [award(Number(JSON.parse(entry.body).n))]);
    if (url.pathname === '/certificate.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from('%PDF-1.7 member 01.100001'));
    json(200, 'not a record');
  });
  return {
    seen,
    setBroken: (b: boolean) => (broken = b),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const driver of DRIVERS) {
  describe(`[${driver}] gateway proxy datasets: forward, shape, time out, break the circuit (R-6.1b, R-8.2)`, () => {
    let w: World;
    let upstream: ReturnType<typeof startUpstream>;
    let base: string;
    beforeAll(async () => {
      w = await startWorld(driver);
      upstream = startUpstream(
        () => `${w.internet}/.well-known/jwks.json`,
        () => w.env.clock.now(),
      ); // the platform's clock is the test's
      base = await upstream.listen();
      const set = await w.call('PUT', '/api/v1/datasets/khen-thuong/service', w.auth.custodian, {
        base_url: base,
        auth: 'platform_jwt',
        timeout_ms: 400,
        reason: 'Dịch vụ khen thưởng',
      });
      expect(set.statusCode, set.body).toBe(200);
    });
    afterAll(async () => {
      await upstream.close();
      await w.env.close();
    });
    const qlcb = () => w.clients['VPCP-QLCB'];

    it('R-4.1: only the custodian registers the service of its proxy dataset', async () => {
      const res = await w.call('PUT', '/api/v1/datasets/khen-thuong/service', w.auth.consumer, { base_url: base, auth: 'none' });
      expect([res.statusCode, res.json().rule]).toEqual([403, 'R-4.1']);
      // A hosted dataset's service is what its scheduled pulls read (R-6.1c); consumers' reads stay on the hosted store.
      const hosted = await w.call('PUT', '/api/v1/datasets/can-bo-dang-vien/service', w.auth.custodian, { base_url: base, auth: 'none' });
      expect(hosted.statusCode, hosted.body).toBe(200);
    });

    it('forwards a record read with a platform-signed JWT and the purpose, and shapes the JSON answer to the granted fields', async () => {
      const res = await qlcb().getRecord('khen-thuong', 'KT-1');
      expect(res.data).toEqual({ award_id: 'KT-1', recipient_name: 'Trần Thị 1', award_form: 'Huy hiệu 30 năm tuổi Đảng' });
      const call = upstream.seen.at(-1)!;
      expect(call.path).toBe('/records/KT-1');
      expect(call.purpose).toBe('to-chuc-can-bo');
      expect(call.claims).toMatchObject({ sub: 'VPCP-QLCB', dataset: 'khen-thuong', purpose: 'to-chuc-can-bo', iss: w.internet });
      const list = await qlcb().listRecords('khen-thuong', { limit: 2 });
      expect(list.data).toEqual({
        items: [award(1), award(2)].map((a) => ({ award_id: a.award_id, recipient_name: a.recipient_name, award_form: a.award_form })),
        next_cursor: 'abc',
      });
      expect(upstream.seen.at(-1)!.path).toBe('/records?limit=2');
    });

    it('POST bodies stream through to the service; answers are shaped the same way', async () => {
      const res = await qlcb().service('khen-thuong', 'search', { method: 'POST', body: { n: 3 } });
      expect(res.data).toEqual([{ award_id: 'KT-3', recipient_name: 'Trần Thị 3', award_form: 'Huy hiệu 30 năm tuổi Đảng' }]);
      expect(upstream.seen.at(-1)!.body).toBe('{"n":3}');
    });

    it('a path that climbs out of the registered service (.., %2e%2e) is refused, never forwarded', async () => {
      const token = await qlcb().accessToken();
      const calls = upstream.seen.length;
      for (const path of ['service/../../admin', 'service/%2e%2e/%2E%2E/admin', 'records/..']) {
        const res = await fetch(`${w.internet}/data/v1/khen-thuong/${path}`, {
          headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': 'to-chuc-can-bo' },
        });
        expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
      }
      expect(upstream.seen.length).toBe(calls);
      expect(upstreamUrl({ base_url: 'http://svc.example/api/kt' }, '/records/KT-1').href).toBe('http://svc.example/api/kt/records/KT-1');
      expect(() => upstreamUrl({ base_url: 'http://svc.example/api/kt' }, '/%2e%2e/x')).toThrow();
      expect(() => upstreamUrl({ base_url: 'http://svc.example/api/kt' }, '/../kt2/x')).toThrow();
    });

    it('R-8.2: an answer that cannot be shaped (not records, not JSON) is refused, not passed on', async () => {
      const notRecord = await refused(qlcb().service('khen-thuong', 'other'));
      expect([notRecord.status, notRecord.problem.rule]).toEqual([502, 'R-8.2']);
      const pdf = await refused(qlcb().service('khen-thuong', 'certificate.pdf'));
      expect([pdf.status, pdf.problem.rule]).toEqual([502, 'R-8.2']);
      expect(JSON.stringify(pdf.problem)).not.toContain('01.100001');
    });

    it("the service's own errors are not passed on; a slow service is 504, a failing one 502 — all logged", async () => {
      const nf = await refused(qlcb().getRecord('khen-thuong', 'KT-404'));
      expect(nf.status).toBe(404);
      expect(JSON.stringify(nf.problem)).not.toContain('01.100004');
      const slow = await refused(qlcb().service('khen-thuong', 'slow'));
      expect(slow.status).toBe(504);
      expect(slow.receipt).not.toBeNull();
      const broken = await refused(qlcb().service('khen-thuong', 'broken'));
      expect(broken.status).toBe(502);
      expect(JSON.stringify(broken.problem)).not.toContain('database down');
    });

    it('after repeated failures the circuit opens — calls are refused at once with Retry-After, the service is left alone', async () => {
      upstream.setBroken(true);
      for (let i = 0; i < 6; i++)
        await qlcb()
          .getRecord('khen-thuong', 'KT-1')
          .catch(() => undefined);
      const calls = upstream.seen.length;
      const open = await refused(qlcb().getRecord('khen-thuong', 'KT-1'));
      expect(open.status).toBe(502);
      expect(upstream.seen.length).toBe(calls);
      upstream.setBroken(false);
    });
  });
}
