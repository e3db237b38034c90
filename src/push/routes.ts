import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Gateway, gatewayRequest, refuseBeforeRouting, sendGatewayResponse } from '../gateway/index.ts';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, errors } from '../http/schemas.ts';
import type { WebhookKeyRing } from './keys.ts';
import type { Subscriptions } from './service.ts';

const Params = Type.Object({ dataset: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }) });
const IdParams = Type.Object({ dataset: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }), id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const Url = Type.String({ minLength: 8, maxLength: 2000, description: 'http(s) address of the receiver' });
const Filter = Type.Record(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,63}$' }), Type.String({ maxLength: 500 }), {
  description: 'Equality on granted fields (R-8.2): only changes whose field equals the value are sent; deletions always are',
});
const Fields = Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,63}$' }), {
  maxItems: 200,
  description: 'Granted fields to send (all granted by default)',
});
const BatchMax = Type.Integer({ minimum: 1, maximum: 1000, description: '1: one event per request (structured mode); more: batched mode, up to this many' });
const Subscription = Type.Object({
  id: Type.String(),
  dataset: Type.String(),
  system: Type.String(),
  agency: Type.String(),
  url: Type.String(),
  filter: Type.Record(Type.String(), Type.String()),
  fields: Type.Union([Type.Array(Type.String()), Type.Null()]),
  batch_max: Type.Integer(),
  state: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('disabled'), Type.Literal('deleted')]),
  state_reason: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  status: Type.Object({
    position: Type.Integer({ description: 'The last feed position delivered (or passed over by the filter)' }),
    sent_count: Type.Integer({ description: 'Events delivered' }),
    batches_sent: Type.Integer(),
    last_success_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_failure_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_failure_reason: Type.Union([Type.String(), Type.Null()]),
    consecutive_failures: Type.Integer(),
    next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    delivering: Type.Boolean({ description: 'An instance holds a delivery of it now' }),
  }),
});
const tags = ['push'];
const security = BearerSecurity;
const data = `Through the data gateway: the connection account's token, \`Lienthong-Purpose\` (R-5.2) and the decision; the answer is signed and logged (R-17.2) like any exchange.`;

