import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem, PROBLEMS } from '../core/errors.ts';
import type { Principal } from '../registry/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /**
     * The route also takes a connection account's access token (not only an official's session):
     * the server's sign-in hook leaves such a token to the route, which checks it itself.
     */
    accessToken?: boolean;
  }
}

/** Does the route take a connection account's access token as well as a session? */
export function takesAccessToken(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { accessToken?: boolean } | undefined)?.accessToken === true;
}

/** Session tokens are `lts_…` (src/registry/credentials.ts); anything else is not a session. */
export const isSessionToken = (token: string): boolean => token.startsWith('lts_');

/** The official behind the request; routes that need one call this (401 otherwise). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

export function unauthenticated(): Problem {
  return new Problem(PROBLEMS.unauthenticated, {
    detail: 'Cần đăng nhập: gửi tiêu đề Authorization: Bearer <token>.',
    detail_en: 'Sign in first: send an Authorization: Bearer <token> header.',
    headers: { 'www-authenticate': 'Bearer realm="lienthong"' },
  });
}

/** Sets the ETag of a versioned resource so clients can send If-Match on edit. */
export function withVersion<T extends { version: number }>(reply: FastifyReply, row: T): T {
  void reply.header('etag', `"${row.version}"`);
  return row;
}
