import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, QueryString, Timestamp, VietnamDate, VietnamDateOut, errors } from '../http/schemas.ts';
import { AgencyCode, SystemCode } from '../registry/index.ts';
import type { Sync } from './index.ts';
import { MAX_BATCH, type RecordWrite } from './records.ts';

const security = BearerSecurity;
const tags = ['hosted-data'];
const Key = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,200}$', description: 'Khoá bản ghi / record key' });
const CodeParam = Type.Object({ code: Type.String({ maxLength: 64 }) });
const KeyParam = Type.Object({ code: Type.String({ maxLength: 64 }), key: Type.String({ maxLength: 200 }) });
const Data = Type.Record(Type.String(), Type.Unknown());
/** A batch of writes: the custodian's administrators here, its systems through the gateway (`records:batch`). */
export const RecordBatch = Type.Object(
  {
    records: Type.Array(
      Type.Union([
        Type.Object({ key: Key, data: Data }, { additionalProperties: false }),
        Type.Object({ key: Key, delete: Type.Literal(true) }, { additionalProperties: false }),
      ]),
      { minItems: 1, maxItems: MAX_BATCH },
    ),
  },
  { additionalProperties: false },
);
const StoredRecord = Type.Object({
  key: Type.String(),
  version: Type.Integer(),
  data: Type.Union([Data, Type.Null()]),
  deleted: Type.Boolean(),
  written_at: Timestamp,
});
const Ratio = Type.Union([Type.Number(), Type.Null()]);
const Quality = Type.Object(
  {
    dataset: Type.String(),
    custodian: Type.String(),
    computed_at: Timestamp,
    records: Type.Object({ live: Type.Integer(), deleted: Type.Integer() }),
    completeness: Type.Object({ ratio: Ratio, required_ratio: Ratio, fields: Type.Array(Type.Object({ name: Type.String(), filled_ratio: Ratio })) }),
    validity: Type.Object({ ratio: Ratio, checked: Type.Integer(), invalid_records: Type.Integer() }),
    freshness: Type.Object({
      last_write_at: Type.Union([Timestamp, Type.Null()]),
      age_seconds: Type.Union([Type.Integer(), Type.Null()]),
      expected_interval_seconds: Type.Union([Type.Integer(), Type.Null()]),
      fresh: Type.Union([Type.Boolean(), Type.Null()]),
    }),
  },
  { description: 'R-4.7: đủ (completeness), sạch (validity), sống (freshness)' },
);

