import http from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEMS, Problem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';

/** What Node's HTTP server is built with: time limits for slow clients, and no Host check of its own (ours answers problem+json). */
export interface EdgeOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export function nodeServerOptions(o: EdgeOptions): http.ServerOptions {
  return {
    // Node's own check answers a bare 400 before any handler runs; `requireHost` answers instead.
    requireHostHeader: false,
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    // How often Node looks for connections past those limits (its default, 30 s, would let a slow client stay 30 s longer).
    connectionsCheckingInterval: 1_000,
    // (the keep-alive timeout stays Node's: 5 s)
  };
}

/** A request refused by Node's HTTP parser, before any route: what is known of it. */
export interface ClientErrorRequest {
  method: string;
  /** The request target, when its request line arrived whole. */
  url: string | null;
  socket: Socket;
  problem: Problem;
}

/** The answer to write on the raw socket: status, headers and body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\S{1,65536}) HTTP\/1\.[01]\r?\n/;

/** A request line this long (or cut before its end) is what overflowed: the URI, not the headers. */
const LONG_REQUEST_LINE = 8 * 1024;

/** Node's parser errors as the platform's problems (RFC 9457): 414, 431, 408 or 400. */
function clientErrorProblem(err: NodeJS.ErrnoException, raw: Buffer | null): Problem {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const lineEnd = raw ? raw.indexOf('\r\n') : -1;
      if (raw && (lineEnd < 0 || lineEnd > LONG_REQUEST_LINE)) {
        return new Problem(PROBLEMS.uriTooLong, { detail: 'Đường dẫn của yêu cầu quá dài.', detail_en: 'The request URI is too long.' });
      }
      return new Problem(PROBLEMS.headersTooLarge, {
        detail: 'Phần tiêu đề vượt quá giới hạn cho phép.',
        detail_en: 'The request headers exceed the allowed size.',
      });
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem(PROBLEMS.requestTimeout, {
        detail: 'Yêu cầu không được gửi đủ trong thời gian cho phép.',
        detail_en: 'The request was not received in the time allowed.',
      });
    default:
      return new Problem(PROBLEMS.badRequest, { detail: 'Yêu cầu HTTP không đúng cú pháp.', detail_en: 'The HTTP request is malformed.' });
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse (oversized headers, a slow
 * client, bad syntax) still gets a problem+json answer, through `answer` — the data gateway signs
 * and logs its own (gateway/routes.ts). The connection is closed after it.
 */
export function clientErrorHandler(answer: (r: ClientErrorRequest) => Promise<RawAnswer>) {
  return (error: Error, socket: Socket): void => {
    const err = error as NodeJS.ErrnoException & { rawPacket?: unknown };
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : null;
    const line = raw ? REQUEST_LINE.exec(raw.subarray(0, 70_000).toString('latin1')) : null;
    const problem = clientErrorProblem(err, raw);
    answer({ method: line?.[1] ?? 'GET', url: line?.[2] ?? null, socket, problem })
      .catch(() => plainAnswer(problem, line?.[2] ?? '/'))
      .then((a) => writeRaw(socket, a));
  };
}

/** The problem as a plain answer (not signed, not logged): outside the data gateway. */
export function plainAnswer(problem: Problem, url: string): RawAnswer {
  const body = Buffer.from(JSON.stringify(problem.body(url.split('?')[0]!, newId())));
  return { status: problem.status, headers: { ...problem.options.headers, 'content-type': 'application/problem+json; charset=utf-8' }, body };
}

function writeRaw(socket: Socket, a: RawAnswer): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const headers = { ...a.headers, 'content-length': String(a.body.length), connection: 'close' };
  const head = `HTTP/1.1 ${a.status} ${http.STATUS_CODES[a.status] ?? ''}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), a.body]));
  // A client that reads nothing must not hold the socket: it goes after a second either way.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (400), as problem+json like any other refusal. */
export function missingHost(httpVersion: string, host: string | undefined): Problem | null {
  if (httpVersion !== '1.1' || host !== undefined) return null;
  return new Problem(PROBLEMS.badRequest, { detail: 'Yêu cầu HTTP/1.1 phải có tiêu đề Host.', detail_en: 'An HTTP/1.1 request must carry a Host header.' });
}
