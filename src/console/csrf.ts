import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PROBLEMS, Problem } from '../core/errors.ts';

const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The anti-forgery token of a console session: an HMAC of a fixed label keyed with the session
 * token itself. It is bound to the session (another session's token does not fit), needs no
 * storage and no server key (any instance recomputes it from the cookie), and it does not give
 * the session token away (HMAC is one-way). A page of another site can neither read the
 * HttpOnly cookie nor this token, which the console keeps in memory and sends as a header.
 */
export function csrfTokenFor(sessionToken: string): string {
  return crypto.createHmac('sha256', sessionToken).update('lienthong console csrf v1').digest('base64url');
}

function refused(detail: string, detail_en: string): Problem {
  return new Problem(PROBLEMS.csrfFailed, { detail, detail_en });
}

function hostnameOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * A request that names another site as its origin (`Origin`, or `Sec-Fetch-Site: cross-site`)
 * does not act with the console's cookie, nor sign in to it. The host is compared, not the port:
 * the console's development server proxies from another port of the same host.
 */
export function crossSiteRefusal(request: FastifyRequest, publicUrl: string): Problem | null {
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    return refused('Yêu cầu đến từ trang của một địa chỉ khác nên bị từ chối.', "A request sent from another site's page is refused.");
  }
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  const from = hostnameOf(origin);
  const own = [hostnameOf(request.headers.host), hostnameOf(publicUrl)];
  if (from === null || !own.includes(from)) {
    return refused(`Nguồn gốc "${origin}" không phải địa chỉ của nền tảng.`, `The origin "${origin}" is not the platform's address.`);
  }
  return null;
}

/**
 * A request authenticated by the session cookie that changes anything (POST, PUT, PATCH, DELETE)
 * must carry the session's token in `X-CSRF-Token` and come from the platform's own site;
 * otherwise 403 `csrf-failed`. A bearer-authenticated request needs neither (no browser adds it
 * by itself).
 */
export function csrfRefusal(request: FastifyRequest, sessionToken: string, publicUrl: string): Problem | null {
  if (!UNSAFE.has(request.method)) return null;
  const crossSite = crossSiteRefusal(request, publicUrl);
  if (crossSite) return crossSite;
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || given === '') {
    return refused(
      'Thiếu tiêu đề X-CSRF-Token: yêu cầu thay đổi dữ liệu bằng phiên của bảng điều khiển phải mang mã chống giả mạo.',
      "Missing X-CSRF-Token header: a change made with the console's session must carry the anti-forgery token.",
    );
  }
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) {
    return refused('Mã chống giả mạo không đúng với phiên đăng nhập.', 'The anti-forgery token does not match the session.');
  }
  return null;
}
