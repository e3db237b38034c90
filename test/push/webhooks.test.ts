import crypto from 'node:crypto';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/client/index.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { caseRecord, member } from '../gateway/world.ts';
import { type Receiver, startReceiver, until } from './receiver.ts';
import { ds, startPushWorld } from './world.ts';

type PushWorld = Awaited<ReturnType<typeof startPushWorld>>;

/** What VPCP-QLCB is granted of can-bo-dang-vien (gateway/world.ts); citizen_id leaves masked (last4), nothing else. */
const GRANTED = ['member_number', 'full_name', 'date_of_birth', 'province_code'];
const HOUR = 3600_000;

/** The Ed25519 public key from its Standard Webhooks form, by hand: SPKI = fixed DER prefix + the 32 raw bytes. */
const spkiOf = (whpk: string) =>
  crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(whpk.slice(5), 'base64')]),
    format: 'der',
    type: 'spki',
  });

for (const driver of DRIVERS) {
  describe(`[${driver}] push subscriptions by webhook (R-4.3, R-6.1c, R-17.2)`, () => {
    let w: PushWorld;
    const receivers: Receiver[] = [];
    const receiver = async (...a: Parameters<typeof startReceiver>) => {
      const r = await startReceiver(...a);
      receivers.push(r);
      return r;
    };
    beforeAll(async () => {
      w = await startPushWorld(driver);
    });
    afterAll(async () => {
      w.stopWork();
      await w.env.close();
      for (const r of receivers) await r.close();
    });

    it('R-17.2, R-8.2: a change arrives as a signed CloudEvent, shaped and masked like a feed read, logged with its receipt before it is sent', async () => {
      const r = await receiver();
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
      await w.write('push-1', member(1, { province_code: '01' }));
      await until(() => r.events().length === 1, 'the first event');
      const d = r.deliveries[0]!;
      expect(d.headers['content-type']).toBe('application/cloudevents+json');
      const event = r.events()[0]!;
      expect(event).toMatchObject({ specversion: '1.0', type: 'vn.lienthong.record.upserted', subject: 'push-1', datacontenttype: 'application/json' });
      expect(event.id).toMatch(new RegExp(`^${ds}:\\d+$`));
      expect(d.headers['webhook-id']).toBe(event.id);
      expect(event.source).toBe(`${w.internet}/data/v1/${ds}`);
      // Shaped exactly like the feed: granted fields whole, citizen_id masked, nothing else.
      const data = (event.data as { data: Record<string, unknown> }).data;
      expect(Object.keys(data).sort()).toEqual(['citizen_id', ...GRANTED].sort());
      expect(data.citizen_id).toBe('********0001');
      const text = d.body.toString('utf8');
      for (const leaked of ['001085000001', 'DB-0', '2010-05-19']) expect(text.includes(leaked), `${leaked} leaked`).toBe(false);

      // Signed as Standard Webhooks (v1a, Ed25519) — checked here with node:crypto by hand, and with the SDK.
      const keys = (await w.env.app.inject({ method: 'GET', url: '/.well-known/webhook-keys.json' })).json() as {
        keys: { kty: string; crv: string; x: string }[];
        standard_webhooks: string[];
      };
      const input = Buffer.concat([Buffer.from(`${String(d.headers['webhook-id'])}.${String(d.headers['webhook-timestamp'])}.`), d.body]);
      const sigs = String(d.headers['webhook-signature']).split(' ');
      expect(sigs.every((s) => s.startsWith('v1a,'))).toBe(true);
      expect(sigs.some((s) => keys.standard_webhooks.some((k) => crypto.verify(null, input, spkiOf(k), Buffer.from(s.slice(4), 'base64'))))).toBe(true);
      const tampered = Buffer.from(input);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 1, tampered.length - 2);
      expect(crypto.verify(null, tampered, spkiOf(keys.standard_webhooks[0]!), Buffer.from(sigs[0]!.slice(4), 'base64'))).toBe(false);
      const now = w.env.clock.now();
      expect(verifyWebhook(d.headers, d.body, keys, { now }).id).toBe(event.id);
      expect(verifyWebhook(d.headers, d.body, keys.standard_webhooks, { now }).id).toBe(event.id);
      expect(() => verifyWebhook(d.headers, Buffer.concat([d.body, Buffer.from(' ')]), keys, { now })).toThrow(/signature/);
      expect(() => verifyWebhook(d.headers, d.body, keys, { now: new Date(now.getTime() + 3_600_000) })).toThrow(/timestamp/);

      // the delivery is an entry of the custodian's sharing log; its receipt names the bytes sent.
      const receipt = String(d.headers['lienthong-receipt']);
      const entry = await w.official('admin', 'GET', `/api/v1/ledger/receipts/${receipt}`);
      expect(entry.statusCode, entry.body).toBe(200);
      expect(JSON.stringify(entry.json())).toContain(crypto.createHash('sha256').update(d.body).digest('hex'));
      expect(JSON.stringify(entry.json())).toContain('"push"');

      // The status is written once the receiver's answer is in.
      await until(async () => (await w.status('VPCP-QLCB', sub.id)).status.sent_count === 1, 'the status');
      expect(await w.status('VPCP-QLCB', sub.id)).toMatchObject({ state: 'active', status: { sent_count: 1, consecutive_failures: 0 } });
      await w.unsubscribe('VPCP-QLCB', sub.id);
    });

    it('R-8.2: batched mode, a filter and a field selection within the grant; an ungranted filter or field is refused', async () => {
      const r = await receiver();
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url, batch_max: 50, filter: { province_code: '79' }, fields: ['member_number', 'province_code'] });
      for (let i = 0; i < 6; i++) await w.write(`push-b${i}`, member(1 + i, { province_code: i % 2 ? '79' : '01' }));
      await until(() => r.events().length === 3, 'three matching events');
      expect(r.deliveries.every((d) => d.headers['content-type'] === 'application/cloudevents-batch+json')).toBe(true);
      const events = r.events();
      expect(events.map((e) => e.subject)).toEqual(['push-b1', 'push-b3', 'push-b5']);
      for (const e of events) expect(Object.keys((e.data as { data: object }).data).sort()).toEqual(['citizen_id', 'member_number', 'province_code']);
      await w.unsubscribe('VPCP-QLCB', sub.id);

      for (const body of [
        { url: r.url, filter: { gender: '1' } },
        { url: r.url, fields: ['gender'] },
      ]) {
        const res = await w.consumerCall('VPCP-QLCB', 'POST', `/data/v1/${ds}/subscriptions`, body);
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().rule).toBe('R-8.2');
      }
    });

    it('a receiver that fails then recovers gets everything, in order, with exponential backoff between tries', async () => {
      const r = await receiver((n) => ({ status: n < 3 ? 500 : 204 }));
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
      await w.write('push-f1', member(2));
      await w.write('push-f2', member(3));
      await until(() => r.deliveries.length >= 1, 'a first try');
      await until(async () => (await w.status('VPCP-QLCB', sub.id)).status.consecutive_failures >= 1, 'the failure recorded');
      const failing = await w.status('VPCP-QLCB', sub.id);
      expect(failing.status.last_failure_reason).toMatch(/500/);
      expect(new Date(failing.status.next_attempt_at!).getTime()).toBeGreaterThanOrEqual(w.env.clock.now().getTime());
      // The backoff clock is the platform's: moved forward, the retries come.
      await until(() => {
        w.env.clock.advance(HOUR);
        return r.events().length === 2;
      }, 'recovery');
      expect(r.events().map((e) => e.subject)).toEqual(['push-f1', 'push-f2']);
      await until(async () => (await w.status('VPCP-QLCB', sub.id)).status.sent_count === 2, 'the status');
      expect((await w.status('VPCP-QLCB', sub.id)).status.consecutive_failures).toBe(0);
      await w.unsubscribe('VPCP-QLCB', sub.id);
    });

    it('R-8.2: subscriptions of two shapes sent the same changes at once each get their own shape', async () => {
      const [narrow, wide] = [await receiver(), await receiver()];
      const a = await w.subscribe('VPCP-QLCB', { url: narrow.url, batch_max: 10, fields: ['member_number'] });
      const b = await w.subscribe('VPCP-QLCB', { url: wide.url, batch_max: 10 });
      for (let i = 0; i < 4; i++) await w.write(`push-two${i}`, member(1 + i, { province_code: '79' }));
      await until(
        () =>
          narrow.events().filter((e) => String(e.subject).startsWith('push-two')).length === 4 &&
          wide.events().filter((e) => String(e.subject).startsWith('push-two')).length === 4,
        'both',
      );
      const data = (r: typeof narrow) =>
        r
          .events()
          .filter((e) => String(e.subject).startsWith('push-two'))
          .map((e) => (e.data as { data: Record<string, unknown> }).data);
      // The masked personal field comes with every shape; the narrow one has nothing else granted.
      for (const d of data(narrow)) expect(Object.keys(d).sort()).toEqual(['citizen_id', 'member_number']);
      for (const d of data(wide)) expect(d).toMatchObject({ full_name: expect.any(String), province_code: '79' });
      await w.unsubscribe('VPCP-QLCB', a.id);
      await w.unsubscribe('VPCP-QLCB', b.id);
    });

    it('a receiver that does not answer in time is a failure (timeout), tried again later', async () => {
      const r = await receiver((n) => (n === 0 ? 'hold' : { status: 204 }));
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
      await w.write('push-t1', member(4));
      await until(async () => /timeout/.test((await w.status('VPCP-QLCB', sub.id)).status.last_failure_reason ?? ''), 'a timeout recorded', 45_000);
      r.releaseHeld();
      await until(() => {
        w.env.clock.advance(HOUR);
        return r.events().some((e) => e.subject === 'push-t1');
      }, 'the retry');
      await w.unsubscribe('VPCP-QLCB', sub.id);
    });

    it('429 with Retry-After is honoured; 410 Gone disables the subscription with its reason', async () => {
      const r = await receiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 204 }));
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
      const before = w.env.clock.now().getTime();
      await w.write('push-r1', member(5));
      await until(async () => (await w.status('VPCP-QLCB', sub.id)).status.consecutive_failures === 1, '429 recorded');
      const st = await w.status('VPCP-QLCB', sub.id);
      expect(st.status.last_failure_reason).toMatch(/429/);
      expect(new Date(st.status.next_attempt_at!).getTime() - before).toBe(120_000);
      w.env.clock.advance(119_000);
      await new Promise((res) => setTimeout(res, 300));
      expect(r.deliveries.length).toBe(1); // not before Retry-After
      w.env.clock.advance(1_000);
      await until(() => r.events().length === 1, 'delivered after Retry-After');
      await w.unsubscribe('VPCP-QLCB', sub.id);

      const gone = await receiver(() => ({ status: 410 }));
      const sub2 = await w.subscribe('VPCP-QLCB', { url: gone.url });
      await w.write('push-g1', member(6));
      await until(async () => (await w.status('VPCP-QLCB', sub2.id)).state === 'disabled', 'disabled by 410');
      const st2 = await w.status('VPCP-QLCB', sub2.id);
      expect(st2.state_reason).toMatch(/410/);
      expect(st2.status.next_attempt_at).toBeNull();
      await w.write('push-g2', member(7));
      w.env.clock.advance(HOUR);
      await new Promise((res) => setTimeout(res, 300));
      expect(gone.deliveries.length).toBe(1);
      // The custodian's officials read it too, with its reason.
      const seen = await w.official('cq.btctw', 'GET', `/api/v1/subscriptions/${sub2.id}`);
      expect(seen.statusCode, seen.body).toBe(200);
      expect(seen.json()).toMatchObject({ state: 'disabled', system: 'VPCP-QLCB' });
      const other = await w.official('cq.bnctw', 'GET', `/api/v1/subscriptions/${sub2.id}`);
      expect(other.statusCode).toBe(404);
      const list = await w.official('admin', 'GET', `/api/v1/subscriptions?dataset=${ds}`);
      expect(list.json().items.some((s: { id: string }) => s.id === sub2.id)).toBe(true);
      await w.unsubscribe('VPCP-QLCB', sub2.id);
    });

    it('a slow receiver does not delay a fast one', async () => {
      const slow = await receiver(() => 'hold');
      const fast = await receiver();
      const s1 = await w.subscribe('VPCP-QLCB', { url: slow.url });
      const s2 = await w.subscribe('VPCP-TK', { url: fast.url });
      await w.write('push-s1', member(8));
      await until(() => slow.deliveries.length === 1, 'the slow receiver holds its request');
      await w.write('push-s2', member(9));
      await until(() => fast.events().filter((e) => String(e.subject).startsWith('push-s')).length === 2, 'the fast receiver gets both');
      // Both arrived while the slow receiver still held its first request.
      expect(slow.deliveries[0]!.status).toBeNull();
      slow.releaseHeld();
      await w.unsubscribe('VPCP-QLCB', s1.id);
      await w.unsubscribe('VPCP-TK', s2.id);
    });

    it('retries end after 3 days (disabled, retries_exhausted); a replay from a time delivers what was missed, with the same ids', async () => {
      const r = await receiver(() => ({ status: 503 }));
      const sub = await w.subscribe('VPCP-QLCB', { url: r.url });
      w.env.clock.advance(1_000); // `from` is inclusive: after the earlier tests' writes
      const from = w.env.clock.now().toISOString();
      await w.write('push-o1', member(1));
      await w.write('push-o2', member(2));
      await until(
        async () => {
          w.env.clock.advance(6 * HOUR);
          return (await w.status('VPCP-QLCB', sub.id)).state === 'disabled';
        },
        'retries exhausted',
        60_000,
      );
      expect((await w.status('VPCP-QLCB', sub.id)).state_reason).toBe('retries_exhausted');
      const tried = r.deliveries.map((d) => d.headers['webhook-id']);
      r.setBehaviour(() => ({ status: 204 }));
      const replay = await w.consumerCall('VPCP-QLCB', 'POST', `/data/v1/${ds}/subscriptions/${sub.id}/replay`, { from });
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json().state).toBe('active');
      await until(() => r.events().length === 2, 'the missed changes');
      expect(r.events().map((e) => e.subject)).toEqual(['push-o1', 'push-o2']);
      expect(tried).toContain(r.events()[0]!.id);
      // From a cursor, too: the feed's cursors work here.
      const cursor = Buffer.from(JSON.stringify({ v: 1, d: ds, p: Number(String(r.events()[0]!.id).split(':')[1]) - 1 })).toString('base64url');
      expect((await w.consumerCall('VPCP-QLCB', 'POST', `/data/v1/${ds}/subscriptions/${sub.id}/replay`, { cursor })).statusCode).toBe(200);
      await until(() => r.events().length === 4, 'replayed from the cursor');
      expect(r.events()[2]!.id).toBe(r.events()[0]!.id);
      await w.unsubscribe('VPCP-QLCB', sub.id);
    });

    it('R-11, R-12.2: secret data is delivered as JWE to the consumer system of the tslcd zone', async () => {
      const r = await receiver();
      const token = await w.tokenFor('VPCP-MAT');
      const created = await fetch(`${w.tslcd}/data/v1/vu-an/subscriptions`, {
        method: 'POST',
        headers: { authorization: token, 'lienthong-purpose': 'kiem-tra-giam-sat', 'content-type': 'application/json' },
        body: JSON.stringify({ url: r.url }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const sub = (await created.json()) as { id: string };
      // Subscribing to secret data from the internet listener is refused.
      const outside = await w.consumerCall('VPCP-MAT', 'POST', '/data/v1/vu-an/subscriptions', { url: r.url });
      expect(outside.statusCode).toBe(403);
      const put = await fetch(`${w.tslcd}/data/v1/vu-an/records/VA-77`, {
        method: 'PUT',
        headers: { authorization: await w.tokenFor('BNCTW-CSDL'), 'content-type': 'application/json' },
        body: JSON.stringify(caseRecord(77)),
      });
      expect(put.status, await put.text()).toBe(200);
      await until(() => r.events().length === 1, 'the secret event');
      const e = r.events()[0]!;
      expect(e.datacontenttype).toBe('application/jose');
      expect(e.subject).toBeUndefined();
      expect(r.deliveries[0]!.body.toString()).not.toContain('Vụ án số 77');
      const opened = await jose.compactDecrypt(String(e.data), w.matKey.privateKey);
      const change = JSON.parse(new TextDecoder().decode(opened.plaintext)) as { key: string; data: Record<string, unknown> };
      expect(change.key).toBe('VA-77');
      expect(change.data).toEqual({ case_code: 'VA-77', case_name: 'Vụ án số 77' });
      const del = await fetch(`${w.tslcd}/data/v1/vu-an/subscriptions/${sub.id}`, {
        method: 'DELETE',
        headers: { authorization: token, 'lienthong-purpose': 'kiem-tra-giam-sat' },
      });
      expect(del.status).toBe(200);
    });

    it('R-15.2, R-16, R-14.1: a suspension, a terminated agreement and a revoked account stop deliveries at once (decided per delivery)', async () => {
      const qlcb = await receiver();
      const tk = await receiver();
      const sq = await w.subscribe('VPCP-QLCB', { url: qlcb.url });
      const st = await w.subscribe('VPCP-TK', { url: tk.url });
      const agreements = (await w.official('cq.btctw', 'GET', `/api/v1/agreements?dataset=${ds}&limit=50`)).json().items as {
        id: string;
        system_code: string;
        status: string;
      }[];
      const qa = agreements.find((a) => a.system_code === 'VPCP-QLCB' && a.status === 'active')!;
      const s = await w.official('cq.btctw', 'POST', '/api/v1/consumer-suspensions', {
        agreement_id: qa.id,
        ground: 'purpose_violation',
        violation: 'Dùng sai mục đích',
        handling: 'Tạm ngừng kết nối',
        requirements: 'Giải trình',
        found_at: w.env.clock.now().toISOString(),
      });
      expect(s.statusCode, s.body).toBe(201);
      const suspendedAt = Date.now();
      await w.write('push-x1', member(3));
      await until(async () => /R-15\.2/.test((await w.status('VPCP-QLCB', sq.id)).status.last_failure_reason ?? ''), 'the refusal recorded');
      expect(Date.now() - suspendedAt).toBeLessThan(1_000 + 30_000); // bounded by the test's own wait; the change below is the check
      expect(qlcb.events().length).toBe(0);
      await until(() => tk.events().some((e) => e.subject === 'push-x1'), 'the other consumer still served');
      // Restored: the change held back is delivered (the position did not move).
      expect((await w.official('cq.btctw', 'POST', `/api/v1/consumer-suspensions/${s.json().id}/restore`, { reason: 'Đã giải trình' })).statusCode).toBe(200);
      await until(() => {
        w.env.clock.advance(60_000);
        return qlcb.events().some((e) => e.subject === 'push-x1');
      }, 'delivery after restoration');

      // Termination of VPCP-TK's agreement: its subscription stops and is disabled with the reason.
      const ta = agreements.find((a) => a.system_code === 'VPCP-TK' && a.status === 'active')!;
      const t = await w.official('cq.btctw', 'POST', `/api/v1/agreements/${ta.id}/terminate`, {
        ground: 'a',
        reason: 'Hai bên thoả thuận chấm dứt',
        evidence: 'Công văn số 12/CV-VPCP ngày 02/03/2026',
      });
      expect(t.statusCode, t.body).toBe(200);
      const tkBefore = tk.events().length;
      await w.write('push-x2', member(4));
      await until(() => qlcb.events().some((e) => e.subject === 'push-x2'), 'QLCB still served');
      const custodian = await w.session('cq.btctw');
      const seen = (id: string) => w.call('GET', `/api/v1/subscriptions/${id}`, custodian).then((r) => r.json() as { state: string; state_reason: string });
      await until(async () => (await seen(st.id)).state === 'disabled', 'TK disabled');
      expect((await seen(st.id)).state_reason).toMatch(/403/);
      expect(tk.events().length).toBe(tkBefore);

      // Revocation of the account: nothing more is sent.
      const revoked = await w.official('kt.vpcp', 'POST', `/api/v1/accounts/${w.accounts['VPCP-QLCB'].client_id}/revoke`, { reason: 'Ngừng kết nối' });
      expect(revoked.statusCode, revoked.body).toBe(200);
      const qBefore = qlcb.events().length;
      await w.write('push-x3', member(5));
      await until(async () => (await seen(sq.id)).state === 'disabled', 'QLCB disabled');
      expect((await seen(sq.id)).state_reason).toMatch(/R-14\.1/);
      expect(qlcb.events().length).toBe(qBefore);
    });
  });
}
