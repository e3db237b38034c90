import { nextCode } from './totp.ts';

/** An official of a browser test: signed in through the API (`auth`), able to sign in through the UI too. */
export interface User {
  username: string;
  password: string;
  secret: string;
  auth: string;
}

export interface Answer {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

/** A console session opened through the API: the headers a change needs (cookie, CSRF token, origin) and the cookie for a browser context. */
export interface ConsoleSession {
  headers: Record<string, string>;
  cookie: { name: string; value: string };
}

/**
 * The API calls a browser test prepares its data with: plain HTTP to the test's server (`base()`,
 * known once it has started). `auth` is an Authorization header (`Bearer …`) or a set of headers
 * (a console session's). `user` creates an official as the admin and completes its enrolment
 * link with the previous TOTP step, so the browser's sign-in can use the current one.
 */
export function consoleApi(base: () => string) {
  async function call(method: string, path: string, auth?: string | Record<string, string>, body?: unknown): Promise<Answer> {
    const headers = typeof auth === 'string' ? { ...(auth && { authorization: auth }) } : { ...auth };
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text, headers: res.headers };
  }
  /** The answer's JSON, when it has exactly `status`. */
  async function ok(p: Promise<Answer>, status = 200): Promise<any> {
    const r = await p;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
    return r.json;
  }
  /** The answer's JSON, when it is any success (2xx): for setting data up, where the exact status is not under test. */
  async function send(method: string, path: string, auth?: string | Record<string, string>, body?: unknown): Promise<any> {
    const r = await call(method, path, auth, body);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  }
  /** A bearer session, on the first unused TOTP step not before `from`'s. */
  async function login(username: string, password: string, secret: string, from?: Date): Promise<string> {
    const r = await ok(call('POST', '/api/v1/auth/login', undefined, { username, password, totp: await nextCode(secret, from) }));
    return `Bearer ${r.token}`;
  }
  async function user(admin: string, username: string, agency: string, roles: string[]): Promise<User> {
    const created = await ok(call('POST', '/api/v1/users', admin, { username, full_name: `Cán bộ ${username}`, agency_code: agency, roles }), 201);
    const path = new URL(created.enrolment.url).pathname.replace(/^\/enrol\//, '/api/v1/enrolments/');
    const view = await ok(call('GET', path));
    const password = `mat-khau-${username}-2025`;
    await ok(call('POST', path, undefined, { password, totp: await nextCode(view.totp_secret, new Date(Date.now() - 30_000)) }), 204);
    return { username, password, secret: view.totp_secret, auth: await login(username, password, view.totp_secret) };
  }
  /** The console's cookie session for `who`, on its first unused TOTP step. */
  async function consoleSession(who: User): Promise<ConsoleSession> {
    const r = await call('POST', '/api/v1/console/session', undefined, { username: who.username, password: who.password, totp: await nextCode(who.secret) });
    if (r.status !== 200) throw new Error(`console session of ${who.username}: ${r.status} ${r.text}`);
    const [pair] = (r.headers.get('set-cookie') ?? '').split(';');
    const eq = pair!.indexOf('=');
    return {
      headers: { cookie: pair!, 'x-csrf-token': r.json.csrf_token, origin: base() },
      cookie: { name: pair!.slice(0, eq), value: pair!.slice(eq + 1) },
    };
  }
  /** the coordinator's decision that makes a system's declared level count. */
  async function approveSecurityLevel(coordinator: string, code: string, level = 3): Promise<void> {
    const decision = {
      security_level: level,
      decision_number: `${level}/QĐ-VPTW`,
      decided_on: '2025-01-15',
      issuer: 'Văn phòng Trung ương Đảng',
      document_reference: `HS-${code}`,
    };
    await ok(call('POST', `/api/v1/systems/${code}/security-level-decisions`, coordinator, decision), 201);
  }
  return { call, ok, send, login, user, consoleSession, approveSecurityLevel };
}
