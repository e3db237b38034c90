import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../src/gateway/index.ts';
import { createRenderer } from '../../src/push/cloudevents.ts';

const render = createRenderer();

const ctx = { source: 'https://lien-thong.example/data/v1/can-bo-"dang"-vien\\', subscription: '01a2-sub' };
const at = new Date('2026-12-07T01:02:03.004Z');
const upsert: PushEvent = {
  id: 'can-bo-dang-vien:7',
  position: 7,
  op: 'upsert',
  changed_at: at,
  key: 'khoá "7"\\ Nguyễn',
  json: JSON.stringify({ id: 'can-bo-dang-vien:7', data: { full_name: 'Nguyễn Văn "A"' } }),
  contentType: 'application/json',
};
const sealed: PushEvent = {
  ...upsert,
  id: 'can-bo-dang-vien:8',
  position: 8,
  op: 'delete',
  key: null,
  json: JSON.stringify('eyJ.a.b.c.d'),
  contentType: 'application/jose',
};

/** What CloudEvents 1.0 JSON says each event is, built as an object (the written-out text must parse to exactly this). */
const expected = (e: PushEvent) => ({
  specversion: '1.0',
  id: e.id,
  source: ctx.source,
  type: e.op === 'upsert' ? 'vn.lienthong.record.upserted' : 'vn.lienthong.record.deleted',
  ...(e.key !== null && { subject: e.key }),
  time: '2026-12-07T01:02:03.004Z',
  datacontenttype: e.contentType,
  lienthongsubscription: ctx.subscription,
  lienthongposition: String(e.position),
  data: JSON.parse(e.json) as unknown,
});

describe('CloudEvents 1.0 JSON of push deliveries', () => {
  it('structured mode: one event, every attribute, quotes and backslashes escaped, the data spliced in as given', () => {
    const out = render([upsert], ctx, false);
    expect(out.contentType).toBe('application/cloudevents+json');
    expect(JSON.parse(out.body.toString('utf8'))).toStrictEqual(expected(upsert));
    expect(() => render([upsert, sealed], ctx, false)).toThrow();
  });

  it('batched mode: an array of events; a secret change has no subject and its JWE as a JSON string', () => {
    const out = render([upsert, sealed], ctx, true);
    expect(out.contentType).toBe('application/cloudevents-batch+json');
    const parsed = JSON.parse(out.body.toString('utf8')) as Record<string, unknown>[];
    expect(parsed).toStrictEqual([expected(upsert), expected(sealed)]);
    expect('subject' in parsed[1]!).toBe(false);
  });

  it('an event named by its shape is encoded once for every subscription; each delivery still names its own subscription; an encrypted one is encoded each time', () => {
    const r = createRenderer();
    const a = { ...ctx, subscription: 'sub-a' };
    const b = { ...ctx, subscription: 'sub-b' };
    const event: PushEvent = { ...upsert, shared: true };
    const first = r([event], a, true);
    // The same (unchanging) event again: its kept bytes answer — content changed behind its back would not be seen.
    (event as { json: string }).json = '{"other":1}';
    const again = r([event], b, true);
    const [ea, eb] = [first, again].map((o) => (JSON.parse(o.body.toString('utf8')) as Record<string, unknown>[])[0]!);
    expect(eb).toStrictEqual({ ...ea, lienthongsubscription: 'sub-b' });
    expect(ea!.lienthongsubscription).toBe('sub-a');
    const sealedAgain = r([{ ...sealed, json: JSON.stringify('eyJ.x.y.z.w') }], b, true);
    expect((JSON.parse(sealedAgain.body.toString('utf8')) as Record<string, unknown>[])[0]!.data).toBe('eyJ.x.y.z.w');
  });
});
