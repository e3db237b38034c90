import type { Readable } from 'node:stream';
import CircuitBreaker from 'opossum';
import { PROBLEMS, Problem, forbidden } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { type CryptoProvider, signJwt } from '../core/crypto.ts';
import type { ProxyService } from './upstreams.ts';
import { TOO_LARGE, type UpstreamAnswer, callUpstream } from './upstream-call.ts';

/** What goes to the custodian's service: the consumer's request, minus its credentials. */
export interface UpstreamCall {
  method: string;
  /** Path under the service's base URL, starting with `/`. */
  path: string;
  query: Record<string, string>;
  body?: Readable | undefined;
  contentType?: string | undefined;
  consumerSystem: string | null;
  purpose: string | undefined;
  traceId: string;
  /** The dataset is secret or top secret: the call travels on the dedicated network. */
  secret: boolean;
}

/** A 5xx answer: counts against the circuit breaker. */
class UpstreamFailure extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

/**
 * The service URL for a consumer's path suffix. `..` segments (plain or percent-encoded) would
 * let a consumer reach other paths of the custodian's host than the registered service, so a
 * URL that resolves outside the base is refused.
 */
export function upstreamUrl(svc: Pick<ProxyService, 'base_url'>, path: string): URL {
  const url = new URL(svc.base_url + path.replace(/%2e/gi, '.'));
  if (!url.href.startsWith(`${svc.base_url}/`) || url.origin !== originOf(svc.base_url)) {
    throw new Problem(PROBLEMS.badRequest, {
      detail: 'Đường dẫn vượt ra ngoài dịch vụ của cơ quan chủ quản.',
      detail_en: 'The path leaves the custodian service.',
    });
  }
  return url;
}

// Base URLs are few (one per proxy dataset): their origins are parsed once, not on every call.
const origins = new Map<string, string>();
function originOf(baseUrl: string): string {
  let origin = origins.get(baseUrl);
  if (origin === undefined) {
    if (origins.size >= 10_000) origins.clear();
    origins.set(baseUrl, (origin = new URL(baseUrl).origin));
  }
  return origin;
}

/**
 * Forwards to custodian services (R-6.1b) with a timeout per service and a circuit breaker per
 * dataset (opossum): after half of at least 5 calls in 10 s fail, calls are refused at once for
 * 10 s instead of piling up on a service that is down, then one trial call is let through.
 */
export function createProxy(deps: { crypto: CryptoProvider; issuer: string; maxResponseBytes: number; now: () => Date; tslcdEgress: string | null }) {
  const breakers = new Map<string, CircuitBreaker<[ProxyService, UpstreamCall, URL], UpstreamAnswer>>();

  async function authorization(svc: ProxyService, call: UpstreamCall): Promise<Record<string, string>> {
    const iat = Math.floor(deps.now().getTime() / 1000);
    // The custodian checks this with the platform's JWKS: no shared secret to leak or rotate.
    const jwt = await signJwt(
      deps.crypto,
      {
        iss: deps.issuer,
        aud: svc.base_url,
        sub: call.consumerSystem ?? 'anonymous',
        dataset: svc.dataset_code,
        purpose: call.purpose ?? null,
        iat,
        exp: iat + 60,
        jti: newId(),
      },
      'lienthong-upstream+jwt',
    );
    return { authorization: `Bearer ${jwt}` };
  }

  async function send(svc: ProxyService, call: UpstreamCall, url: URL): Promise<UpstreamAnswer> {
    const answer = await callUpstream(url, {
      method: call.method,
      headers: {
        accept: 'application/json, */*;q=0.5',
        ...(call.contentType && { 'content-type': call.contentType }),
        ...(call.purpose && { 'lienthong-purpose': call.purpose }),
        ...(call.consumerSystem && { 'lienthong-consumer-system': call.consumerSystem }),
        'lienthong-trace-id': call.traceId,
        ...(svc.auth !== 'none' && (await authorization(svc, call))),
      },
      body: call.body,
      timeoutMs: svc.timeout_ms,
      maxBytes: deps.maxResponseBytes,
      localAddress: call.secret ? deps.tslcdEgress! : undefined,
    });
    if (answer.status >= 500) throw new UpstreamFailure(answer.status);
    return answer;
  }

  function breakerFor(dataset: string) {
    let b = breakers.get(dataset);
    if (!b) {
      // Only counts decide (fires, failures). Latency percentiles would keep every call's latency
      // for the window and sort them all on each failure and each once-a-second snapshot — stalls
      // of the event loop, under load, just when a service starts failing.
      b = new CircuitBreaker(send, {
        timeout: false,
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        resetTimeout: 10_000,
        rollingCountTimeout: 10_000,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      });
      breakers.set(dataset, b);
    }
    return b;
  }

  return {
    async forward(svc: ProxyService, call: UpstreamCall): Promise<UpstreamAnswer> {
      const url = upstreamUrl(svc, call.path); // a bad path is the consumer's fault: refused before it can count against the circuit
      // secret data travels on the dedicated network only — so does the platform's own call
      // that fetches it, leaving from the platform's address on that network; without one, none is made.
      if (call.secret && deps.tslcdEgress === null)
        throw forbidden(
          'Nền tảng chưa có địa chỉ trên mạng truyền số liệu chuyên dùng nên không gọi dịch vụ cung cấp dữ liệu mật, tối mật.',
          'The platform has no address on the dedicated data network, so it does not call the service of secret data.',
          'R-12.2',
        );
      for (const [k, v] of Object.entries(call.query)) url.searchParams.append(k, v);
      try {
        return await breakerFor(svc.dataset_code).fire(svc, call, url);
      } catch (err) {
        throw upstreamProblem(err, svc);
      }
    },
    /** For shutdown: breakers hold timers. */
    close(): void {
      for (const b of breakers.values()) b.shutdown();
      breakers.clear();
    },
  };
}

/** 504 when the service is slow, 502 when it is down, broken or the circuit is open (say so at once rather than hang). */
function upstreamProblem(err: unknown, svc: ProxyService): Problem {
  const e = err as { name?: string; code?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return new Problem(PROBLEMS.gatewayTimeout, {
      detail: `Dịch vụ của cơ quan chủ quản không trả lời trong ${svc.timeout_ms} ms.`,
      detail_en: `The custodian service did not answer within ${svc.timeout_ms} ms.`,
    });
  }
  if (e.code === 'EOPENBREAKER') {
    return new Problem(PROBLEMS.badGateway, {
      detail: 'Dịch vụ của cơ quan chủ quản đang gặp sự cố; tạm ngừng gửi yêu cầu tới dịch vụ.',
      detail_en: 'The custodian service is failing; requests to it are paused.',
      headers: { 'retry-after': '10' },
    });
  }
  if (e.code === TOO_LARGE) {
    return new Problem(PROBLEMS.badGateway, { detail: 'Câu trả lời của dịch vụ quá lớn.', detail_en: 'The custodian service answer is too large.' });
  }
  if (err instanceof UpstreamFailure) {
    return new Problem(PROBLEMS.badGateway, {
      detail: `Dịch vụ của cơ quan chủ quản trả lời lỗi ${err.status}.`,
      detail_en: `The custodian service answered ${err.status}.`,
    });
  }
  return new Problem(PROBLEMS.badGateway, {
    detail: 'Không kết nối được dịch vụ của cơ quan chủ quản.',
    detail_en: 'The custodian service cannot be reached.',
  });
}