/** The consumer's subscriptions, under /data/v1 (through the gateway's pipeline). */
export function consumerRoutes(gateway: Gateway, subs: Subscriptions) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    app.setErrorHandler(refuseBeforeRouting(gateway));

    app.post(
      '/:dataset/subscriptions',
      {
        schema: {
          tags,
          security,
          params: Params,
          summary: 'Đăng ký nhận dữ liệu qua webhook / Subscribe to a dataset’s changes by webhook',
          description: `${data} Deliveries are CloudEvents signed as Standard Webhooks (docs/push.md).`,
          body: Type.Object(
            {
              url: Url,
              filter: Type.Optional(Filter),
              fields: Type.Optional(Fields),
              batch_max: Type.Optional(BatchMax),
              start: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('beginning')])),
              cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'A feed cursor (next_cursor of …/changes): start after it' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const g = gatewayRequest(req);
        return sendGatewayResponse(
          reply,
          await gateway.manageSubscription(g, req.params.dataset, req.body.fields, async (a) => ({
            status: 201,
            value: await subs.create(a, g.purpose, req.body),
          })),
        );
      },
    );

    app.get(
      '/:dataset/subscriptions',
      {
        schema: {
          tags,
          security,
          params: Params,
          summary: 'Các đăng ký của hệ thống / This system’s subscriptions with their delivery status',
          description: data,
        },
      },
      async (req, reply) =>
        sendGatewayResponse(
          reply,
          await gateway.manageSubscription(
            gatewayRequest(req),
            req.params.dataset,
            undefined,
            async (a) => ({
              status: 200,
              value: await subs.list(a.token, req.params.dataset),
            }),
            { decide: false },
          ),
        ),
    );

    app.get(
      '/:dataset/subscriptions/:id',
      { schema: { tags, security, params: IdParams, summary: 'Một đăng ký và trạng thái gửi / A subscription and its delivery status', description: data } },
      async (req, reply) =>
        sendGatewayResponse(
          reply,
          await gateway.manageSubscription(
            gatewayRequest(req),
            req.params.dataset,
            undefined,
            async (a) => ({
              status: 200,
              value: await subs.get(a.token, req.params.dataset, req.params.id),
            }),
            { decide: false },
          ),
        ),
    );

    app.patch(
      '/:dataset/subscriptions/:id',
      {
        schema: {
          tags,
          security,
          params: IdParams,
          summary: 'Sửa, tạm dừng, tiếp tục đăng ký / Change, pause or resume a subscription',
          description: `${data} state = paused stops deliveries; state = active resumes them (a disabled subscription too, its failures forgotten).`,
          body: Type.Object(
            {
              url: Type.Optional(Url),
              filter: Type.Optional(Filter),
              fields: Type.Optional(Fields),
              batch_max: Type.Optional(BatchMax),
              state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) =>
        sendGatewayResponse(
          reply,
          await gateway.manageSubscription(gatewayRequest(req), req.params.dataset, req.body.fields, async (a) => ({
            status: 200,
            value: await subs.update(a, req.params.id, req.body),
          })),
        ),
    );

    app.delete(
      '/:dataset/subscriptions/:id',
      { schema: { tags, security, params: IdParams, summary: 'Huỷ đăng ký / Delete a subscription', description: data } },
      async (req, reply) =>
        sendGatewayResponse(
          reply,
          await gateway.manageSubscription(
            gatewayRequest(req),
            req.params.dataset,
            undefined,
            async (a) => ({
              status: 200,
              value: await subs.remove(a.token, req.params.dataset, req.params.id),
            }),
            { decide: false },
          ),
        ),
    );

    app.post(
      '/:dataset/subscriptions/:id/replay',
      {
        schema: {
          tags,
          security,
          params: IdParams,
          summary: 'Gửi lại từ một vị trí hoặc thời điểm / Replay from a cursor or a time',
          description: `${data} Only the consumer replays: it decides what it needs again. Events keep their ids.`,
          body: Type.Object(
            {
              cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'A feed cursor: changes after it are sent again' })),
              from: Type.Optional(Type.String({ format: 'date-time', description: 'Changes written at or after this time are sent again' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) =>
        sendGatewayResponse(
          reply,
          await gateway.manageSubscription(gatewayRequest(req), req.params.dataset, undefined, async (a) => ({
            status: 200,
            value: await subs.replay(a.token, req.params.dataset, req.params.id, req.body),
          })),
        ),
    );
  };
}

/** The custodian's officials and the coordinator read the subscriptions of their datasets (/api/v1). */
export function officialRoutes(subs: Subscriptions) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/subscriptions',
      {
        schema: {
          tags,
          security,
          summary: 'Đăng ký nhận dữ liệu các bộ dữ liệu của cơ quan / Subscriptions to the agency’s datasets, with delivery status',
          description: 'Custodian administrators see their agency’s datasets; the coordinator and auditors see all.',
          querystring: Type.Object(
            {
              dataset: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' })),
              state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('disabled')])),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Subscription) }), ...errors(400, 401, 403) },
        },
      },
      async (req) => subs.listForOfficial(principalOf(req), req.query),
    );
    app.get(
      '/subscriptions/:id',
      {
        schema: {
          tags,
          security,
          params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }),
          summary: 'Một đăng ký và trạng thái gửi / A subscription and its delivery status',
          response: { 200: Subscription, ...errors(401, 404) },
        },
      },
      async (req) => subs.getForOfficial(principalOf(req), req.params.id),
    );
  };
}

/** The public keys webhook signatures verify with (Standard Webhooks `v1a`, Ed25519). */
export function keyRoutes(keys: WebhookKeyRing) {
  return async function routes(base: FastifyInstance): Promise<void> {
    base.get(
      '/.well-known/webhook-keys.json',
      {
        schema: {
          tags,
          summary: 'Khoá công khai xác minh webhook / Public keys of webhook signatures',
          description: 'JWKS (OKP Ed25519) and the same keys in Standard Webhooks form (whpk_…). During a rotation several keys sign each delivery.',
        },
      },
      async () => ({ keys: keys.publicKeys().map((k) => k.jwk), standard_webhooks: keys.publicKeys().map((k) => k.whpk) }),
    );
  };
}
