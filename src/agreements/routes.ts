import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, Pagination, QueryString, Timestamp, VietnamDate, VietnamDateOut, errors, pageOf } from '../http/schemas.ts';
import type { Agreements } from './index.ts';
import type { AgreementView } from './service.ts';
import { FORMS, KINDS, STATUSES } from './types.ts';

const security = BearerSecurity;
const tags = ['agreements'];
const oneOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const ValidFrom = 'Ngày đầu tiên có hiệu lực, không trước hôm nay / First day in force, not before today';
const ValidTo = 'Ngày cuối cùng có hiệu lực; từ ngày hôm sau thoả thuận hết hạn / Last day in force; the agreement is expired from the next day';
const FieldList = Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), { minItems: 1, maxItems: 500, uniqueItems: true });
const Reason = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false });
const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });

const editable = {
  purpose_code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$', description: 'Code of list muc-dich-khai-thac (R-5.2)' }),
  purpose_text: Type.String({ minLength: 3, maxLength: 2000 }),
  legal_basis: Type.String({ minLength: 3, maxLength: 1000 }),
  requested_fields: FieldList,
  forms: Type.Array(oneOf(FORMS), { minItems: 1, maxItems: 4, uniqueItems: true }),
  frequency: Type.String({ minLength: 1, maxLength: 100 }),
  valid_from: VietnamDate(ValidFrom),
  valid_to: VietnamDate(ValidTo),
};
const RequestBody = Type.Object(
  {
    kind: Type.Optional(oneOf(KINDS)),
    dataset_code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }),
    system_code: Type.String({ pattern: '^[A-Z][A-Z0-9-]{1,63}$' }),
    ...editable,
  },
  { additionalProperties: false },
);

