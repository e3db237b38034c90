import { LRUCache } from 'lru-cache';
import { forbidden } from '../core/errors.ts';
import type { Zone } from '../core/zones.ts';
import type { Change } from '../sync/index.ts';
import type { Exchange, GatewayRequest, GatewayResponse, Outcome } from './exchange.ts';
import { changeOf, requireHosted } from './feeds.ts';
import type { Authorized } from './service.ts';
import { planKey } from './shaping.ts';

/**
 * Push deliveries (webhooks, docs/push.md) through the gateway's pipeline: each batch is decided
 * again — account still active, service not stopped (R-15.3/15.4), grant, purpose,
 * fields, consumer suspension, security level, zone of the consumer system —,
 * shaped and masked exactly like a feed page, encrypted to the consumer's key when secret,
 * signed, and written to the custodian's sharing log with its receipt before any byte is
 * sent. The push module formats the events and sends them; it never sees data the grant refuses.
 */
export interface PushSubject {
  subscription: string;
  dataset: string;
  system: string;
  agency: string;
  account: string;
  purpose: string | null;
  /** Fields asked for, within the grant; null = every granted field. */
  fields: string[] | null;
  /** Equality filters on granted fields. */
  filter: Record<string, string>;
}

/** One change as it may leave: shaped and masked, or (secret data) a compact JWE of it. */
export interface PushEvent {
  id: string;
  position: number;
  op: 'upsert' | 'delete';
  changed_at: Date;
  /** The record key; null when the data is encrypted (the key is inside the JWE). */
  key: string | null;
  /** The event's data as JSON text: the shaped change, or (secret data) its compact JWE as a JSON string. */
  json: string;
  contentType: 'application/json' | 'application/jose';
  /**
   * This event (this object) is given to every subscription that shapes it alike (dataset,
   * position, shape) and never changes, so it may be encoded once for all of them; absent when
   * encrypted (for one system only).
   */
  readonly shared?: true;
}

export interface PushPipeline {
  begin(req: GatewayRequest, form: Exchange['form']): Exchange;
  authorizePush(ex: Exchange, s: PushSubject, zone: Zone): Promise<Authorized>;
  protect(a: Authorized, status: number, value: unknown): Promise<Outcome>;
  release(ex: Exchange, outcome: Outcome): Promise<GatewayResponse>;
  zoneOf(system: string): Promise<Zone>;
}

const matches = (data: Record<string, unknown>, filter: Record<string, string>) =>
  Object.entries(filter).every(([f, v]) => data[f] !== undefined && data[f] !== null && String(data[f]) === v);

/**
 * A change shaped for a grant, as its event, by dataset, position and shape (a position names one
 * change of its dataset for good): a hundred subscriptions of one grant shape and serialise a
 * change once, and the renderer encodes that event once (it knows it by identity). Bounded by the
 * texts' length: a minute or so of changes at a thousand a second.
 */
const SHAPED = { max: 100_000, maxSize: 16_000_000, sizeCalculation: (e: PushEvent) => e.json.length };

const eventBase = (dataset: string, c: Change) => ({
  id: `${dataset}:${c.position}`,
  position: c.position,
  op: c.deleted ? ('delete' as const) : ('upsert' as const),
  changed_at: c.written_at,
});

export function createPushes(p: PushPipeline) {
  const shaped = new LRUCache<string, PushEvent>(SHAPED);
  /** the shape is part of the key — an event is reused only for readers it shapes alike. */
  function clearEvent(dataset: string, c: Change, shape: (c: Change) => unknown, plan: string): PushEvent {
    const key = `${dataset}\u0000${c.position}\u0000${plan}`;
    let e = shaped.get(key);
    if (e === undefined)
      shaped.set(
        key,
        (e = Object.freeze({ ...eventBase(dataset, c), key: c.key, json: JSON.stringify(shape(c)), contentType: 'application/json', shared: true })),
      );
    return e;
  }

  /** only the consumer system's private key opens it; the key travels inside. Never shared: the JWE is for one system. */
  async function sealedEvent(a: Authorized, dataset: string, c: Change, shape: (c: Change) => unknown): Promise<PushEvent> {
    const sealed = await p.protect(a, 200, shape(c));
    return { ...eventBase(dataset, c), key: null, json: JSON.stringify(sealed.body.toString('utf8')), contentType: 'application/jose' };
  }

  return {
    /**
     * Decides, shapes and logs one batch of changes for a subscription. Returns null when none of
     * the changes passes the filter (nothing to send, nothing logged), else the released answer:
     * its body is what must be sent, its headers carry the receipt (status 503 when the log could
     * not take the entry: nothing may be sent). A refusal is thrown as a Problem, never sent.
     * Deletions always pass the filter: a tombstone has no content to compare.
     */
    async pushBatch(
      s: PushSubject,
      changes: readonly Change[],
      render: (events: PushEvent[]) => { contentType: string; body: Buffer },
      traceId: string,
    ): Promise<GatewayResponse | null> {
      const zone = await p.zoneOf(s.system);
      const req: GatewayRequest = {
        requestId: traceId,
        method: 'POST',
        path: `/data/v1/${s.dataset}/subscriptions/${s.subscription}/deliveries`,
        query: {},
        authorization: undefined,
        purpose: s.purpose ?? undefined,
        traceId,
        zone,
        ip: '',
      };
      const ex = p.begin(req, 'push');
      const a = await p.authorizePush(ex, s, zone);
      requireHosted(a);
      // a filter on a field the consumer may not read would reveal it one change at a time.
      const hidden = Object.keys(s.filter).filter((f) => !a.plan.whole.has(f));
      if (hidden.length)
        throw forbidden(
          `Chỉ lọc được theo các trường được cấp; không được: ${hidden.join(', ')}.`,
          `Filters only on granted fields; not: ${hidden.join(', ')}.`,
          'R-8.2',
        );
      const chosen = changes.filter((c) => c.deleted || !c.data || matches(c.data, s.filter));
      if (!chosen.length) return null;
      ex.recordKeys = chosen.map((c) => c.key);
      const shape = changeOf(s.dataset, a);
      const plan = planKey(a.plan);
      const events = a.view.secret
        ? await Promise.all(chosen.map((c) => sealedEvent(a, s.dataset, c, shape)))
        : chosen.map((c) => clearEvent(s.dataset, c, shape, plan));
      const out = render(events);
      return p.release(ex, { status: 200, contentType: out.contentType, body: out.body });
    },
  };
}
