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

export interface CloudEventContext {
  /** `<public url>/data/v1/<dataset>` */
  source: string;
  subscription: string;
}

/**
 * The events' JSON text, written out rather than built as objects and stringified (a hundred
 * subscriptions at a thousand changes a second make a hundred thousand events a second): the
 * attributes every event of the delivery shares once, then each event's own, then its data as the
 * gateway gave it (JSON text, spliced in as it is). Strings that could hold a quote or a
 * backslash go through JSON.stringify; the rest (event type, media type, ISO time, integer
 * position) cannot.
 */
function eventTexts(events: PushEvent[], ctx: CloudEventContext): string[] {
  const shared = `{"specversion":"1.0","source":${JSON.stringify(ctx.source)},"lienthongsubscription":${JSON.stringify(ctx.subscription)}`;
  return events.map(
    (e) =>
      `${shared},"id":${JSON.stringify(e.id)},"type":"${EVENT_TYPES[e.op]}"${
        // A secret record's key stays inside its JWE.
        e.key !== null ? `,"subject":${JSON.stringify(e.key)}` : ''
      },"time":"${e.changed_at.toISOString()}","datacontenttype":"${e.contentType}","lienthongposition":"${e.position}","data":${e.json}}`,
  );
}

export function render(events: PushEvent[], ctx: CloudEventContext, batched: boolean): { contentType: string; body: Buffer } {
  if (!batched) {
    if (events.length !== 1) throw new Error('structured mode carries one event');
    return { contentType: STRUCTURED, body: Buffer.from(eventTexts(events, ctx)[0]!) };
  }
  return { contentType: BATCH, body: Buffer.from(`[${eventTexts(events, ctx).join(',')}]`) };
}
