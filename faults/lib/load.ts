/**
 * Closed-loop load of gateway reads through undici: `concurrency` workers, each sending its next
 * request when the previous one is answered. Every answer is kept with what the suite reconciles
 * later: status, receipt and log headers, SHA-256 of the exact body bytes; every socket error is
 * kept with its code. Workers keep going across server deaths (they retry after a short pause).
 */
import crypto from 'node:crypto';
import { Agent, request } from 'undici';
import { sleep } from './context.ts';

export interface Answer {
  t: number;
  status: number;
  receipt: string | null;
  log: string | null;
  sha256: string;
  contentType: string;
  retryAfter: string | null;
  path: string;
  /** Only for 5xx and problem answers (first bytes), to explain failures. */
  bodyExcerpt?: string;
}

interface Failure {
  t: number;
  code: string;
  path: string;
}

export interface Load {
  answers: Answer[];
  errors: Failure[];
  stop(): Promise<void>;
}

export interface LoadSpec {
  baseUrl: () => string;
  nextPath: (i: number) => string;
  headers: Record<string, string>;
  concurrency: number;
  /** Per request, headers and body (ms). */
  timeoutMs?: number;
  /** Pause between requests of one worker (ms); 0 for closed-loop full speed. */
  pauseMs?: number;
}

export function startLoad(spec: LoadSpec): Load {
  const dispatcher = new Agent({
    connections: spec.concurrency,
    keepAliveTimeout: 10_000,
    headersTimeout: spec.timeoutMs ?? 15_000,
    bodyTimeout: spec.timeoutMs ?? 15_000,
  });
  const answers: Answer[] = [];
  const errors: Failure[] = [];
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const path = spec.nextPath(n++);
      try {
        const res = await request(spec.baseUrl() + path, { headers: spec.headers, dispatcher });
        const body = Buffer.from(await res.body.arrayBuffer());
        const h = (k: string) => {
          const v = res.headers[k];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        const a: Answer = {
          t: Date.now(),
          status: res.statusCode,
          receipt: h('lienthong-receipt'),
          log: h('lienthong-log'),
          sha256: crypto.createHash('sha256').update(body).digest('hex'),
          contentType: h('content-type') ?? '',
          retryAfter: h('retry-after'),
          path,
        };
        if (res.statusCode >= 500) a.bodyExcerpt = body.subarray(0, 2000).toString();
        answers.push(a);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        errors.push({ t: Date.now(), code: e.code ?? e.message ?? String(err), path });
        await sleep(50);
      }
      if (spec.pauseMs) await sleep(spec.pauseMs);
    }
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  return {
    answers,
    errors,
    async stop() {
      running = false;
      await Promise.all(workers);
      await dispatcher.close().catch(() => undefined);
    },
  };
}

/** Whether an answer is RFC 9457 problem+json with the platform's bilingual titles. */
export function problemIssue(status: number, contentType: string, body: string): string | null {
  if (!/^application\/problem\+json\b/i.test(contentType)) return `content-type "${contentType}"`;
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (typeof p.title !== 'string' || typeof p.title_en !== 'string') return 'no title/title_en';
  if (p.status !== undefined && p.status !== status) return `status member ${String(p.status)} ≠ ${status}`;
  return null;
}

/** Counts by status ("200": 12, "ERR ECONNRESET": 3…), for the report. */
export function countBy<T>(items: T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

export function summary(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || '—'
  );
}
