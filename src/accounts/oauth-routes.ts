import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PROBLEMS, Problem } from '../core/errors.ts';
import type { RateLimiter } from '../core/rate-limit.ts';
import { errors } from '../http/schemas.ts';
import type { Accounts } from './index.ts';
import { invalidRequest, withBasicChallenge } from './oauth-errors.ts';
import * as S from './schemas.ts';

const tags = ['accounts'];
const FORM = 'application/x-www-form-urlencoded';

/**
 * Form bodies for the token endpoint, in this plugin's scope only. A repeated parameter becomes
 * an array, which the schema refuses: RFC 6749 §3.2 forbids repeating parameters.
 */
function installFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    done(null, out);
  });
  // Any other body reaches the handler, which answers in the OAuth error format rather than a bare 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, undefined));
}

/**
 * RFC 6749 §5.2 says error bodies are application/json, and strict clients (openid-client)
 * parse no other type. A client that accepts JSON but not problem+json gets the same problem
 * body labelled application/json; everyone else gets application/problem+json.
 */
async function labelForOAuthClients(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const accept = (req.headers.accept ?? '').toLowerCase();
  const type = String(reply.getHeader('content-type') ?? '');
  if (type.startsWith('application/problem+json') && accept.includes('application/json') && !accept.includes('application/problem+json')) {
    void reply.header('content-type', 'application/json; charset=utf-8');
  }
  return payload;
}

/** Failed token requests from one client address before it is told to wait: credential guessing, or a flood. */
function tooManyFailures(wait: number): Problem {
  return new Problem(PROBLEMS.tooManyRequests, {
    detail: `Quá nhiều yêu cầu cấp mã truy cập không thành công từ địa chỉ này; thử lại sau ${wait} giây.`,
    detail_en: `Too many failed token requests from this address; retry in ${wait} s.`,
    headers: { 'retry-after': String(wait), 'cache-control': 'no-store' },
    extra: { error: 'invalid_request', error_description: 'too many failed token requests' },
  });
}

/**
 * OAuth 2.0 token endpoint and discovery documents (no /api/v1 prefix: their paths are fixed by
 * the RFCs). `failures`: failed token requests allowed per client address; past it, 429 with
 * Retry-After before any credential is checked.
 */
export function oauthRoutes(accounts: Accounts, failures: RateLimiter) {
  const { oauth } = accounts;
  return async function routes(base: FastifyInstance): Promise<void> {
    installFormParser(base);
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/oauth/token',
      {
        attachValidation: true,
        onSend: labelForOAuthClients,
        schema: {
          tags,
          summary: 'Cấp mã truy cập cho tài khoản kết nối / OAuth 2.0 token endpoint (client credentials)',
          description:
            'RFC 6749 §4.4 with client_secret_basic, client_secret_post or private_key_jwt (RFC 7523). Errors are problem+json that also carry RFC 6749 `error` and `error_description`; failed client authentication is 401.',
          consumes: [FORM],
          body: S.TokenForm,
          response: { 200: S.TokenResponse, ...errors(400, 401) },
        },
      },
      async (req, reply) => {
        const wait = await failures.peek(req.ip);
        if (wait > 0) throw tooManyFailures(wait);
        try {
          return await issueToken(req, reply);
        } catch (err) {
          if (err instanceof Problem && err.status < 500) await failures.take(req.ip);
          throw err;
        }
      },
    );

    async function issueToken(req: FastifyRequest, reply: FastifyReply) {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith(FORM)) {
        throw invalidRequest(`Nội dung yêu cầu phải là ${FORM}.`, `The request body must be ${FORM}.`);
      }
      if (req.validationError) throw invalidRequest('Tham số không hợp lệ hoặc bị lặp lại.', `Invalid or repeated parameter: ${req.validationError.message}`);
      const authorization = req.headers.authorization;
      const token = await oauth.token(req.body as Parameters<typeof oauth.token>[0], authorization).catch((err: unknown) => {
        throw /^Basic\s/i.test(authorization ?? '') ? withBasicChallenge(err) : err;
      });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
    }

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags,
          summary: 'Khoá công khai của nền tảng / Platform signing keys (JWKS)',
          response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
        },
      },
      async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(await oauth.jwks()),
    );

    app.get(
      '/.well-known/oauth-authorization-server',
      {
        schema: {
          tags,
          summary: 'Siêu dữ liệu máy chủ cấp quyền / Authorization server metadata (RFC 8414)',
          response: { 200: Type.Record(Type.String(), Type.Unknown()) },
        },
      },
      async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(oauth.metadata()),
    );

    // The same document where OpenID Connect clients look by default (RFC 8414 §5): openid-client's
    // `discovery(issuer, …)` fetches {issuer}/.well-known/openid-configuration unless told
    // `algorithm: 'oauth2'`. The platform issues no ID tokens: this is OAuth 2.0 metadata
    // (client credentials only), served at that path so default discovery finds it.
    app.get(
      '/.well-known/openid-configuration',
      {
        schema: {
          tags,
          summary: 'Siêu dữ liệu máy chủ cấp quyền, tại đường dẫn OpenID / Authorization server metadata at the OpenID Connect discovery path (RFC 8414 §5)',
          description:
            'Cùng nội dung với /.well-known/oauth-authorization-server / Same document as /.well-known/oauth-authorization-server: OAuth 2.0 client credentials only, no ID tokens.',
          response: { 200: Type.Record(Type.String(), Type.Unknown()) },
        },
      },
      async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(oauth.metadata()),
    );
  };
}
