import { PROBLEMS, Problem } from '../core/errors.ts';

/** RFC 6749 §5.2 error codes the token endpoint returns. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unauthorized_client' | 'invalid_token';

/**
 * A problem+json (RFC 9457) that is also an RFC 6749 error response: `error` and
 * `error_description` sit beside `type`/`title`, so OAuth libraries and our own clients both
 * understand it. Failed client authentication and bad access tokens are 401.
 */
export function oauthError(error: OAuthErrorCode, detail: string, detail_en: string, rule?: string): Problem {
  const unauthorized = error === 'invalid_client' || error === 'invalid_token';
  return new Problem(unauthorized ? PROBLEMS.unauthenticated : PROBLEMS.badRequest, {
    detail,
    detail_en,
    ...(rule && { rule }),
    headers: {
      'cache-control': 'no-store',
      // RFC 6750 §3: the gateway answers a bad bearer token with a Bearer challenge.
      ...(error === 'invalid_token' && { 'www-authenticate': 'Bearer realm="lienthong", error="invalid_token"' }),
    },
    extra: { error, error_description: detail_en },
  });
}

/**
 * RFC 6749 §5.2: a client that tried HTTP Basic gets a Basic challenge with its 401. Only then:
 * OAuth libraries read a challenge header before the body, and would miss `error` otherwise.
 */
export function withBasicChallenge(err: unknown): unknown {
  if (!(err instanceof Problem) || err.status !== 401) return err;
  return new Problem(err.kind, { ...err.options, headers: { ...err.options.headers, 'www-authenticate': 'Basic realm="lienthong"' } });
}

export const invalidRequest = (vi: string, en: string) => oauthError('invalid_request', vi, en);
export const invalidClient = (vi: string, en: string) => oauthError('invalid_client', vi, en);
