import { expect } from 'vitest';
import type { DriverName } from '../../src/db/database.ts';
import { startBackgroundWork } from '../../src/platform.ts';
import { type SystemCode, type World, startWorld } from '../gateway/world.ts';

export const ds = 'can-bo-dang-vien';

/** The gateway's world (tests/gateway/world.ts) with the background work running: the push dispatcher among it. */
export async function startPushWorld(driver: DriverName) {
  const w = await startWorld(driver, { LIENTHONG_PUSH_POLL_MS: '40', LIENTHONG_PUSH_TIMEOUT_MS: '10000' });
  const stopWork = startBackgroundWork(w.env.platform, () => undefined);
  return { ...w, ...helpers(w), stopWork };
}

function helpers(w: World) {
  /** An access token young enough (the tests move the platform's clock by hours, past any token's life). */
  const tokens = new Map<SystemCode, { header: string; at: number }>();
  async function tokenFor(system: SystemCode): Promise<string> {
    const now = w.env.clock.now().getTime();
    const kept = tokens.get(system);
    if (kept && now - kept.at < 200_000) return kept.header;
    const a = w.accounts[system];
    const res = await w.env.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(a.client_id)}:${encodeURIComponent(a.client_secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    expect(res.statusCode, res.body).toBe(200);
    const header = `Bearer ${res.json().access_token as string}`;
    tokens.set(system, { header, at: now });
    return header;
  }

  const purposes: Partial<Record<SystemCode, string>> = { 'VPCP-QLCB': 'to-chuc-can-bo', 'VPCP-TK': 'bao-cao-thong-ke', 'VPCP-MAT': 'kiem-tra-giam-sat' };

  /** A consumer's call on its subscriptions (through the gateway, on the internet listener). */
  async function consumerCall(system: SystemCode, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
    return w.env.app.inject({
      method,
      url,
      headers: { authorization: await tokenFor(system), ...(purposes[system] && { 'lienthong-purpose': purposes[system] }) },
      ...(payload !== undefined && { payload: payload as object }),
    });
  }

  async function subscribe(system: SystemCode, body: Record<string, unknown>, dataset = ds): Promise<{ id: string }> {
    const res = await consumerCall(system, 'POST', `/data/v1/${dataset}/subscriptions`, body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['lienthong-receipt']).toBeTruthy(); // the management call is an exchange, logged
    return res.json();
  }

  async function status(system: SystemCode, id: string, dataset = ds) {
    const res = await consumerCall(system, 'GET', `/data/v1/${dataset}/subscriptions/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      state: string;
      state_reason: string | null;
      status: {
        sent_count: number;
        consecutive_failures: number;
        last_failure_reason: string | null;
        next_attempt_at: string | null;
        last_success_at: string | null;
      };
    };
  }

  async function unsubscribe(system: SystemCode, id: string, dataset = ds) {
    const res = await consumerCall(system, 'DELETE', `/data/v1/${dataset}/subscriptions/${id}`);
    expect(res.statusCode, res.body).toBe(200);
  }

  /** The custodian's system writes one record (PUT) or deletes it. */
  async function write(key: string, data: Record<string, unknown> | null) {
    const res = await w.env.app.inject({
      method: data ? 'PUT' : 'DELETE',
      url: `/data/v1/${ds}/records/${key}`,
      headers: { authorization: await tokenFor('BTCTW-CSDL') },
      ...(data && { payload: data }),
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** A fresh session of an official of the world (sessions end as the tests move the clock). */
  const session = (username: 'kt.vpcp' | 'cq.btctw' | 'cq.bnctw' | 'admin') =>
    username === 'admin' ? w.env.adminAuth() : w.env.login(username, `mat-khau-${username}-2025`);

  /** An official's call on the admin API with a fresh session. */
  const official = async (username: Parameters<typeof session>[0], method: 'GET' | 'POST', url: string, payload?: unknown) =>
    w.call(method, url, await session(username), payload);

  return { tokenFor, consumerCall, subscribe, status, unsubscribe, write, session, official };
}
