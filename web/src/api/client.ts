import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

/** RFC 9457 problem details, as every error of the API answers. */
export type Problem = components['schemas']['Problem'];

/**
 * The CSRF token of the cookie session, held in memory only (never in storage): it comes with
 * the session (POST or GET /api/v1/console/session) and goes with every unsafe request.
 */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_PATH = '/api/v1/console/session';

let onUnauthorized: (() => void) | null = null;
/** Called when a request of a signed-in page answers 401: the session has ended. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method.toUpperCase()) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith(SESSION_PATH)) onUnauthorized?.();
    return response;
  },
};

/** The typed client: same origin, the session cookie sent, the CSRF header added. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

/** A problem answer as an Error that keeps the problem and the Retry-After header. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
    readonly retryAfter: number | null,
  ) {
    super(problem?.title_en ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }

  /** The problem type's last segment: login-failed, mfa-required, account-locked… */
  get slug(): string | undefined {
    return this.problem?.type?.split('/').pop();
  }
}

/** The data of an openapi-fetch result, or throws ApiError (for TanStack Query's queryFn). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const retry = Number(result.response.headers.get('retry-after'));
    throw new ApiError(result.response.status, (result.error ?? undefined) as Partial<Problem> | undefined, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return result.data as T;
}

/** The problem's message in the console's language: its detail, else its title. */
export function problemMessage(err: unknown, lang: 'vi' | 'en', fallback: string): string {
  if (err instanceof ApiError && err.problem) {
    const p = err.problem;
    return (lang === 'vi' ? (p.detail ?? p.title) : (p.detail_en ?? p.title_en)) ?? fallback;
  }
  return fallback;
}
