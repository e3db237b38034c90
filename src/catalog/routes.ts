import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { invalid } from '../core/errors.ts';
import { principalOf, withVersion } from '../http/context.ts';
import { BearerSecurity, HistoryEntry, IfMatchHeaders, Pagination, QueryString, errors, pageOf, versionFromIfMatch } from '../http/schemas.ts';
import { AgencyCode } from '../registry/index.ts';
import type { Catalog } from './index.ts';
import * as S from './schemas.ts';
import { AUDIENCES, DATASET_STATUSES } from './types.ts';
import type { DatasetPatch } from './types.ts';

const security = BearerSecurity;
const tags = ['catalog'];
const CodeParam = Type.Object({ code: Type.String({ maxLength: 64 }) });

/** `bulkLimit`: the body limit of record validation (LIENTHONG_BULK_BODY_LIMIT_BYTES). */
export function catalogRoutes(catalog: Catalog, bulkLimit: number) {
  const { datasets, dictionary } = catalog;
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/domains',
      {
        schema: { tags, summary: 'Nhóm lĩnh vực dữ liệu / Domain groups', security, response: { 200: Type.Array(S.Domain), ...errors(401) } },
      },
      async (req) => {
        principalOf(req);
        return datasets.domains();
      },
    );

    app.get(
      '/datasets',
      {
        schema: {
          tags,
          summary: 'Danh mục dữ liệu / List datasets',
          security,
          querystring: QueryString({
            domain: Type.Optional(S.DomainCode),
            custodian: Type.Optional(AgencyCode),
            classification: Type.Optional(S.Classification),
            status: Type.Optional(Type.Union(DATASET_STATUSES.map((s) => Type.Literal(s)))),
            audience: Type.Optional(Type.Union(AUDIENCES.map((s) => Type.Literal(s)))),
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Tìm không dấu: "dang vien" khớp "đảng viên" / diacritics-insensitive' })),
            ...Pagination,
          }),
          response: { 200: pageOf(S.Dataset), ...errors(400, 401) },
        },
      },
      async (req) => {
        principalOf(req);
        return datasets.list(req.query);
      },
    );

    app.post(
      '/datasets',
      {
        schema: {
          tags,
          summary: 'Thêm bộ dữ liệu / Create dataset (custodian)',
          security,
          body: S.DatasetCreate,
          response: { 201: S.Dataset, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(withVersion(reply, await datasets.create(principalOf(req), req.body))),
    );

    app.get(
      '/datasets/:code',
      {
        schema: { tags, summary: 'Một bộ dữ liệu / One dataset', security, params: CodeParam, response: { 200: S.Dataset, ...errors(401, 404) } },
      },
      async (req, reply) => {
        principalOf(req);
        return withVersion(reply, await datasets.get(req.params.code));
      },
    );

    app.patch(
      '/datasets/:code',
      {
        schema: {
          tags,
          summary: 'Sửa bộ dữ liệu / Update dataset (custodian, R-8.2)',
          security,
          params: CodeParam,
          headers: IfMatchHeaders,
          body: S.DatasetPatch,
          response: { 200: S.Dataset, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) =>
        withVersion(reply, await datasets.update(principalOf(req), req.params.code, req.body as DatasetPatch, versionFromIfMatch(req.headers['if-match']))),
    );

    app.get(
      '/datasets/:code/fields',
      {
        schema: {
          tags,
          summary: 'Trường dữ liệu (đã áp dụng từ điển) / Fields with the dictionary applied',
          security,
          params: CodeParam,
          response: { 200: Type.Array(S.ResolvedField), ...errors(401, 404) },
        },
      },
      async (req) => {
        principalOf(req);
        return catalog.fields(req.params.code);
      },
    );

    app.post(
      '/datasets/:code/validate',
      {
        bodyLimit: bulkLimit,
        schema: {
          tags,
          summary: 'Kiểm tra bản ghi / Validate records against the dataset (R-4.7, R-3.4)',
          security,
          params: CodeParam,
          description:
            'Send `{"record": {…}}` or `{"records": [… up to 10,000]}`. Every violation is returned with its path, rule and a vi/en message; nothing is stored.',
          body: S.ValidateBody,
          response: { 200: S.ValidationResult, ...errors(400, 401, 404, 413) },
        },
      },
      async (req) => {
        principalOf(req);
        const { records, record, on } = req.body;
        if ((records === undefined) === (record === undefined)) {
          throw invalid('/body', 'Gửi đúng một trong hai: "record" hoặc "records".', 'Send exactly one of "record" or "records".');
        }
        return catalog.validate(req.params.code, records ?? [record], on);
      },
    );

    // ── data dictionary ──
    const NameParam = Type.Object({ name: Type.String({ maxLength: 64 }) });
    app.get(
      '/dictionary',
      {
        schema: {
          tags,
          summary: 'Từ điển dữ liệu / Data dictionary',
          security,
          querystring: QueryString({
            q: Type.Optional(Type.String({ maxLength: 200 })),
            personal: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('basic'), Type.Literal('sensitive')])),
            ...Pagination,
          }),
          response: { 200: pageOf(S.DictionaryEntry), ...errors(400, 401) },
        },
      },
      async (req) => {
        principalOf(req);
        return dictionary.list(req.query);
      },
    );

    app.post(
      '/dictionary',
      {
        schema: {
          tags,
          summary: 'Thêm mục từ điển / Add an entry (coordinator)',
          security,
          body: S.DictionaryCreate,
          response: { 201: S.DictionaryEntry, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(withVersion(reply, await dictionary.create(principalOf(req), req.body as never))),
    );

    app.get(
      '/dictionary/:name',
      {
        schema: { tags, summary: 'Một mục từ điển / One entry', security, params: NameParam, response: { 200: S.DictionaryEntry, ...errors(401, 404) } },
      },
      async (req, reply) => {
        principalOf(req);
        return withVersion(reply, await dictionary.get(req.params.name));
      },
    );

    app.patch(
      '/dictionary/:name',
      {
        schema: {
          tags,
          summary: 'Sửa mục từ điển / Update an entry (coordinator)',
          security,
          params: NameParam,
          headers: IfMatchHeaders,
          body: S.DictionaryPatch,
          response: { 200: S.DictionaryEntry, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) =>
        withVersion(reply, await dictionary.update(principalOf(req), req.params.name, req.body as never, versionFromIfMatch(req.headers['if-match']))),
    );

    app.get(
      '/dictionary/:name/history',
      {
        schema: { tags, summary: 'Lịch sử / History', security, params: NameParam, response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) } },
      },
      async (req) => {
        principalOf(req);
        await dictionary.get(req.params.name);
        return dictionary.history(req.params.name);
      },
    );

    app.get(
      '/datasets/:code/history',
      {
        schema: {
          tags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: CodeParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) },
        },
      },
      async (req) => {
        principalOf(req);
        return datasets.history(req.params.code);
      },
    );
  };
}
