import { type EventSourceMessage, createParser } from 'eventsource-parser';

/** An event as a test reads it: the SSE fields, the evidence line and the body (a `/changes` page, or a problem). */
interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  meta: { status: number; receipt: string | null; log: string | null; signature: string | null; content_type: string | null };
  body: Record<string, unknown>;
  raw: string;
  at: number;
}

/** A raw event stream read with fetch, for what the SDK hides: event names, ids, the moment the server closes it. */
export interface RawStream {
  status: number;
  headers: Headers;
  /** The next event, or null once the server closed the stream. */
  next(timeoutMs?: number): Promise<SseEvent | null>;
  /** When the server ended the response (ms since epoch), once it has. */
  closed: Promise<number>;
  comments: string[];
  close(): void;
}

export async function openRaw(url: string, headers: Record<string, string>): Promise<RawStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const queue: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  const comments: string[] = [];
  let ended = false;
  const poke = () => waiters.splice(0).forEach((w) => w());
  const parser = createParser({
    onEvent: (e: EventSourceMessage) => {
      const cut = e.data.indexOf('\n');
      const body = e.data.slice(cut + 1);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        parsed = { jwe: body };
      }
      queue.push({ id: e.id, event: e.event, meta: JSON.parse(e.data.slice(0, cut)) as SseEvent['meta'], body: parsed, raw: body, at: Date.now() });
      poke();
    },
    onComment: (c) => comments.push(c),
  });
  const closed = (async () => {
    if (!res.body) return Date.now();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // (closed by this side)
    }
    ended = true;
    poke();
    return Date.now();
  })();
  return {
    status: res.status,
    headers: res.headers,
    comments,
    closed,
    async next(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const e = queue.shift();
        if (e) return e;
        if (ended) return null;
        if (Date.now() > until) throw new Error('no event in time');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => abort.abort(),
  };
}
