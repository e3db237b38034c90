import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, NullableString, QueryString, Timestamp, errors } from '../http/schemas.ts';
import { AgencyCode } from '../registry/index.ts';
import type { Catalog } from './index.ts';

const security = BearerSecurity;
const tags = ['catalog'];

const Review = Type.Object({
  id: Type.String(),
  year: Type.Integer(),
  dataset_code: Type.String(),
  custodian_code: Type.String(),
  outcome: Type.Union([Type.Literal('confirmed'), Type.Literal('changed')], {
    description: 'confirmed: giữ nguyên / unchanged; changed: đã sửa trong năm rồi xác nhận / edited during the year, then confirmed',
  }),
  dataset_version: Type.Integer(),
  reviewed_by: Type.String(),
  reviewed_at: Timestamp,
  note: NullableString(),
});
const ReviewItem = Type.Object({
  dataset_code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  custodian_code: Type.String(),
  status: Type.String(),
  version: Type.Integer(),
  updated_at: Timestamp,
  created_at: Timestamp,
  review: Type.Union([Review, Type.Null()]),
});
const Progress = Type.Object({
  year: Type.Integer(),
  deadline: Type.String({ description: 'Ngày cuối cùng để rà soát (trước 25/12) / last day of the review, a Viet Nam date' }),
  custodians: Type.Array(
    Type.Object({
      custodian_code: Type.String(),
      total: Type.Integer(),
      reviewed: Type.Integer(),
      changed: Type.Integer(),
      last_reviewed_at: Type.Union([Timestamp, Type.Null()]),
    }),
  ),
});
const Year = Type.Object({ year: Type.Integer({ minimum: 2025, maximum: 2200 }) });

/** The yearly catalog review. */
export function reviewRoutes(catalog: Catalog) {
  const { reviews } = catalog;
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/catalog/reviews/:year',
      {
        schema: {
          tags,
          security,
          summary: 'Rà soát danh mục hằng năm: các bộ dữ liệu cần xác nhận / Yearly catalog review: the datasets to confirm (custodian: its own)',
          params: Year,
          querystring: QueryString({ custodian: Type.Optional(AgencyCode) }),
          response: { 200: Type.Array(ReviewItem), ...errors(400, 401) },
        },
      },
      async (req) => reviews.list(principalOf(req), req.params.year, req.query.custodian),
    );

    app.get(
      '/catalog/reviews/:year/progress',
      {
        schema: {
          tags,
          security,
          summary: 'Tiến độ rà soát theo cơ quan chủ quản / Review progress per custodian (coordinator: all; custodian: its own)',
          params: Year,
          response: { 200: Progress, ...errors(400, 401) },
        },
      },
      async (req) => reviews.progress(principalOf(req), req.params.year),
    );

    app.get(
      '/datasets/:code/reviews',
      {
        schema: {
          tags,
          security,
          summary: 'Các lần rà soát của bộ dữ liệu / Reviews of a dataset',
          params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
          response: { 200: Type.Array(Review), ...errors(401, 404) },
        },
      },
      async (req) => {
        principalOf(req);
        return reviews.ofDataset(req.params.code);
      },
    );

    app.post(
      '/datasets/:code/reviews',
      {
        schema: {
          tags,
          security,
          summary: 'Xác nhận đặc tả bộ dữ liệu trong kỳ rà soát (R-18.1) / Confirm the dataset specification for the yearly review (custodian administrator)',
          params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
          body: Type.Object(
            {
              version: Type.Integer({ minimum: 1, description: 'Phiên bản bộ dữ liệu đã xem / the dataset version confirmed' }),
              year: Type.Optional(
                Type.Integer({ minimum: 2025, maximum: 2200, description: 'Năm rà soát; mặc định năm nay / review year, default this year' }),
              ),
              note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Review, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) => {
        const r = await reviews.confirm(principalOf(req), req.params.code, req.body);
        return reply.code(201).send(r);
      },
    );
  };
}