const Scope = Type.Object(
  {
    field: Type.String({ maxLength: 64, description: 'Trường của bộ dữ liệu / a field of the dataset' }),
    values: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: 500,
      description: 'Giá trị được phép (mã của danh mục nếu trường có danh mục) / allowed values (codes of its code list, when the field has one)',
    }),
  },
  { additionalProperties: false },
);
const Authorisation = Type.Object({
  id: Type.String(),
  dataset_code: Type.String(),
  producer_agency_code: Type.String(),
  system_code: Type.Union([Type.String(), Type.Null()], { description: 'Để trống: mọi hệ thống của cơ quan / null: any system of the agency' }),
  scope: Type.Union([Scope, Type.Null()], { description: 'Để trống: toàn bộ bộ dữ liệu / null: the whole dataset' }),
  granted_by: Type.String(),
  granted_at: Timestamp,
  valid_until: Type.Union([VietnamDateOut('Ngày cuối còn hiệu lực / last day in force'), Type.Null()]),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  revoked_by: Type.Union([Type.String(), Type.Null()]),
  revoke_reason: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
const Grant = Type.Object(
  {
    agency_code: AgencyCode,
    system_code: Type.Optional(Type.Union([SystemCode, Type.Null()])),
    scope: Type.Optional(Type.Union([Scope, Type.Null()])),
    valid_until: Type.Optional(Type.Union([VietnamDate('Ngày cuối còn hiệu lực / last day in force'), Type.Null()])),
  },
  { additionalProperties: false },
);
const IdParam = Type.Object({ code: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });

/** R-4.1: the custodian's administrators authorise producers (other agencies' systems) and revoke them; the coordinator reads. */
function producerRoutes(base: FastifyInstance, sync: Sync): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const ptags = ['hosted-data'];
  app.post(
    '/datasets/:code/producers',
    {
      schema: {
        tags: ptags,
        summary: 'Uỷ quyền cơ quan cập nhật dữ liệu / Authorise a producer agency (R-4.1)',
        security,
        params: CodeParam,
        body: Grant,
        description:
          'The custodian lets another agency (one of its systems, or any) write this hosted dataset, or only records whose `scope.field` holds one of `scope.values`. The agency is told in its inbox.',
        response: { 201: Authorisation, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await sync.producers.grant(principalOf(req), req.params.code, req.body)),
  );

  app.get(
    '/datasets/:code/producers',
    {
      schema: {
        tags: ptags,
        summary: 'Các cơ quan được uỷ quyền cập nhật / Producer authorisations, revoked ones included (R-4.1)',
        security,
        params: CodeParam,
        response: { 200: Type.Array(Authorisation), ...errors(401, 403, 404) },
      },
    },
    async (req) => sync.producers.list(principalOf(req), req.params.code),
  );

  app.post(
    '/datasets/:code/producers/:id/revoke',
    {
      schema: {
        tags: ptags,
        summary: 'Thu hồi uỷ quyền cập nhật / Revoke a producer authorisation (R-4.1)',
        security,
        params: IdParam,
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: Authorisation, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => sync.producers.revoke(principalOf(req), req.params.code, req.params.id, req.body.reason),
  );
}

/** `bulkLimit`: the body limit of batch writes (LIENTHONG_BULK_BODY_LIMIT_BYTES). */
export function syncRoutes(sync: Sync, bulkLimit: number) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/datasets/:code/records',
      {
        bodyLimit: bulkLimit,
        // only the custodian's administrators write; decided before the body is read.
        onRequest: async (req) => sync.records.mayWrite(principalOf(req), (req.params as { code: string }).code),
        schema: {
          tags,
          summary: 'Cập nhật dữ liệu lưu trữ trên nền tảng / Write hosted records (custodian, all-or-nothing)',
          security,
          params: CodeParam,
          description: `Up to ${MAX_BATCH} writes: {"key", "data"} to create or replace a record, {"key", "delete": true} for a tombstone. Every record is validated against the dataset's fields and code lists first; one invalid record refuses the whole batch.`,
          body: RecordBatch,
          response: {
            200: Type.Object({
              written: Type.Integer(),
              versions: Type.Array(Type.Object({ key: Type.String(), version: Type.Integer(), deleted: Type.Boolean() })),
            }),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      async (req) => sync.records.write(principalOf(req), req.params.code, req.body.records as RecordWrite[]),
    );

    app.get(
      '/datasets/:code/records',
      {
        schema: {
          tags,
          summary: 'Bản ghi hiện hành / Live records (custodian)',
          security,
          params: CodeParam,
          querystring: QueryString({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), after: Type.Optional(Type.String({ maxLength: 200 })) }),
          response: {
            200: Type.Object({ items: Type.Array(StoredRecord), next_after: Type.Union([Type.String(), Type.Null()]) }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req) => sync.records.list(principalOf(req), req.params.code, req.query),
    );

    app.get(
      '/datasets/:code/records/:key',
      {
        schema: {
          tags,
          summary: 'Một bản ghi / One record (custodian)',
          security,
          params: KeyParam,
          response: { 200: StoredRecord, ...errors(401, 403, 404) },
        },
      },
      async (req) => sync.records.get(principalOf(req), req.params.code, req.params.key),
    );

    app.get(
      '/datasets/:code/records/:key/versions',
      {
        schema: {
          tags,
          summary: 'Lịch sử bản ghi / Record history (custodian)',
          security,
          params: KeyParam,
          response: {
            200: Type.Array(
              Type.Intersect([
                StoredRecord,
                Type.Object({
                  content_hash: Type.String(),
                  written_by: Type.String(),
                  producer_agency_code: Type.String({
                    description:
                      'R-4.1: cơ quan tạo ra phiên bản (chủ quản hoặc cơ quan được uỷ quyền) / the agency that produced the version (the custodian or an authorised producer)',
                  }),
                }),
              ]),
            ),
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => sync.records.versions(principalOf(req), req.params.code, req.params.key),
    );

    producerRoutes(app, sync);

    app.get(
      '/datasets/:code/quality',
      {
        schema: {
          tags: ['catalog'],
          summary: 'Chất lượng dữ liệu / Data quality figures (R-4.7)',
          security,
          params: CodeParam,
          response: { 200: Quality, ...errors(401, 403, 404) },
        },
      },
      async (req) => sync.quality.forDataset(principalOf(req), req.params.code),
    );

    app.get(
      '/quality',
      {
        schema: {
          tags: ['catalog'],
          summary: 'Chất lượng dữ liệu theo bộ dữ liệu, cho báo cáo / Quality of every hosted dataset, for reports',
          security,
          querystring: Type.Object(
            {
              custodian: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9]{1,31}$' })),
              domain: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Array(Quality), ...errors(400, 401) },
        },
      },
      async (req) => sync.quality.report(principalOf(req), req.query),
    );
  };
}
