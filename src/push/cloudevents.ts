import type { PushEvent } from '../gateway/index.ts';

/**
 * CloudEvents 1.0 in the JSON format: one event in structured mode
 * (`application/cloudevents+json`) or several in batched mode (`application/cloudevents-batch+json`).
 * `id` is the feed change's id (`<dataset>:<position>`), the same on every delivery and replay, so
 * receivers de-duplicate on it.
 */
const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

const EVENT_TYPES = { upsert: 'vn.lienthong.record.upserted', delete: 'vn.lienthong.record.deleted' } as const;

interface CloudEventContext {
  /** `<public url>/data/v1/<dataset>` */
  source: string;
  subscription: string;
}

/**
 * The events' JSON text, written out rather than built as objects and stringified (a hundred
 * subscriptions at a thousand changes a second make a hundred thousand events a second): the
 * attributes every event of the delivery shares (`head`), then each event's own (`tail`), its data
 * as the gateway gave it (JSON text, spliced in as it is). Strings that could hold a quote or a
 * backslash go through JSON.stringify; the rest (event type, media type, ISO time, integer
 * position) cannot.
 */
const headOf = (ctx: CloudEventContext) =>
  `{"specversion":"1.0","source":${JSON.stringify(ctx.source)},"lienthongsubscription":${JSON.stringify(ctx.subscription)}`;

const tailOf = (e: PushEvent) =>
  `,"id":${JSON.stringify(e.id)},"type":"${EVENT_TYPES[e.op]}"${
    // A secret record's key stays inside its JWE.
    e.key !== null ? `,"subject":${JSON.stringify(e.key)}` : ''
  },"time":"${e.changed_at.toISOString()}","datacontenttype":"${e.contentType}","lienthongposition":"${e.position}","data":${e.json}}`;

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export type Render = (events: PushEvent[], ctx: CloudEventContext, batched: boolean) => { contentType: string; body: Buffer };

/**
 * A renderer that keeps the bytes of each shared event (the gateway gives one object to every
 * subscription of one shape, and keeps it while it is in use): a hundred subscriptions encode an
 * event once, and a delivery is its subscription's head and the kept tails copied side by side.
 * Encrypted events are encoded each time (their JWE is for one system). Kept as long as the event.
 */
export function createRenderer(): Render {
  const tails = new WeakMap<PushEvent, { source: string; bytes: Buffer }>();
  const tail = (e: PushEvent, source: string) => {
    if (!e.shared) return Buffer.from(tailOf(e));
    let t = tails.get(e);
    if (t === undefined || t.source !== source) tails.set(e, (t = { source, bytes: Buffer.from(tailOf(e)) }));
    return t.bytes;
  };
  return (events, ctx, batched) => {
    if (!batched && events.length !== 1) throw new Error('structured mode carries one event');
    const head = Buffer.from(headOf(ctx));
    if (!batched) return { contentType: STRUCTURED, body: Buffer.concat([head, tail(events[0]!, ctx.source)]) };
    const parts: Buffer[] = [OPEN];
    events.forEach((e, i) => parts.push(...(i ? [COMMA] : []), head, tail(e, ctx.source)));
    parts.push(CLOSE);
    return { contentType: BATCH, body: Buffer.concat(parts) };
  };
}
