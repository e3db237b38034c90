import { totpCode } from '../../src/registry/credentials.ts';

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
}

/**
 * The API calls a browser test prepares its data with: plain HTTP to the test's server (`base()`,
 * known once it has started). `user` creates an official as the admin and completes its enrolment
 * link with the previous TOTP step, so the browser's sign-in can use the current one.
 */
export function consoleApi(base: () => string) {
  async function call(method: string, path: string, auth?: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...(auth && { authorization: auth }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  }
  async function ok(p: Promise<Answer>, status = 200): Promise<any> {
    const r = await p;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
    return r.json;
  }
  async function login(username: string, password: string, secret: string): Promise<string> {
    const r = await ok(call('POST', '/api/v1/auth/login', undefined, { username, password, totp: totpCode(secret, new Date()) }));
    return `Bearer ${r.token}`;
  }
  async function user(admin: string, username: string, agency: string, roles: string[]): Promise<User> {
    const created = await ok(call('POST', '/api/v1/users', admin, { username, full_name: `Cán bộ ${username}`, agency_code: agency, roles }), 201);
    const path = new URL(created.enrolment.url).pathname.replace(/^\/enrol\//, '/api/v1/enrolments/');
    const view = await ok(call('GET', path));
    const password = `mat-khau-${username}-2025`;
    await ok(call('POST', path, undefined, { password, totp: totpCode(view.totp_secret, new Date(Date.now() - 30_000)) }), 204);
    return { username, password, secret: view.totp_secret, auth: await login(username, password, view.totp_secret) };
  }
  /** the coordinator's decision that makes a system's declared level count. */
  async function approveSecurityLevel(coordinator: string, code: string, level = 3): Promise<void> {
    const decision = { security_level: level, decision_number: `${level}/QĐ-VPTW`, decided_on: '2025-01-15', issuer: 'Văn phòng Trung ương Đảng', document_reference: `HS-${code}` };
    await ok(call('POST', `/api/v1/systems/${code}/security-level-decisions`, coordinator, decision), 201);
  }
  return { call, ok, login, user, approveSecurityLevel };
}
