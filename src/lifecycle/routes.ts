import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, Pagination, QueryString, VIETNAM_DATE_RULE, VietnamDate, errors, pageOf } from '../http/schemas.ts';
import { GROUNDS } from './consumer-suspensions.ts';
import type { Lifecycle } from './index.ts';
import { atomFeed } from './notices.ts';
import { ConsumerSuspension, Eligibility, LifecycleEvent, Notice, PlannedStartWindow, ServiceSuspension, Termination, enumOf } from './schemas.ts';
import { TERMINATION_GROUNDS, type TerminationGround } from './termination.ts';

const security = BearerSecurity;
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Text = (max = 4000) => Type.String({ minLength: 1, maxLength: max });
const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339, e.g. 2026-03-20T22:00:00+07:00' });
const Reason = Type.Object({ reason: Text(2000) }, { additionalProperties: false });
const NoticeText = Type.Object({ body_vi: Text(), body_en: Text() }, { additionalProperties: false });
const items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/** Art. 15–16 routes: the public notice board (no sign-in), service stops, consumer suspensions, terminations. */
export function lifecycleRoutes(lifecycle: Lifecycle, publicUrl: string) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const notices = ['notices'];
    const stops = ['lifecycle'];

    app.get(
      '/notices',
      {
        schema: {
          tags: notices,
          summary: 'Thông báo công khai / Public notices (no sign-in, R-15.3, R-15.4)',
          querystring: QueryString({
            custodian: Type.Optional(Type.String({ maxLength: 32 })),
            dataset: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            before: Type.Optional(DateTime),
          }),
          response: { 200: Type.Object({ items: Type.Array(Notice) }), ...errors(400) },
        },
      },
      async (req) => ({ items: await lifecycle.notices.list(req.query) }),
    );

    app.get(
      '/notices.atom',
      {
        schema: { tags: notices, summary: 'Thông báo công khai (Atom) / Public notices as an Atom feed (RFC 4287)' },
      },
      async (_req, reply) =>
        reply.type('application/atom+xml; charset=utf-8').send(atomFeed(await lifecycle.notices.list({ limit: 100 }), publicUrl, new Date())),
    );

    app.get(
      '/notices/:id',
      {
        schema: { tags: notices, summary: 'Một thông báo / One notice', params: Id, response: { 200: Notice, ...errors(404) } },
      },
      async (req) => lifecycle.notices.get(req.params.id),
    );

    app.post(
      '/notices/:id/corrections',
      {
        schema: {
          tags: notices,
          security,
          summary: 'Đính chính (thông báo mới) / Publish a correction (a new notice linked to this one)',
          params: Id,
          body: Type.Object({ body_vi: Text(), body_en: Text(), reason: Type.Optional(Text(2000)) }, { additionalProperties: false }),
          response: { 201: Notice, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => reply.code(201).send(await lifecycle.notices.correct(principalOf(req), req.params.id, req.body)),
    );

    app.get(
      '/service-suspensions',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Lịch tạm ngừng dịch vụ / Service suspensions',
          querystring: Type.Object(
            { dataset: Type.Optional(Type.String({ maxLength: 64 })), open: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 200: items(ServiceSuspension), ...errors(400, 401) },
        },
      },
      async (req) => ({ items: await lifecycle.services.list(principalOf(req), req.query) }),
    );

    app.get(
      '/service-suspensions/earliest-start',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Ngày sớm nhất được tạm ngừng nếu thông báo hôm nay / The earliest start of a planned stop announced today (R-15.3)',
          response: { 200: PlannedStartWindow, ...errors(401) },
        },
      },
      async () => lifecycle.services.plannedStartWindow(),
    );

    app.post(
      '/service-suspensions',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Tạm ngừng dịch vụ cho mọi bên khai thác / Suspend a service for all consumers (R-15.1, R-15.3, R-15.4)',
          description:
            '`planned`: a maintenance window, announced now; it may start only after 7 working days (R-15.3) — otherwise 422 with `earliest_start`. `force_majeure`: a stop that has happened (start may be in the past); its public notice is due within 24 hours (R-15.4), now with `publish_notice` or later.',
          body: Type.Object(
            {
              kind: enumOf(['planned', 'force_majeure']),
              dataset: Type.String({ maxLength: 64 }),
              starts_at: DateTime,
              expected_restore_at: Type.Optional(DateTime),
              reason: Text(2000),
              notice_vi: Type.Optional(Text()),
              notice_en: Type.Optional(Text()),
              publish_notice: Type.Optional(NoticeText),
            },
            { additionalProperties: false },
          ),
          response: { 201: ServiceSuspension, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const b = req.body;
        const out =
          b.kind === 'planned'
            ? await lifecycle.services.schedule(p, {
                dataset: b.dataset,
                starts_at: new Date(b.starts_at),
                expected_restore_at: b.expected_restore_at ? new Date(b.expected_restore_at) : new Date(NaN),
                reason: b.reason,
                notice_vi: b.notice_vi,
                notice_en: b.notice_en,
              })
            : await lifecycle.services.recordStop(p, {
                dataset: b.dataset,
                started_at: new Date(b.starts_at),
                reason: b.reason,
                expected_restore_at: b.expected_restore_at ? new Date(b.expected_restore_at) : undefined,
                publish_notice: b.publish_notice,
              });
        return reply.code(201).send(out);
      },
    );

    app.get(
      '/service-suspensions/:id',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Một lịch tạm ngừng / One suspension (with notice deadline status)',
          params: Id,
          response: { 200: ServiceSuspension, ...errors(401, 404) },
        },
      },
      async (req) => lifecycle.services.get(principalOf(req), req.params.id),
    );
    app.post(
      '/service-suspensions/:id/notice',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Đăng thông báo sự cố / Publish the force-majeure notice (R-15.4)',
          params: Id,
          body: NoticeText,
          response: { 200: ServiceSuspension, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => lifecycle.services.publishNotice(principalOf(req), req.params.id, req.body),
    );
    app.post(
      '/service-suspensions/:id/end',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Khôi phục dịch vụ / End the suspension (restoration notice)',
          params: Id,
          body: Reason,
          response: { 200: ServiceSuspension, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => lifecycle.services.end(principalOf(req), req.params.id, req.body.reason),
    );

    app.get(
      '/consumer-suspensions',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Tạm ngừng kết nối bên khai thác / Consumer suspensions (R-15.2)',
          querystring: Type.Object({ agreement_id: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
          response: { 200: items(ConsumerSuspension), ...errors(400, 401) },
        },
      },
      async (req) => ({ items: await lifecycle.consumers.list(principalOf(req), req.query) }),
    );

    app.post(
      '/consumer-suspensions',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Tạm ngừng kết nối của một bên khai thác / Suspend one consumer (R-15.2, R-15.5)',
          description:
            'Sends the consumer the notice R-15.5 requires — the violation, how it is handled, what keeps or restores the connection — now; it is late when more than 1 day after `found_at`. The gateway then refuses that consumer only (403, R-15.2). `termination_eligible_from` (R-16.1(đ)) is date-only: ' +
            VIETNAM_DATE_RULE,
          body: Type.Object(
            {
              agreement_id: Type.String({ format: 'uuid' }),
              ground: enumOf(GROUNDS),
              violation: Text(),
              handling: Text(),
              requirements: Text(),
              found_at: DateTime,
            },
            { additionalProperties: false },
          ),
          response: { 201: ConsumerSuspension, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) =>
        reply.code(201).send(
          await lifecycle.consumers.suspend(principalOf(req), {
            ...req.body,
            ground: req.body.ground as (typeof GROUNDS)[number],
            found_at: new Date(req.body.found_at),
          }),
        ),
    );

    app.get(
      '/consumer-suspensions/:id',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Một quyết định tạm ngừng / One consumer suspension',
          params: Id,
          response: { 200: ConsumerSuspension, ...errors(401, 404) },
        },
      },
      async (req) => lifecycle.consumers.get(principalOf(req), req.params.id),
    );
    app.post(
      '/consumer-suspensions/:id/restore',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Khôi phục kết nối / Restore the connection',
          params: Id,
          body: Reason,
          response: { 200: ConsumerSuspension, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => lifecycle.consumers.restore(principalOf(req), req.params.id, req.body.reason),
    );
    app.post(
      '/consumer-suspensions/:id/remedied',
      {
        schema: {
          tags: stops,
          security,
          params: Id,
          body: Type.Object({ evidence: Text(2000) }, { additionalProperties: false }),
          summary: 'Ghi nhận đã khắc phục vi phạm / Record the violation remedied (R-16.1(đ))',
          description:
            'By the consumer, or the custodian on its behalf, with its evidence. The connection stays suspended until restored, but ground (đ) of R-16.1 no longer applies.',
          response: { 200: ConsumerSuspension, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => lifecycle.consumers.remedied(principalOf(req), req.params.id, req.body.evidence),
    );

    app.get(
      '/agreements/:id/termination',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Căn cứ chấm dứt được áp dụng / Termination grounds available now (R-16.1)',
          params: Id,
          response: { 200: Eligibility, ...errors(401, 404) },
          description: `Trường ngày "today", "eligible_from" / Date-only fields "today", "eligible_from": ${VIETNAM_DATE_RULE}`,
        },
      },
      async (req) => lifecycle.terminations.eligibility(principalOf(req), req.params.id),
    );
    app.post(
      '/agreements/:id/terminate',
      {
        schema: {
          tags: stops,
          security,
          summary: 'Chấm dứt kết nối, chia sẻ / Terminate (R-16.1, R-16.3; final)',
          params: Id,
          description:
            'Grounds (a), (c), (d) need `evidence` (the document cited: number and date, or the request); (b) rests on a force-majeure stop in effect, (đ) on a suspension notice the consumer received 30 days ago or more and has not remedied.',
          body: Type.Object({ ground: enumOf(TERMINATION_GROUNDS), reason: Text(2000), evidence: Type.Optional(Text(2000)) }, { additionalProperties: false }),
          response: { 200: Termination, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) =>
        lifecycle.terminations.terminate(principalOf(req), req.params.id, req.body.ground as TerminationGround, req.body.reason, req.body.evidence),
    );

    app.get(
      '/lifecycle/events',
      {
        schema: {
          tags: stops,
          security,
          summary: "Lịch sử tạm ngừng, chấm dứt của cơ quan chủ quản / A custodian's lifecycle history",
          description: "Newest first, a page at a time. Without `custodian`: the official's own agency (the coordinator and auditors: every custodian).",
          querystring: QueryString({
            custodian: Type.Optional(Type.String({ maxLength: 32 })),
            entity: Type.Optional(enumOf(['service_suspension', 'consumer_suspension', 'agreement', 'notice'])),
            action: Type.Optional(Type.String({ maxLength: 32 })),
            from: Type.Optional(VietnamDate('Từ ngày / From')),
            to: Type.Optional(VietnamDate('Đến hết ngày / To (included)')),
            ...Pagination,
          }),
          response: { 200: pageOf(LifecycleEvent), ...errors(400, 401, 404) },
        },
      },
      async (req) => lifecycle.events(principalOf(req), req.query),
    );
  };
}