const Agreement = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  dataset_code: Type.String(),
  custodian_code: Type.String(),
  consumer_code: Type.String(),
  system_code: Type.String(),
  purpose_code: Type.String(),
  purpose_text: Type.String(),
  legal_basis: Type.String(),
  requested_fields: Type.Array(Type.String()),
  granted_fields: Type.Union([Type.Array(Type.String()), Type.Null()]),
  forms: Type.Array(Type.String()),
  frequency: Type.String(),
  valid_from: VietnamDateOut(ValidFrom),
  valid_to: VietnamDateOut(ValidTo),
  status: Type.String(),
  effective_status: Type.String({
    description:
      'Trạng thái tại hôm nay theo lịch Việt Nam: "scheduled" trước valid_from, "expired" sau valid_to / status today in Viet Nam (UTC+7): "scheduled" before valid_from, "expired" after valid_to',
  }),
  second_approval_required: Type.Boolean(),
  custodian_approved_by: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  created_by: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const Event = Type.Object({
  action: Type.String(),
  from_status: Type.Union([Type.String(), Type.Null()]),
  to_status: Type.String(),
  actor: Type.String(),
  actor_agency: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
  reason: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
const Decision = Type.Object({
  allow: Type.Boolean(),
  rule: Type.String(),
  policy_version: Type.String(),
  agreement_ids: Type.Optional(Type.Array(Type.String())),
  fields: Type.Optional(Type.Array(Type.String())),
  reason: Type.Optional(Type.String()),
  reason_en: Type.Optional(Type.String()),
});

export function agreementRoutes(agreements: Agreements) {
  const { service } = agreements;
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const action = (
      name: string,
      summary: string,
      body: typeof Reason,
      run: (p: ReturnType<typeof principalOf>, id: string, reason: string) => Promise<AgreementView>,
    ) =>
      app.post(
        `/agreements/:id/${name}`,
        {
          schema: { tags, summary, security, params: IdParam, body, response: { 200: Agreement, ...errors(400, 401, 403, 404, 409, 422) } },
        },
        async (req) => run(principalOf(req), req.params.id, req.body.reason),
      );

    app.get(
      '/agreements',
      {
        schema: {
          tags,
          summary: 'Thoả thuận chia sẻ / Agreements (own agency as consumer or custodian; all for coordinator and auditor)',
          security,
          querystring: QueryString({
            status: Type.Optional(oneOf(STATUSES)),
            kind: Type.Optional(oneOf(KINDS)),
            dataset: Type.Optional(Type.String({ maxLength: 64 })),
            system: Type.Optional(Type.String({ maxLength: 64 })),
            consumer: Type.Optional(Type.String({ maxLength: 32 })),
            custodian: Type.Optional(Type.String({ maxLength: 32 })),
            ...Pagination,
          }),
          response: { 200: pageOf(Agreement), ...errors(400, 401) },
        },
      },
      async (req) => service.list(principalOf(req), req.query),
    );

    app.post(
      '/agreements',
      {
        schema: {
          tags,
          summary: 'Đề nghị chia sẻ dữ liệu / Request a dataset for a system (consumer admin; kind art_9_2 for Art. 9.2)',
          security,
          body: RequestBody,
          response: { 201: Agreement, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await service.request(principalOf(req), req.body)),
    );

    app.get(
      '/agreements/:id',
      {
        schema: {
          tags,
          summary: 'Một thoả thuận và lịch sử / One agreement with its events',
          security,
          params: IdParam,
          response: { 200: Type.Intersect([Agreement, Type.Object({ events: Type.Array(Event) })]), ...errors(401, 404) },
        },
      },
      async (req) => service.get(principalOf(req), req.params.id),
    );

    app.post(
      '/agreements/:id/approve',
      {
        schema: {
          tags,
          summary: 'Chấp thuận / Approve (custodian; then approver for secret data, R-11)',
          security,
          params: IdParam,
          body: Type.Object(
            {
              granted_fields: Type.Optional(FieldList),
              valid_to: Type.Optional(
                VietnamDate(
                  'Rút ngắn thời hạn: ngày cuối cùng có hiệu lực, trong khoảng đã đề nghị và không trước hôm nay / Shortened validity: last day in force, within the requested window and not before today',
                ),
              ),
              reason: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Agreement, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => service.approve(principalOf(req), req.params.id, req.body),
    );

    action('reject', 'Từ chối / Reject with a reason', Reason, (p, id, r) => service.reject(p, id, r));
    action('request-changes', 'Yêu cầu sửa / Ask for changes', Reason, (p, id, r) => service.requestChanges(p, id, r));
    action('revoke', 'Thu hồi / Revoke (custodian or coordinator)', Reason, (p, id, r) => service.revoke(p, id, r));
    action('withdraw', 'Rút đề nghị / Withdraw (consumer, R-16.1d)', Reason, (p, id, r) => service.withdraw(p, id, r));

    app.post(
      '/agreements/:id/resubmit',
      {
        schema: {
          tags,
          summary: 'Sửa và gửi lại / Amend and resubmit (consumer)',
          security,
          params: IdParam,
          body: Type.Partial(Type.Object(editable), { additionalProperties: false }),
          response: { 200: Agreement, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => service.resubmit(principalOf(req), req.params.id, req.body),
    );

    app.post(
      '/decisions',
      {
        schema: {
          tags,
          summary: 'Kiểm tra quyết định / Ask the policy: may system S read fields F of dataset D for purpose P?',
          security,
          description: "The function the gateway calls on every request. Parties (the system's agency, the custodian) and the coordinator/auditors may ask.",
          body: Type.Object(
            {
              system: Type.String({ maxLength: 64 }),
              dataset: Type.String({ maxLength: 64 }),
              purpose: Type.Optional(Type.String({ maxLength: 64 })),
              fields: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 500 })),
              zone: Type.Optional(Type.Union([Type.Literal('internet'), Type.Literal('tslcd')])),
              at: Type.Optional(
                Type.String({
                  format: 'date-time',
                  description:
                    'Thời điểm xét, mặc định là bây giờ; thoả thuận được xét theo ngày Việt Nam (UTC+7) của thời điểm này / The instant to decide at (default: now); agreements are judged on its date in Viet Nam (UTC+7)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: Decision, ...errors(400, 401, 404) },
        },
      },
      async (req) => agreements.explain(principalOf(req), { ...req.body, at: req.body.at ? new Date(req.body.at) : undefined }),
    );
  };
}
