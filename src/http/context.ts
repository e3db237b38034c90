import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem, PROBLEMS } from '../core/errors.ts';
import type { Principal } from '../registry/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

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
