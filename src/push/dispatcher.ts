import crypto from 'node:crypto';
import os from 'node:os';
import { Agent, request } from 'undici';
import type { Clock } from '../core/clock.ts';
import { Problem } from '../core/errors.ts';
import type { Gateway } from '../gateway/index.ts';
import { RECEIPT_HEADER, SIGNATURE_HEADER } from '../gateway/index.ts';
import type { Feed } from '../sync/index.ts';
import { createRenderer } from './cloudevents.ts';
import type { WebhookKeyRing } from './keys.ts';
import type { SubscriptionRow, SubscriptionStore } from './store.ts';

export interface DispatcherOptions {
  /** How often the dispatcher looks for work when nobody wakes it. */
  pollMs: number;
  /** The whole HTTP call to a receiver: connection, headers, body. */
  timeoutMs: number;
  /** Deliveries in flight at once on this instance (each to a different subscription). */
  concurrency: number;
  /** First retry waits up to this (full jitter), doubling per failure in a row… */
  baseDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
  /** Failures in a row for this long disable the subscription (`retries_exhausted`). */
  retryWindowMs: number;
  /** A delivery the decision refused (a suspension, a service stop) is decided again after this. */
  refusalRetryMs: number;
  /** Where events say they come from: `<publicUrl>/data/v1/<dataset>`. */
  publicUrl: string;
  /** Uniform in [0, 1): the jitter (injectable so tests are exact). */
  random?: () => number;
  log?: (msg: string, err?: unknown) => void;
}

