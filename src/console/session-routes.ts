import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf, unauthenticated } from '../http/context.ts';
import { SessionSecurity, Timestamp, errors } from '../http/schemas.ts';
import type { Registry } from '../registry/index.ts';
import { currentUser, metaOf } from '../registry/index.ts';
import { LoginBody, Me } from '../registry/index.ts';
import { SESSION_COOKIE, readCookie, sessionCookie } from './cookie.ts';
import { crossSiteRefusal, csrfTokenFor } from './csrf.ts';

const ConsoleSession = Type.Object({
  csrf_token: Type.String({
    description: 'Gửi trong tiêu đề X-CSRF-Token với mọi yêu cầu POST/PUT/PATCH/DELETE / Send as X-CSRF-Token with every POST, PUT, PATCH and DELETE',
  }),
  user: Me,
  expires_at: Timestamp,
});

/** The session token the request was authenticated with: the bearer when there is one (the sign-in hook prefers it), else the cookie. */
function sessionTokenOf(req: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return bearer ? bearer[1] : readCookie(req.headers.cookie, SESSION_COOKIE);
}

/**
 * The web console's sign-in: the same sign-in as `POST /auth/login` (lockout, TOTP), but the
 * session token goes into an HttpOnly, SameSite=Strict cookie that scripts cannot read, and the
 * answer carries the anti-forgery token the console sends back on every change.
 */
export function consoleSessionRoutes(registry: Registry, publicUrl: string) {
  const secure = publicUrl.startsWith('https:');
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['auth'];

    app.post(
      '/console/session',
      {
        schema: {
          tags,
          summary: 'Đăng nhập bảng điều khiển (cookie) / Console sign-in (cookie session)',
          body: LoginBody,
          response: { 200: ConsoleSession, ...errors(400, 401, 403, 423) },
        },
      },
      async (req, reply) => {
        // Another site's page must not sign the browser in to an account of its choosing.
        const crossSite = crossSiteRefusal(req, publicUrl);
        if (crossSite) throw crossSite;
        const { token, expires_at } = await registry.auth.login(req.body, metaOf(req));
        const principal = await registry.auth.authenticate(token);
        void reply.header('set-cookie', sessionCookie(token, registry.sessionTtlSeconds, secure)).header('cache-control', 'no-store');
        return { csrf_token: csrfTokenFor(token), user: await currentUser(registry, principal), expires_at };
      },
    );

    app.get(
      '/console/session',
      {
        schema: {
          tags,
          summary: 'Phiên bảng điều khiển hiện tại / Current console session',
          security: SessionSecurity,
          response: { 200: ConsoleSession, ...errors(401) },
        },
      },
      async (req, reply) => {
        const principal = principalOf(req);
        const token = sessionTokenOf(req);
        if (!token) throw unauthenticated();
        void reply.header('cache-control', 'no-store');
        return { csrf_token: csrfTokenFor(token), user: await currentUser(registry, principal), expires_at: principal.sessionExpiresAt };
      },
    );

    app.delete(
      '/console/session',
      {
        schema: {
          tags,
          summary: 'Đăng xuất bảng điều khiển / Console sign-out',
          security: SessionSecurity,
          response: { 204: Type.Null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        await registry.auth.logout(principalOf(req), metaOf(req));
        return reply
          .code(204)
          .header('set-cookie', sessionCookie('', 0, secure))
          .send(null);
      },
    );
  };
}
