/** N requests of any shape through one undici pool, `concurrency` at a time; every answer kept. */
import { Pool } from 'undici';

export interface Shot {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** What this request is, for failure reports. */
  label?: string;
}

export interface Hit {
  shot: Shot;
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: string;
  ms: number;
  error?: string;
  /** Sent twice: the first attempt's socket was reset (the server closes a connection after a request it cannot parse, and a request already on its way on that connection is lost). */
  retried?: boolean;
}

export async function fire(origin: string, n: number, concurrency: number, make: (i: number) => Shot, keepBody = 4000): Promise<{ hits: Hit[]; ms: number }> {
  const pool = new Pool(origin, { connections: concurrency, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const hits: Hit[] = [];
  let i = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (i < n) {
      const shot = make(i++);
      const s = Date.now();
      for (let attempt = 1; attempt <= 2; attempt++)
        try {
          const res = await pool.request({ method: shot.method as 'GET', path: shot.path, headers: shot.headers, body: shot.body });
          const text = (await res.body.text()).slice(0, keepBody);
          const ra = res.headers['retry-after'];
          hits.push({
            shot,
            status: res.statusCode,
            contentType: String(res.headers['content-type'] ?? ''),
            retryAfter: ra === undefined ? null : String(ra),
            body: text,
            ms: Date.now() - s,
            ...(attempt > 1 ? { retried: true } : {}),
          });
          break;
        } catch (err) {
          const e = err as { code?: string; message?: string };
          if (attempt === 1 && (e.code === 'ECONNRESET' || e.code === 'UND_ERR_SOCKET' || e.code === 'EPIPE')) continue;
          hits.push({
            shot,
            status: 0,
            contentType: '',
            retryAfter: null,
            body: '',
            ms: Date.now() - s,
            error: `${e.code ?? ''} ${e.message ?? String(err)}`.trim(),
          });
        }
    }
  };
  // FAULTS_DEBUG=1: progress every 10 s (a run that stalls shows where).
  const watch = setInterval(() => {
    if (process.env.FAULTS_DEBUG) console.log(`    … ${hits.length}/${n} answered`);
  }, 10_000);
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(watch);
  const ms = Date.now() - t0;
  await pool.close().catch(() => undefined);
  return { hits, ms };
}
