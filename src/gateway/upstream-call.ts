import type { Readable } from 'node:stream';
import { Agent, Dispatcher, getGlobalDispatcher } from 'undici';

/** A custodian service's answer, held whole. */
export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: Readable | undefined;
  /** The whole call — connection, headers, body — ends with a TimeoutError after this. */
  timeoutMs: number;
  /** A longer answer ends the call with an error whose code is TOO_LARGE. */
  maxBytes: number;
  /** The local address the connection leaves from (the dedicated network's, for secret data: ). */
  localAddress?: string | undefined;
}

export const TOO_LARGE = 'LT_UPSTREAM_TOO_LARGE';

/**
 * Node's built-in `fetch` makes its own bundled undici the global dispatcher the first time it runs
 * (anything in the process may call it), and that older version refuses the handler interface used
 * here ("invalid onError method"). The global dispatcher is taken only when it is this package's.
 */
let ownAgent: Agent | null = null;
/** One pool per local address: a connection bound to one address is never reused from another. */
const bound = new Map<string, Agent>();
function dispatcher(localAddress: string | undefined): Dispatcher {
  if (localAddress !== undefined) {
    let agent = bound.get(localAddress);
    if (!agent) bound.set(localAddress, (agent = new Agent({ localAddress })));
    return agent;
  }
  const global = getGlobalDispatcher();
  if (global instanceof Dispatcher) return global;
  return (ownAgent ??= new Agent());
}

/**
 * One HTTP call through undici's dispatcher (the same connection pools as `undici.request`),
 * with a handler that keeps the answer's chunks itself: no response stream, async iterator or
 * abort signal per call, which cost the proxy path more than the rest of undici's work.
 */
export function callUpstream(url: URL, req: UpstreamRequest): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let failure: Error | null = null;
    let status = 0;
    let contentType = 'application/octet-stream';
    const chunks: Buffer[] = [];
    let size = 0;

    // Settles once: a timeout or an oversized answer rejects at once and aborts the call, even
    // one still waiting for a connection (it is aborted when it gets one).
    const fail = (err: Error) => {
      if (failure) return;
      failure = err;
      clearTimeout(timer);
      controller?.abort(err);
      reject(err);
    };
    const timer = setTimeout(() => fail(new DOMException(`no answer within ${req.timeoutMs} ms`, 'TimeoutError')), req.timeoutMs).unref();

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        if (failure) c.abort(failure);
        else controller = c;
      },
      onResponseStart(_c, statusCode, headers) {
        status = statusCode;
        const type = headers['content-type'];
        if (type !== undefined) contentType = String(type);
      },
      onResponseData(_c, chunk) {
        size += chunk.length;
        if (size > req.maxBytes) fail(Object.assign(new Error('upstream answer too large'), { code: TOO_LARGE }));
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (failure) return;
        clearTimeout(timer);
        resolve({ status, contentType, body: Buffer.concat(chunks, size) });
      },
      onResponseError(_c, err) {
        fail(err);
      },
    };
    dispatcher(req.localAddress).dispatch(
      { origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body ?? null },
      handler,
    );
  });
}
