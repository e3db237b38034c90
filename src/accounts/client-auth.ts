import * as jose from 'jose';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { AccountDeps } from './deps.ts';
import { CLIENT_ASSERTION_ALGS, assertionKeys } from './jwks.ts';
import { invalidClient, invalidRequest } from './oauth-errors.ts';
import { secretHash, secretMatches } from './secrets.ts';
import { type AccountRow, loadAccount } from './service.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** RFC 7523 wants assertions short-lived: one whose exp is further away than this is refused. */
const MAX_ASSERTION_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_SECRETS_CHECKED = 20;

export interface TokenForm {
  grant_type?: string | undefined;
  scope?: string | undefined;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  client_assertion_type?: string | undefined;
  client_assertion?: string | undefined;
}

export type ClientCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

export const tokenEndpoint = (issuer: string) => `${issuer}/oauth/token`;

const failed = () => invalidClient('Xác thực tài khoản kết nối không thành công.', 'Client authentication failed.');
/** Verified against when the client id is unknown, so timing does not reveal which ids exist. */
const DECOY_HASH = secretHash('decoy');

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding. */
function basicCredentials(header: string): { clientId: string; secret: string } {
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidClient('Tiêu đề Authorization Basic không đúng dạng.', 'Malformed Basic Authorization header.');
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient('Tiêu đề Authorization Basic không đúng dạng.', 'Malformed Basic Authorization header.');
  }
}

/** The one client authentication method the request uses (RFC 6749 §2.3: never more than one). */
export function credentialsOf(form: TokenForm, authorization: string | undefined): ClientCredentials {
  const basic = authorization !== undefined && /^Basic\s/i.test(authorization);
  const post = form.client_secret !== undefined;
  const jwt = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  if (Number(basic) + Number(post) + Number(jwt) > 1)
    throw invalidRequest('Chỉ được dùng một phương thức xác thực tài khoản kết nối.', 'Use exactly one client authentication method.');
  if (basic) {
    const c = basicCredentials(authorization);
    if (form.client_id !== undefined && form.client_id !== c.clientId)
      throw invalidRequest('client_id không khớp với tiêu đề Authorization.', 'client_id does not match the Authorization header.');
    return { method: 'client_secret_basic', ...c };
  }
  if (post) {
    if (!form.client_id) throw invalidClient('Thiếu client_id.', 'client_id is missing.');
    return { method: 'client_secret_post', clientId: form.client_id, secret: form.client_secret! };
  }
  if (jwt) {
    if (form.client_assertion_type !== JWT_BEARER || !form.client_assertion)
      throw invalidRequest(
        `Cần client_assertion và client_assertion_type=${JWT_BEARER}.`,
        `client_assertion and client_assertion_type=${JWT_BEARER} are required.`,
      );
    const iss = unverifiedIssuer(form.client_assertion);
    if (form.client_id !== undefined && form.client_id !== iss)
      throw invalidClient('client_id không khớp với client_assertion.', 'client_id does not match the client assertion.');
    return { method: 'private_key_jwt', clientId: iss, assertion: form.client_assertion };
  }
  throw invalidClient(
    'Cần xác thực tài khoản kết nối (client_secret_basic, client_secret_post hoặc private_key_jwt).',
    'Client authentication is required (client_secret_basic, client_secret_post or private_key_jwt).',
  );
}

/** Which account the assertion claims to be; its signature is checked against that account's keys next. */
function unverifiedIssuer(assertion: string): string {
  try {
    const iss = jose.decodeJwt(assertion).iss;
    if (typeof iss === 'string' && iss.length > 0) return iss;
  } catch {
    // reported below
  }
  throw invalidClient('client_assertion không phải JWT hợp lệ có "iss".', 'The client assertion is not a valid JWT with an "iss" claim.');
}

export function createClientAuthenticator(db: Database, clock: Clock, deps: AccountDeps) {
  async function checkSecret(row: AccountRow, secret: string): Promise<void> {
    const r = await db.query<{ secret_hash: string; expires_at: Date | null }>(
      `SELECT secret_hash, expires_at FROM account_secrets WHERE account_id = $1 ORDER BY created_at DESC LIMIT ${MAX_SECRETS_CHECKED}`,
      [row.id],
    );
    // Every stored hash is compared (no early exit), each in constant time.
    let match: (typeof r.rows)[number] | undefined;
    for (const s of r.rows) if (secretMatches(secret, s.secret_hash)) match = s;
    if (!match) throw failed();
    if (match.expires_at && match.expires_at <= clock.now()) {
      throw invalidClient(
        'Mật khẩu (client_secret) đã hết hạn: đã được thay và quá thời gian chuyển tiếp.',
        'The client secret has expired: it was rotated and its grace period is over.',
      );
    }
  }

  /** RFC 7523 §3: signed by a registered key, iss = sub = client_id, aud = us, short exp, jti used once. */
  async function checkAssertion(row: AccountRow, assertion: string): Promise<void> {
    if (!row.jwks) throw invalidClient('Tài khoản chưa đăng ký khoá công khai (JWKS).', 'No public keys (JWKS) are registered for this account.');
    const now = clock.now();
    let payload: jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(assertion, assertionKeys(row.jwks), {
        algorithms: [...CLIENT_ASSERTION_ALGS],
        issuer: row.client_id,
        subject: row.client_id,
        audience: [tokenEndpoint(deps.issuer), deps.issuer],
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (err) {
      throw invalidClient(
        'client_assertion không hợp lệ (chữ ký, iss/sub, aud hoặc thời hạn).',
        `Invalid client assertion: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const exp = payload.exp!;
    if (exp - now.getTime() / 1000 > MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS) {
      throw invalidClient(
        `Thời hạn client_assertion (exp) không được quá ${MAX_ASSERTION_SECONDS} giây.`,
        `The client assertion must expire within ${MAX_ASSERTION_SECONDS} seconds.`,
      );
    }
    await useJti(row.client_id, String(payload.jti).slice(0, 256), new Date((exp + CLOCK_TOLERANCE_SECONDS) * 1000));
  }

  async function useJti(clientId: string, jti: string, keepUntil: Date): Promise<void> {
    await db.query('DELETE FROM oauth_assertion_jtis WHERE expires_at < $1', [clock.now()]);
    const r = await db.query('INSERT INTO oauth_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      clientId,
      jti,
      keepUntil,
    ]);
    if (r.rowCount === 0) throw invalidClient('client_assertion đã được dùng (jti lặp lại).', 'The client assertion was already used (jti replay).');
  }

  return {
    /** The active account behind the credentials, or a 401 invalid_client. */
    async authenticate(c: ClientCredentials): Promise<AccountRow> {
      const row = await loadAccount(db, c.clientId);
      if (!row) {
        if (c.method !== 'private_key_jwt') secretMatches(c.secret, DECOY_HASH);
        throw failed();
      }
      if (row.status !== 'active') throw invalidClient('Tài khoản kết nối đã bị thu hồi.', 'The connection account has been revoked.');
      const wanted = row.auth_method === 'private_key_jwt' ? 'private_key_jwt' : 'client_secret';
      if ((c.method === 'private_key_jwt') !== (wanted === 'private_key_jwt')) {
        throw invalidClient(`Tài khoản này xác thực bằng ${wanted}.`, `This account authenticates with ${wanted}.`);
      }
      if (c.method === 'private_key_jwt') await checkAssertion(row, c.assertion);
      else await checkSecret(row, c.secret);
      return row;
    },
  };
}
