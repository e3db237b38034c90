import { Problem } from '../core/errors.ts';
import type { ChangeNotifier, Feed } from '../sync/index.ts';
import type { Exchange, GatewayRequest, GatewayResponse, Outcome } from './exchange.ts';
import { RECEIPT_HEADER, SIGNATURE_HEADER } from './exchange.ts';
import { type Pipeline, encode, feedCursor, requireHosted } from './feeds.ts';

/**
 * Server-sent events of a hosted dataset's change feed (R-4.3, R-6.1c; docs/sync.md):
 * `GET /data/v1/{dataset}/stream`. Each batch of changes is one exchange of the gateway's pipeline
 * — decided again, shaped and masked exactly as `/changes` (the same page function), JWE for
 * secret data (R-11, on tslcd only: R-12.2), signed, and its R-17.2 entry durably appended with its
 * receipt before its bytes are written. The event's `id` is the feed cursor after it: a client
 * resumes with `Last-Event-ID` (or `?cursor=`) with no gap and no duplicate.
 */
export interface StreamPipeline extends Pipeline {
  changesPage(
    ex: Exchange,
    req: GatewayRequest,
    code: string,
    throttled: boolean,
    ask: () => { after: number; limit: number },
    seenHead?: number,
  ): Promise<Outcome & { last: number }>;
  /** Decides a read again without logging it (nothing is sent): throws the refusal. */
  recheck(req: GatewayRequest, code: string): Promise<void>;
  /** One exchange whose opening is decided (and a refusal signed and logged) before the stream starts. */
  opening(req: GatewayRequest, work: (ex: Exchange) => Promise<StreamOpening>): Promise<StreamOpening | GatewayResponse>;
}

/** Where the stream's bytes go: the HTTP response, with backpressure. */
export interface StreamSink {
  /** Resolves once the socket took the bytes without over-filling (waits for 'drain'); false once the client is gone. */
  write(chunk: string | Buffer): Promise<boolean>;
  /** Whether a write is waiting for a slow client. */
  readonly blocked: boolean;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  end(): void;
  destroy(): void;
}

export interface StreamOpening {
  status: 200;
  headers: Record<string, string>;
  run(sink: StreamSink): Promise<void>;
}

export interface StreamOptions {
  /** How often a stream's decision is taken again between batches (R-15, R-16: a stopped consumer's stream closes within a second). */
  recheckMs: number;
  /** Comment lines that keep proxies from closing an idle stream. */
  heartbeatMs: number;
  /** The feed is read again this often even without a notification (a lost one costs this much latency at most). */
  pollMs: number;
  /** Changes per batch at most. */
  batch: number;
}

export const STREAM_DEFAULTS: StreamOptions = { recheckMs: 400, heartbeatMs: 15_000, pollMs: 5_000, batch: 500 };

/** The reconnection delay a client is told (SSE `retry:`). */
const RETRY_MS = 1000;

/** A refusal that ends a stream for good (R-15: suspended or stopped, R-16: revoked, terminated, not granted any more). */
function ends(err: unknown): boolean {
  if (!(err instanceof Problem)) return false;
  const rule = err.options.rule ?? '';
  return err.status === 401 || err.status === 403 || rule.startsWith('R-15') || rule.startsWith('R-16');
}

/** The event name of a refusal: `suspended` for R-15 (consumer suspension, service stop), `revoked` for the rest of what ends access, else `error`. */
function refusalEvent(body: Buffer, status: number): string {
  let rule = '';
  try {
    rule = String((JSON.parse(body.toString('utf8')) as { rule?: unknown }).rule ?? '');
  } catch {
    // (a body that is not JSON names no rule)
  }
  if (rule.startsWith('R-15')) return 'suspended';
  return status === 401 || status === 403 ? 'revoked' : 'error';
}

/**
 * An answer of the pipeline as one SSE event: a line of its evidence (receipt, log, signature,
 * type), then its exact signed bytes — copied as bytes, not decoded to text and encoded again.
 */
