import { signJwt, verifyJwt } from '../core/crypto.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { InformationSystem } from '../registry/index.ts';
import type { StatusCache } from './access.ts';
import { type TokenForm, createClientAuthenticator, credentialsOf, tokenEndpoint } from './client-auth.ts';
import { type AccountDeps, datasetsOf, findSystem } from './deps.ts';
import { CLIENT_ASSERTION_ALGS } from './jwks.ts';
import { invalidClient, invalidRequest, oauthError } from './oauth-errors.ts';
import type { AccountRow } from './service.ts';

/** Who access tokens are for: the data-plane gateway (RFC 9068 `aud`). */
const ACCESS_TOKEN_AUDIENCE = 'lienthong-gateway';
/** RFC 9068 header type: an access token cannot be passed off as another kind of JWT. */
const ACCESS_TOKEN_TYP = 'at+jwt';
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** What the gateway learns from a valid access token. */
export interface AccessTokenInfo {
  client_id: string;
  system: string;
  agency: string;
  /** Dataset codes the token may be used for. */
  scopes: string[];
  exp: Date;
  jti: string;
}

/** RFC 6749 §3.3 scope-token characters; scopes are dataset codes. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined || scope.trim() === '') return undefined;
  const tokens = scope.split(' ').filter((t) => t !== '');
  if (tokens.length > 200 || !tokens.every((t) => SCOPE_TOKEN.test(t)))
    throw oauthError('invalid_scope', 'Tham số "scope" không đúng dạng.', 'The scope parameter is malformed.');
  return [...new Set(tokens)];
}

const VERIFIED_CACHE_SIZE = 10_000;

export function createTokenService(db: Database, clock: Clock, deps: AccountDeps, status: StatusCache) {
  const ttl = deps.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const clients = createClientAuthenticator(db, clock, deps);

  /** is checked again at every token: a system downgraded or suspended since issuance gets none. */
  async function eligibleSystem(account: AccountRow): Promise<InformationSystem> {
    const system = await findSystem(deps, account.system_code);
    if (!system || system.agency_code !== account.agency_code) {
      throw invalidClient(
        'Hệ thống đã chuyển sang cơ quan khác; cơ quan mới phải cấp tài khoản kết nối mới.',
        'The system has moved to another agency; that agency must issue a new connection account.',
      );
    }
    const refusal = system.sharing_refusal;
    if (refusal) throw oauthError('unauthorized_client', refusal.reason, refusal.reason_en, refusal.rule);
    return system;
  }

  /** only granted datasets: only the delegating custodian's; and only those asked for. */
  async function scopesFor(account: AccountRow, requested: string[] | undefined): Promise<string[]> {
    let granted = [...new Set(await deps.grants.datasetsFor(account.system_code))].sort();
    if (account.custodian_code) {
      const own = new Set(await datasetsOf(deps, account.custodian_code));
      granted = granted.filter((d) => own.has(d));
    }
    if (requested === undefined) return granted;
    const scopes = granted.filter((d) => requested.includes(d));
    if (scopes.length === 0)
      throw oauthError(
        'invalid_scope',
        'Hệ thống không được cấp quyền với bộ dữ liệu nào trong phạm vi ("scope") yêu cầu.',
        'The system holds no grant for any dataset in the requested scope.',
        'R-4.2',
      );
    return scopes;
  }

  // Tokens whose signature and claims have been checked, by their exact text (bounded; cleared when full).
  const verified = new Map<string, AccessTokenInfo>();
  async function verifyOnce(token: string): Promise<AccessTokenInfo> {
    let claims;
    try {
      claims = await verifyJwt(deps.crypto, token, {
        issuer: deps.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        typ: ACCESS_TOKEN_TYP,
        currentDate: clock.now(),
        clockTolerance: 5,
        requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'scope', 'system', 'agency'],
      });
    } catch (err) {
      throw oauthError(
        'invalid_token',
        'Mã truy cập không hợp lệ hoặc đã hết hạn.',
        `Invalid or expired access token: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const scope = String(claims.scope);
    return Object.freeze({
      client_id: String(claims.client_id),
      system: String(claims.system),
      agency: String(claims.agency),
      scopes: scope === '' ? [] : scope.split(' '),
      exp: new Date(claims.exp! * 1000),
      jti: String(claims.jti),
    });
  }

  return {
    /** OAuth 2.0 client credentials grant (RFC 6749 §4.4) for connection accounts. */
    async token(form: TokenForm, authorization: string | undefined): Promise<TokenResponse> {
      if (form.grant_type === undefined) throw invalidRequest('Thiếu grant_type.', 'grant_type is missing.');
      if (form.grant_type !== 'client_credentials')
        throw oauthError('unsupported_grant_type', 'Chỉ hỗ trợ grant_type=client_credentials.', 'Only grant_type=client_credentials is supported.');
      const requested = parseScope(form.scope);
      const account = await clients.authenticate(credentialsOf(form, authorization));
      const system = await eligibleSystem(account);
      const scopes = await scopesFor(account, requested);
      const iat = Math.floor(clock.now().getTime() / 1000);
      const claims = {
        iss: deps.issuer,
        sub: account.client_id,
        aud: ACCESS_TOKEN_AUDIENCE,
        iat,
        exp: iat + ttl,
        jti: newId(),
        client_id: account.client_id,
        scope: scopes.join(' '),
        system: system.code,
        agency: system.agency_code,
      };
      return { access_token: await signJwt(deps.crypto, claims, ACCESS_TOKEN_TYP), token_type: 'Bearer', expires_in: ttl, scope: claims.scope };
    },

    /**
     * For the gateway: a valid, unexpired token of a still-active account, or a 401 problem.
     * A token's signature is checked once and the result kept until it expires (the signature
     * cannot change; a JWT verification costs more than the rest of a hosted read). Expiry is
     * re-checked against the clock, and the account's status (revocation) on every call.
     */
    async verifyAccessToken(token: string): Promise<AccessTokenInfo> {
      let info = verified.get(token);
      if (!info) {
        info = await verifyOnce(token);
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
        verified.set(token, info);
      }
      if (info.exp.getTime() + 5_000 <= clock.now().getTime()) {
        verified.delete(token);
        throw oauthError('invalid_token', 'Mã truy cập không hợp lệ hoặc đã hết hạn.', 'Invalid or expired access token: "exp" claim timestamp check failed');
      }
      if (!(await status.isActive(info.client_id)))
        throw oauthError('invalid_token', 'Tài khoản kết nối đã bị thu hồi.', 'The connection account has been revoked.');
      return info;
    },

    /** RFC 8414 authorization server metadata. */
    metadata() {
      return {
        issuer: deps.issuer,
        token_endpoint: tokenEndpoint(deps.issuer),
        jwks_uri: `${deps.issuer}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: [] as string[],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
        service_documentation: `${deps.issuer}/docs`,
        ui_locales_supported: ['vi', 'en'],
      };
    },

    jwks: () => deps.crypto.publicJwks(),
  };
}
