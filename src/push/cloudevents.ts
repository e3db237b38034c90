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

/** One event's JSON text: its attributes, then its data as the gateway gave it (JSON text, spliced in as it is). */
function toCloudEvent(e: PushEvent, ctx: CloudEventContext): string {
  const attributes = JSON.stringify({
    specversion: '1.0',
    id: e.id,
    source: ctx.source,
    type: EVENT_TYPES[e.op],
    // A secret record's key stays inside its JWE.
    ...(e.key !== null && { subject: e.key }),
    time: e.changed_at.toISOString(),
    datacontenttype: e.contentType,
    lienthongsubscription: ctx.subscription,
    lienthongposition: String(e.position),
  });
  return `${attributes.slice(0, -1)},"data":${e.json}}`;
}

export function render(events: PushEvent[], ctx: CloudEventContext, batched: boolean): { contentType: string; body: Buffer } {
  if (!batched) {
    if (events.length !== 1) throw new Error('structured mode carries one event');
    return { contentType: STRUCTURED, body: Buffer.from(toCloudEvent(events[0]!, ctx)) };
  }
  return { contentType: BATCH, body: Buffer.from(`[${events.map((e) => toCloudEvent(e, ctx)).join(',')}]`) };
}