function sseEvent(event: string, res: GatewayResponse, id?: string): Buffer {
  const meta = JSON.stringify({
    status: res.status,
    receipt: res.headers[RECEIPT_HEADER] ?? null,
    log: res.headers['lienthong-log'] ?? null,
    signature: res.headers[SIGNATURE_HEADER] ?? null,
    content_type: res.headers['content-type'] ?? null,
  });
  // JSON text and compact JWE hold no line break: the body is one `data:` line, byte for byte.
  return Buffer.concat([Buffer.from(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${meta}\ndata: `), res.body, EVENT_END]);
}

const EVENT_END = Buffer.from('\n\n');

export function createStreams(p: StreamPipeline, deps: { feed: Feed; notifier: ChangeNotifier; options: StreamOptions }) {
  const { feed, notifier, options: o } = deps;
  const open = new Set<StreamSink>();

  /**
   * Streams of one token, dataset, purpose, fields and zone ask the same question: one decision
   * answers them all for a quarter of the period, so a hundred streams of one consumer cost a few
   * decisions a second, and an act is still seen within the period and a quarter.
   */
  const decided = new Map<string, { at: number; answer: Promise<void> }>();
  function decideAgain(req: GatewayRequest, code: string): Promise<void> {
    const key = [req.authorization ?? '', code, req.query.fields ?? '', req.purpose ?? '', req.zone].join('\u0000');
    const now = performance.now();
    const hit = decided.get(key);
    if (hit && now - hit.at < o.recheckMs / 4) return hit.answer;
    if (decided.size >= 10_000) decided.clear();
    const answer = p.recheck(req, code);
    decided.set(key, { at: now, answer });
    return answer;
  }

  /** Where the stream starts: `Last-Event-ID` (a reconnection), else `?cursor=`, else the feed's start. */
  function startOf(req: GatewayRequest, code: string): number {
    const c = req.lastEventId ?? req.query.cursor;
    return c === undefined || c === '' ? 0 : feedCursor(c, code).p;
  }

  async function run(req: GatewayRequest, code: string, start: number, sink: StreamSink): Promise<void> {
    open.add(sink);
    let position = start;
    let stopped = false;
    let woken = false;
    let refused = false;
    let wake = () => undefined as void;
    const rouse = () => {
      woken = true;
      wake();
    };
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    const unsubscribe = notifier.onChange(code, (e) => {
      if (e.position === null || e.position > position) rouse();
    });
    const onAbort = () => {
      stopped = true;
      rouse();
    };
    sink.signal.addEventListener('abort', onAbort);
    // R-15.1, R-15.2, R-16: the decision is taken again between batches; what ends access closes the stream.
    let checking = false;
    const recheck = setInterval(() => {
      if (checking || refused) return;
      checking = true;
      decideAgain(req, code)
        .catch((err: unknown) => {
          if (!ends(err)) return;
          refused = true;
          // A client too slow to take the closing event is cut off: it gets no more data either way.
          if (sink.blocked) sink.destroy();
          rouse();
        })
        .finally(() => (checking = false));
    }, o.recheckMs);
    const heartbeat = setInterval(() => {
      if (!sink.blocked) void sink.write(': keep-alive\n\n');
    }, o.heartbeatMs);
    try {
      if (!(await sink.write(`retry: ${RETRY_MS}\n: ${code}\n\n`))) return;
      while (!stopped) {
        woken = false;
        const head = await feed.head(code).catch(() => position);
        if (head <= position && !refused) {
          if (!woken) await sleep(o.pollMs);
          continue;
        }
        const from = position;
        let last = from;
        const batchReq: GatewayRequest = { ...req, query: { ...req.query, cursor: encode({ d: code, p: from }) } };
        const res = await p.exchange(batchReq, 'push', async (ex) => {
          const page = await p.changesPage(ex, batchReq, code, false, () => ({ after: from, limit: o.batch }), head);
          last = page.last;
          return page;
        });
        // The entry is in the log (its receipt is in the event) before any of these bytes is written.
        if (res.status >= 400) {
          await sink.write(sseEvent(refusalEvent(res.body, res.status), res));
          return;
        }
        if (!(await sink.write(sseEvent('changes', res, encode({ d: code, p: last }))))) return;
        position = last;
      }
    } finally {
      clearInterval(recheck);
      clearInterval(heartbeat);
      unsubscribe();
      sink.signal.removeEventListener('abort', onAbort);
      open.delete(sink);
      sink.end();
    }
  }

  return {
    /** GET /data/v1/{dataset}/stream?cursor=&fields= (`Last-Event-ID` resumes): decided, then the stream. */
    stream(req: GatewayRequest, code: string): Promise<StreamOpening | GatewayResponse> {
      return p.opening(req, async (ex) => {
        const a = await p.authorizeRead(ex, code, p.askedFields(req.query), false, true);
        requireHosted(a);
        const start = startOf(req, code);
        return {
          status: 200,
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-store',
            // (nginx and the like would otherwise hold events back in their buffers)
            'x-accel-buffering': 'no',
          },
          run: (sink) => run(req, code, start, sink),
        };
      });
    },
    /** At shutdown: every open stream is ended (clients reconnect to another instance with Last-Event-ID). */
    closeAll(): void {
      for (const sink of open) sink.destroy();
    },
  };
}
