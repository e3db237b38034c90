import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, Pagination, QueryString, Timestamp, errors, pageOf } from '../http/schemas.ts';
import type { NotificationService } from './service.ts';

const security = BearerSecurity;
const tags = ['inbox'];
const Notification = Type.Object({
  id: Type.String(),
  agency_code: Type.String(),
  kind: Type.String(),
  subject_vi: Type.String(),
  subject_en: Type.String(),
  ref_type: Type.Union([Type.String(), Type.Null()]),
  ref_id: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Record(Type.String(), Type.Unknown()),
  created_at: Timestamp,
  read_at: Type.Union([Timestamp, Type.Null()]),
  read_by: Type.Union([Type.String(), Type.Null()]),
});

export function notificationRoutes(notifications: NotificationService) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/inbox',
      {
        schema: {
          tags,
          summary: 'Hộp thư của cơ quan / The agency inbox (requests, decisions, expiries)',
          security,
          querystring: QueryString({ unread: Type.Optional(Type.Boolean()), kind: Type.Optional(Type.String({ maxLength: 64 })), ...Pagination }),
          response: { 200: pageOf(Notification), ...errors(400, 401) },
        },
      },
      async (req) => notifications.inbox(principalOf(req), req.query),
    );

    app.post(
      '/inbox/:id/read',
      {
        schema: {
          tags,
          summary: 'Đánh dấu đã đọc / Mark as read',
          security,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: Notification, ...errors(401, 404) },
        },
      },
      async (req) => notifications.markRead(principalOf(req), req.params.id),
    );

    app.get(
      '/inbox/webhook',
      {
        schema: {
          tags,
          summary: 'Webhook của cơ quan / The agency webhook and its deliveries',
          security,
          response: {
            200: Type.Object({
              webhook: Type.Union([Type.Object({ url: Type.String(), active: Type.Boolean(), updated_at: Timestamp }), Type.Null()]),
              deliveries: Type.Record(Type.String(), Type.Integer()),
            }),
            ...errors(401),
          },
        },
      },
      async (req) => notifications.webhookStatus(principalOf(req)),
    );

    app.put(
      '/inbox/webhook',
      {
        schema: {
          tags,
          summary: 'Đặt webhook / Set the webhook (secret shown once; Standard Webhooks signatures)',
          security,
          description:
            'Each notification is POSTed as JSON with headers webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256 of "id.timestamp.body" with the secret), retried with back-off for about two days.',
          body: Type.Object({ url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ url: Type.String(), secret: Type.String() }), ...errors(400, 401, 403) },
        },
      },
      async (req) => notifications.setWebhook(principalOf(req), req.body.url),
    );

    app.delete(
      '/inbox/webhook',
      {
        schema: { tags, summary: 'Tắt webhook / Disable the webhook', security, response: { 204: Type.Null(), ...errors(401, 403, 404) } },
      },
      async (req, reply) => {
        await notifications.disableWebhook(principalOf(req));
        return reply.code(204).send(null);
      },
    );
  };
}