export const DEFAULT_DISPATCHER: Omit<DispatcherOptions, 'publicUrl'> = {
  pollMs: 250,
  timeoutMs: 10_000,
  concurrency: 64,
  baseDelayMs: 1_000,
  maxDelayMs: 3_600_000,
  retryWindowMs: 3 * 24 * 3600_000,
  refusalRetryMs: 30_000,
};

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(n−1))] after the n-th failure in a row. */
export function backoff(failures: number, o: Pick<DispatcherOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` in seconds or as an HTTP date, in ms from `now`; undefined when absent or malformed. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Whichever timer fires first — our signal's, or undici's own connect/headers/body timeouts (its
 * coarse timers may fire a little before ours) — the receiver did not answer in time.
 */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
export function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'TimeoutError' || err.name === 'AbortError' || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

/** Rules whose refusal is temporary: the subscription stays active and is decided again later. */
const TEMPORARY_RULES = new Set(['R-15.2', 'R-15.3', 'R-15.4', 'R-17.1']);

/**
 * Sends the changes of every active subscription to its receiver, one delivery in flight per
 * subscription (per-key order kept: a subscription's changes go in feed order) and up to
 * `concurrency` subscriptions at once, each on its own promise: a slow or failing receiver holds
 * one slot and its own lease, never the others. Work is shared by instances through leases in
 * the database (store.ts `claim`).
 */
export function createDispatcher(
  deps: { store: SubscriptionStore; feed: Feed; gateway: Pick<Gateway, 'pushBatch'>; keys: WebhookKeyRing; clock: Clock },
  o: DispatcherOptions,
) {
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  const random = o.random ?? Math.random;
  const log = o.log ?? (() => undefined);
  const leaseMs = o.timeoutMs * 2 + 5_000;
  const agent = new Agent({ connect: { timeout: o.timeoutMs }, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs, connections: 4 });
  const render = createRenderer();
  const inFlight = new Map<string, AbortController>();
  /** Subscriptions claimed while their previous delivery was still ending (findWork). */
  const claimedAgain = new Map<string, { s: SubscriptionRow; head: number }>();
  let ticking: Promise<void> | null = null;
  let again = false;
  let closed = false;

  async function findWork(): Promise<void> {
    const free = o.concurrency - inFlight.size;
    if (free <= 0) return;
    const datasets = await deps.store.activeDatasets();
    if (!datasets.length) return;
    const heads = new Map<string, number>();
    for (const d of datasets) heads.set(d, await deps.feed.head(d));
    const now = deps.clock.now();
    const claimed = await deps.store.claim(owner, heads, now, new Date(now.getTime() + leaseMs), free);
    for (const s of claimed) {
      if (closed) continue; // (close gives every lease back)
      // Claimed in the moment between its last delivery's end being recorded (the lease let go)
      // and that delivery leaving `inFlight`: the lease is ours again, so it is delivered right
      // after — skipped, it would sit leased by nobody until the lease ran out.
      const head = heads.get(s.dataset_code)!;
      if (inFlight.has(s.id)) claimedAgain.set(s.id, { s, head });
      else start(s, head);
    }
  }

  /** `head`: the feed's head when `s` was claimed (its changes up to there exist). */
  function start(s: SubscriptionRow, head: number): void {
    const abort = new AbortController();
    inFlight.set(s.id, abort);
    void deliver(s, head, abort.signal)
      .catch((err: unknown) => log(`push delivery of ${s.id} failed`, err))
      .finally(() => {
        inFlight.delete(s.id);
        const next = claimedAgain.get(s.id);
        claimedAgain.delete(s.id);
        if (next && !closed) void startAgain(next.s.id, next.head);
        wake();
      });
  }

  /**
   * A subscription claimed while its previous delivery was ending is delivered from its row as it
   * is now: the claim's copy may be older than that delivery's end (a lease that ran out mid-way
   * is claimed before the end is recorded), and would send its changes again. If that end was
   * recorded after the claim, it let the lease go too, and the next look for work claims it anew.
   */
  async function startAgain(id: string, head: number): Promise<void> {
    const s = await deps.store.get(id).catch(() => undefined);
    if (closed || inFlight.has(id)) return;
    if (s && s.state === 'active' && s.lease_owner === owner && s.lease_expires_at && s.lease_expires_at > deps.clock.now()) start(s, head);
    else wake();
  }

  /** Looks for work now (a write was committed, a delivery ended); calls made while looking run it once more after. */
  function wake(): void {
    if (closed) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = (async () => {
      try {
        do {
          again = false;
          await findWork();
        } while (again && !closed);
      } catch (err) {
        log('push dispatcher could not look for work', err);
      } finally {
        ticking = null;
      }
    })();
  }

  async function deliver(s: SubscriptionRow, head: number, signal: AbortSignal): Promise<void> {
    const changes = await deps.feed.changes(s.dataset_code, s.position, s.batch_max, head);
    if (!changes.length) {
      await deps.store.complete(s, owner, { kind: 'skipped', position: s.position, at: deps.clock.now() });
      return;
    }
    const last = changes.at(-1)?.position ?? s.position;
    const traceId = crypto.randomUUID();
    const ctx = { source: `${o.publicUrl}/data/v1/${s.dataset_code}`, subscription: s.id };
    const first = changes[0]!;
    const id = s.batch_max > 1 ? `${s.dataset_code}:${first.position}-${last}` : `${s.dataset_code}:${first.position}`;
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    // Signed (off the event loop) while the gateway writes the log entry; sent only if that succeeds.
    let signature: Promise<string> | undefined;
    let released;
    try {
      released = await deps.gateway.pushBatch(
        {
          subscription: s.id,
          dataset: s.dataset_code,
          system: s.system_code,
          agency: s.agency_code,
          account: s.client_id,
          purpose: s.purpose,
          fields: s.fields,
          filter: s.filter,
        },
        changes,
        (events) => {
          const out = render(events, ctx, s.batch_max > 1);
          signature = deps.keys.sign(id, timestamp, out.body);
          signature.catch(() => undefined); // awaited below, unless the log refused
          return out;
        },
        traceId,
      );
    } catch (err) {
      return refused(s, err);
    }
    if (released === null) {
      await deps.store.complete(s, owner, { kind: 'skipped', position: last, at: deps.clock.now() });
      return;
    }
    if (released.status !== 200) {
      // R-17.1: the log did not take the entry, so nothing may be sent; tried again later.
      return failed(s, 'sharing log unavailable (R-17.1)', true);
    }
    const body = released.body;
    const headers: Record<string, string> = {
      'content-type': released.headers['content-type']!,
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': await signature!,
      [RECEIPT_HEADER]: released.headers[RECEIPT_HEADER]!,
      [SIGNATURE_HEADER]: released.headers[SIGNATURE_HEADER]!,
      'user-agent': 'LienThong-Webhooks/1',
    };
    let status: number;
    let retryAfter: string | undefined;
    try {
      const res = await request(s.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs)]),
      });
      status = res.statusCode;
      const ra = res.headers['retry-after'];
      retryAfter = Array.isArray(ra) ? ra[0] : ra;
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    } catch (err) {
      if (closed) return; // shut down mid-delivery: the lease is given back, another instance sends it again
      return failed(s, isTimeout(err) ? `timeout after ${o.timeoutMs} ms` : `network error: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    const at = deps.clock.now();
    if (status >= 200 && status < 300) {
      await deps.store.complete(s, owner, { kind: 'sent', position: last, events: s.batch_max > 1 ? changes.length : 1, at });
    } else if (status === 410) {
      await deps.store.complete(s, owner, { kind: 'disabled', reason: 'receiver answered 410 Gone', at });
    } else if (status === 429) {
      const wait = retryAfterMs(retryAfter, at);
      return failed(
        s,
        `receiver answered 429${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}`,
        true,
        wait === undefined ? undefined : Math.min(wait, o.maxDelayMs),
      );
    } else {
      return failed(s, `receiver answered ${status}`, true);
    }
  }

  async function failed(s: SubscriptionRow, reason: string, counts: boolean, waitMs?: number): Promise<void> {
    const at = deps.clock.now();
    const wait = waitMs ?? backoff(s.consecutive_failures + 1, o, random);
    await deps.store.complete(s, owner, { kind: 'failed', reason, at, next: new Date(at.getTime() + wait), counts, exhaustAfterMs: o.retryWindowMs });
  }

  /** The decision refused: nothing was sent or logged. A stop that can end keeps the subscription; a lost grant or account disables it. */
  async function refused(s: SubscriptionRow, err: unknown): Promise<void> {
    if (!(err instanceof Problem)) return failed(s, `platform error: ${err instanceof Error ? err.message : String(err)}`, false);
    const rule = err.options.rule ?? null;
    const reason = `${err.status}${rule ? ` ${rule}` : ''}: ${err.options.detail_en ?? err.kind.title_en}`;
    if (err.status >= 500 || (rule && TEMPORARY_RULES.has(rule))) return failed(s, reason, false, o.refusalRetryMs);
    await deps.store.complete(s, owner, { kind: 'disabled', reason, at: deps.clock.now() });
  }

  return {
    wake,
    /** The periodic look for work (the module's job): the same as a wake. */
    async tick(): Promise<void> {
      wake();
      await ticking;
    },
    owner,
    inFlight: () => inFlight.size,
    async close(): Promise<void> {
      closed = true;
      await ticking;
      for (const a of inFlight.values()) a.abort();
      await deps.store.releaseAll(owner).catch(() => undefined);
      await agent.close().catch(() => undefined);
    },
  };
}
